/**
 * A simulated disk under raft's LogStore: each save takes simulated time to become durable, and a
 * crash loses every save that had not finished (the write was not yet fsynced). What finished
 * survives a crash and is what a restarted node loads.
 */
import type { LogStore, StoredRaftState } from '../raft/driver/log_store.ts';
import type { Entry, HardState, Snapshot } from '../raft/types.ts';
import type { SimScheduler } from './sim_scheduler.ts';
import type { Rng } from '../lib/random.ts';

export class SimDisk {
  durable: StoredRaftState = { hardState: undefined, snapshot: undefined, entries: [] };
  /** Bumped by a crash: saves started before it never land. */
  epoch = 0;

  crash(): void {
    this.epoch++;
  }
}

export class SimLogStore implements LogStore {
  private readonly disk: SimDisk;
  private readonly sched: SimScheduler;
  private readonly rng: Rng;
  private readonly fsyncMsMax: number;

  constructor(disk: SimDisk, sched: SimScheduler, rng: Rng, fsyncMsMax = 2) {
    this.disk = disk;
    this.sched = sched;
    this.rng = rng;
    this.fsyncMsMax = fsyncMsMax;
  }

  async load(): Promise<StoredRaftState> {
    const d = this.disk.durable;
    return { hardState: d.hardState, snapshot: d.snapshot, entries: [...d.entries] };
  }

  save(update: {
    hardState?: HardState | undefined;
    entries: Entry[];
    snapshot?: Snapshot | undefined;
  }): Promise<void> {
    const epoch = this.disk.epoch;
    return new Promise((resolve) => {
      this.sched.at(this.sched.nowMs + this.rng.next() * this.fsyncMsMax, () => {
        if (this.disk.epoch !== epoch) return; // crashed before the fsync: lost, and nobody waits anymore
        applySave(this.disk.durable, update);
        resolve();
      });
    });
  }

  async compact(index: number): Promise<void> {
    this.disk.durable.entries = this.disk.durable.entries.filter((e) => e.index > index);
  }

  async close(): Promise<void> {}
}

function applySave(
  d: StoredRaftState,
  update: { hardState?: HardState | undefined; entries: Entry[]; snapshot?: Snapshot | undefined },
): void {
  if (update.hardState !== undefined) d.hardState = update.hardState;
  if (update.snapshot !== undefined) {
    d.snapshot = update.snapshot;
    d.entries = d.entries.filter((e) => e.index > update.snapshot!.meta.index);
  }
  const first = update.entries[0]?.index;
  if (first !== undefined) d.entries = [...d.entries.filter((e) => e.index < first), ...update.entries];
}
