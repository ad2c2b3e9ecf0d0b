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

export class ClientStateDb {
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
