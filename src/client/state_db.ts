/**
 * The client's local state, in LMDB (<dataDir>/client/state.mdb): the allocations it runs, each
 * task's driver handle, task state and restart count. What the client reads on start to reattach
 * to its tasks after being killed. Writes resolve once committed to disk.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import type { Allocation, TaskState } from '../structs/allocation.ts';
import type { TaskHandle } from '../drivers/driver.ts';
import type { RestartTrackerState } from './taskrunner/restart_tracker.ts';

export interface TaskLocalState {
  handle: TaskHandle | null;
  restart: RestartTrackerState;
  /** Hashes of rendered templates, so a restore does not count as a change. */
  templateHashes: Record<string, string>;
}

/** What the client keeps across restarts; ClientStateDb (LMDB) or MemoryClientStateDb. */
export interface ClientStateStore {
  allocs(): Allocation[];
  putAlloc(a: Allocation): Promise<void>;
  deleteAlloc(id: string): Promise<void>;
  taskState(allocId: string, task: string): TaskState | undefined;
  putTaskState(allocId: string, task: string, s: TaskState): Promise<void>;
  taskLocal(allocId: string, task: string): TaskLocalState | undefined;
  putTaskLocal(allocId: string, task: string, s: TaskLocalState): Promise<void>;
  close(): Promise<void>;
}

export class ClientStateDb implements ClientStateStore {
  readonly #db: RootDatabase<unknown, string>;

  private constructor(db: RootDatabase<unknown, string>) {
    this.#db = db;
  }

  static open(path: string): ClientStateDb {
    mkdirSync(dirname(path), { recursive: true });
    return new ClientStateDb(open<unknown, string>({ path, encoding: 'json', compression: false }));
  }

  allocs(): Allocation[] {
    const out: Allocation[] = [];
    for (const { value } of this.#db.getRange({ start: 'alloc/', end: 'alloc0' }))
      out.push(value as Allocation);
    return out;
  }

  async putAlloc(a: Allocation): Promise<void> {
    await this.#db.put(`alloc/${a.ID}`, a);
  }

  async deleteAlloc(id: string): Promise<void> {
    const keys = [`alloc/${id}`];
    for (const key of this.#db.getKeys({ start: `task/${id}/`, end: `task/${id}0` })) keys.push(key);
    await this.#db.transaction(() => {
      for (const k of keys) void this.#db.remove(k);
    });
  }

  taskState(allocId: string, task: string): TaskState | undefined {
    return this.#db.get(`task/${allocId}/${task}/state`) as TaskState | undefined;
  }

  async putTaskState(allocId: string, task: string, s: TaskState): Promise<void> {
    await this.#db.put(`task/${allocId}/${task}/state`, s);
  }

  taskLocal(allocId: string, task: string): TaskLocalState | undefined {
    return this.#db.get(`task/${allocId}/${task}/local`) as TaskLocalState | undefined;
  }

  async putTaskLocal(allocId: string, task: string, s: TaskLocalState): Promise<void> {
    await this.#db.put(`task/${allocId}/${task}/local`, s);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

/**
 * The client's local state in memory, for the simulator: it outlives a Client object the way the
 * LMDB file outlives the agent process, so a client restarted on it reattaches to its tasks. Values
 * go through JSON, as LMDB's json encoding would, so nobody shares objects with the store.
 */
export class MemoryClientStateDb implements ClientStateStore {
  readonly #rows = new Map<string, string>();

  #get<T>(key: string): T | undefined {
    const v = this.#rows.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  allocs(): Allocation[] {
    return [...this.#rows.keys()]
      .filter((k) => k.startsWith('alloc/'))
      .sort()
      .map((k) => this.#get<Allocation>(k)!);
  }

  async putAlloc(a: Allocation): Promise<void> {
    this.#rows.set(`alloc/${a.ID}`, JSON.stringify(a));
  }

  async deleteAlloc(id: string): Promise<void> {
    this.#rows.delete(`alloc/${id}`);
    for (const k of [...this.#rows.keys()]) if (k.startsWith(`task/${id}/`)) this.#rows.delete(k);
  }

  taskState(allocId: string, task: string): TaskState | undefined {
    return this.#get(`task/${allocId}/${task}/state`);
  }

  async putTaskState(allocId: string, task: string, s: TaskState): Promise<void> {
    this.#rows.set(`task/${allocId}/${task}/state`, JSON.stringify(s));
  }

  taskLocal(allocId: string, task: string): TaskLocalState | undefined {
    return this.#get(`task/${allocId}/${task}/local`);
  }

  async putTaskLocal(allocId: string, task: string, s: TaskLocalState): Promise<void> {
    this.#rows.set(`task/${allocId}/${task}/local`, JSON.stringify(s));
  }

  async close(): Promise<void> {}
}
