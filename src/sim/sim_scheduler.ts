/**
 * Simulated time: one queue of timed events for a whole cluster. Each node sees the time through
 * its own Clock view, which can run fast or slow and can jump, as real clocks do. Everything that
 * happens is ordered by (time, sequence), so a seed replays exactly.
 */
import type { Clock, TimerId } from '../lib/clock.ts';

interface Event {
  time: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Events run in one simulation, at most: a runaway loop fails instead of hanging. */
export const SIM_EVENTS_MAX = 5_000_000;

export class SimScheduler {
  nowMs = 0;
  private heap: Event[] = [];
  private seq = 0;
  eventsRun = 0;

  at(time: number, fn: () => void): Event {
    const ev = { time: Math.max(time, this.nowMs), seq: this.seq++, fn, cancelled: false };
    this.push(ev);
    return ev;
  }

  /** Runs events until the given simulated time; awaits between events so promises settle in order. */
  async runUntil(timeMs: number): Promise<void> {
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.time > timeMs) break;
      this.pop();
      if (next.cancelled) continue;
      this.nowMs = next.time;
      if (++this.eventsRun > SIM_EVENTS_MAX)
        throw new Error(`simulation ran more than ${SIM_EVENTS_MAX} events`);
      next.fn();
      await settle();
    }
    this.nowMs = Math.max(this.nowMs, timeMs);
  }

  /** A node's view of time: rate > 1 runs fast (its timers fire early), offset shifts its wall clock. */
  clockFor(skew: { rate: number; offsetMs: number }): Clock & { defer: (fn: () => void) => void } {
    return {
      nowMs: () => this.nowMs * skew.rate + skew.offsetMs,
      setTimer: (delayMs, fn) => this.at(this.nowMs + delayMs / skew.rate, fn) as unknown as TimerId,
      clearTimer: (id) => {
        (id as unknown as Event).cancelled = true;
      },
      defer: (fn) => {
        this.at(this.nowMs, fn);
      },
    };
  }

  private push(ev: Event): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

function less(a: Event, b: Event): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Lets every pending promise callback run (there is no real I/O in a simulation). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
