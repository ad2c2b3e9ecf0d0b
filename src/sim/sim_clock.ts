/**
 * One process's view of simulated time. Its wall clock may run fast or slow (rate) and may jump
 * (offset), while its timers, like Node's setTimeout, follow the monotonic flow of time at the
 * same rate. A crash kills the process: its timers never fire again and nothing it schedules runs,
 * so a crashed server or client leaves nothing behind in the simulation.
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import type { SimScheduler } from './sim_scheduler.ts';

/** Simulated wall clocks start here (2024-01-01T00:00:00Z), so no time reads as "unset". */
export const SIM_EPOCH_MS = Date.UTC(2024, 0, 1);

type SimEvent = ReturnType<SimScheduler['at']>;

export class ProcessClock implements Clock {
  readonly #sched: SimScheduler;
  readonly #rate: number;
  #offsetMs: number;
  #dead = false;
  readonly #timers = new Set<SimEvent>();

  constructor(sched: SimScheduler, opts: { rate: number; offsetMs: number }) {
    this.#sched = sched;
    this.#rate = opts.rate;
    this.#offsetMs = opts.offsetMs;
  }

  nowMs(): number {
    return SIM_EPOCH_MS + this.#sched.nowMs * this.#rate + this.#offsetMs;
  }

  /** The wall clock jumps (an NTP step, an operator): timers are not affected. */
  jump(deltaMs: number): void {
    this.#offsetMs += deltaMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    const ev = this.#sched.at(this.#sched.nowMs + Math.max(0, delayMs) / this.#rate, () => {
      this.#timers.delete(ev);
      if (!this.#dead) fn();
    });
    if (this.#dead) ev.cancelled = true;
    else this.#timers.add(ev);
    return ev as unknown as TimerId;
  }

  clearTimer(id: TimerId): void {
    const ev = id as unknown as SimEvent;
    ev.cancelled = true;
    this.#timers.delete(ev);
  }

  /** Runs fn as soon as possible, after what is already due now. */
  readonly defer = (fn: () => void): void => {
    this.setTimer(0, fn);
  };

  get dead(): boolean {
    return this.#dead;
  }

  /** The process died: every pending timer is dropped, and later ones never fire. */
  kill(): void {
    this.#dead = true;
    for (const ev of this.#timers) ev.cancelled = true;
    this.#timers.clear();
  }
}
