/**
 * Where a raft server keeps what it must not forget: the hard state (term, vote, commit) and the
 * log entries in LMDB, and snapshots as files beside it. Every save is durable (fsync) before it
 * resolves: raft may only send messages that depend on it afterwards.
 * An in-memory store with the same interface serves -dev agents and tests.
 */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Entry, HardState, Snapshot } from '../types.ts';

export interface StoredRaftState {
  hardState: HardState | undefined;
  snapshot: Snapshot | undefined;
  entries: Entry[];
}

export interface LogStore {
  load(): Promise<StoredRaftState>;
  /** Persists in one durable step: entries replace any stored at or after entries[0].index. */
  save(update: {
    hardState?: HardState | undefined;
    entries: Entry[];
    snapshot?: Snapshot | undefined;
  }): Promise<void>;
  /** Drops entries up to and including index (they are in the snapshot). */
  compact(index: number): Promise<void>;
  close(): Promise<void>;
}

/** Snapshot files kept on disk; older ones are removed. */
export const SNAPSHOTS_RETAINED = 2;

export class MemoryLogStore implements LogStore {
  private state: StoredRaftState = { hardState: undefined, snapshot: undefined, entries: [] };

  async load(): Promise<StoredRaftState> {
    return { ...this.state, entries: [...this.state.entries] };
  }

  async save(update: {
    hardState?: HardState | undefined;
    entries: Entry[];
    snapshot?: Snapshot | undefined;
  }): Promise<void> {
    if (update.hardState !== undefined) this.state.hardState = update.hardState;
    if (update.snapshot !== undefined) {
      this.state.snapshot = update.snapshot;
      this.state.entries = this.state.entries.filter((e) => e.index > update.snapshot!.meta.index);
    }
    const first = update.entries[0]?.index;
    if (first !== undefined)
      this.state.entries = [...this.state.entries.filter((e) => e.index < first), ...update.entries];
  }

  async compact(index: number): Promise<void> {
    this.state.entries = this.state.entries.filter((e) => e.index > index);
  }

  async close(): Promise<void> {}
}

type LmdbModule = typeof import('lmdb');
type RootDatabase = ReturnType<LmdbModule['open']>;

export class LmdbLogStore implements LogStore {
  private readonly dir: string;
  private root: RootDatabase | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  private async db(): Promise<RootDatabase> {
    if (this.root !== undefined) return this.root;
    mkdirSync(join(this.dir, 'snapshots'), { recursive: true });
    const { open } = await import('lmdb');
    this.root = open({ path: join(this.dir, 'raft.mdb'), noSync: false });
    return this.root;
  }

  async load(): Promise<StoredRaftState> {
    const root = await this.db();
    const meta = root.openDB({ name: 'meta' });
    const log = root.openDB({ name: 'entries' });
    const hardState = meta.get('hardState') as HardState | undefined;
    const entries: Entry[] = [];
    for (const { value } of log.getRange({})) entries.push(value as Entry);
    return { hardState, snapshot: this.latestSnapshot(), entries };
  }

  async save(update: {
    hardState?: HardState | undefined;
    entries: Entry[];
    snapshot?: Snapshot | undefined;
  }): Promise<void> {
    if (update.snapshot !== undefined) this.writeSnapshot(update.snapshot);
    const root = await this.db();
    const meta = root.openDB({ name: 'meta' });
    const log = root.openDB({ name: 'entries' });
    const first = update.entries[0]?.index;
    await root.transaction(() => {
      if (update.hardState !== undefined) void meta.put('hardState', update.hardState);
      if (update.snapshot !== undefined) {
        for (const key of log.getKeys({ end: update.snapshot.meta.index + 1 })) void log.remove(key);
      }
      if (first !== undefined) {
        for (const key of log.getKeys({ start: first })) void log.remove(key);
        for (const e of update.entries) void log.put(e.index, e);
      }
    });
    await root.flushed;
  }

  async compact(index: number): Promise<void> {
    const root = await this.db();
    const log = root.openDB({ name: 'entries' });
    await root.transaction(() => {
      for (const key of log.getKeys({ end: index + 1 })) void log.remove(key);
    });
    await root.flushed;
  }

  /** Writes a snapshot file durably (temp file, fsync, rename), then prunes old ones. */
  writeSnapshot(snap: Snapshot): void {
    const dir = join(this.dir, 'snapshots');
    mkdirSync(dir, { recursive: true });
    const name = `${String(snap.meta.term).padStart(12, '0')}-${String(snap.meta.index).padStart(16, '0')}.json`;
    const tmp = join(dir, `${name}.tmp`);
    writeFileSync(tmp, JSON.stringify(snap));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(dir, name));
    const all = this.snapshotFiles();
    for (const old of all.slice(0, Math.max(0, all.length - SNAPSHOTS_RETAINED)))
      rmSync(join(dir, old), { force: true });
  }

  private snapshotFiles(): string[] {
    try {
      return readdirSync(join(this.dir, 'snapshots'))
        .filter((f) => f.endsWith('.json'))
        .sort((a, b) => {
          const [ta, ia] = a.split(/[-.]/).map(Number);
          const [tb, ib] = b.split(/[-.]/).map(Number);
          return ia! - ib! || ta! - tb!;
        });
    } catch {
      return [];
    }
  }

  private latestSnapshot(): Snapshot | undefined {
    const files = this.snapshotFiles();
    const last = files[files.length - 1];
    if (last === undefined) return undefined;
    return JSON.parse(readFileSync(join(this.dir, 'snapshots', last), 'utf8')) as Snapshot;
  }

  async close(): Promise<void> {
    await this.root?.close();
    this.root = undefined;
  }
}
