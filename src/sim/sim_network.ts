/**
 * A simulated network: every message takes a random delay (so messages reorder), and may be lost
 * or duplicated; partitions cut pairs of nodes off from each other. Deterministic from the Rng.
 */
import type { Rng } from '../lib/random.ts';
import type { SimScheduler } from './sim_scheduler.ts';

export interface NetworkFaults {
  lossRate: number;
  duplicateRate: number;
  delayMsMin: number;
  delayMsMax: number;
}

export class SimNetwork {
  private readonly sched: SimScheduler;
  private readonly rng: Rng;
  faults: NetworkFaults = { lossRate: 0, duplicateRate: 0, delayMsMin: 0.1, delayMsMax: 2 };
  private readonly cut = new Set<string>();
  private readonly handlers = new Map<string, (from: string, msg: unknown) => void>();
  delivered = 0;
  dropped = 0;

  constructor(sched: SimScheduler, rng: Rng) {
    this.sched = sched;
    this.rng = rng;
  }

  listen(node: string, handler: (from: string, msg: unknown) => void): void {
    this.handlers.set(node, handler);
  }

  unlisten(node: string): void {
    this.handlers.delete(node);
  }

  send(from: string, to: string, msg: unknown): void {
    if (this.rng.next() < this.faults.lossRate) {
      this.dropped++;
      return;
    }
    const copies = this.rng.next() < this.faults.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay =
        this.faults.delayMsMin + this.rng.next() * (this.faults.delayMsMax - this.faults.delayMsMin);
      this.sched.at(this.sched.nowMs + delay, () => {
        // Checked on arrival: a partition made while the message was in flight also stops it.
        if (this.cut.has(`${from}|${to}`)) {
          this.dropped++;
          return;
        }
        const h = this.handlers.get(to);
        if (h === undefined) return;
        this.delivered++;
        h(from, structuredClone(msg));
      });
    }
  }

  partition(groups: string[][]): void {
    this.cut.clear();
    for (const a of groups)
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}|${y}`);
      }
  }

  isolate(node: string, all: string[]): void {
    this.partition([[node], all.filter((n) => n !== node)]);
  }

  heal(): void {
    this.cut.clear();
  }
}
