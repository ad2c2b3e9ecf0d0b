/**
 * A clock that moves only when a test moves it: timers fire in due order as `advance()` passes
 * their time, so a test can check a 60 s nack timeout or a 10 s min_healthy_time without waiting.
 */
import type { Clock, TimerId } from '../../src/lib/clock.ts';

interface PendingTimer {
  id: TimerId;
  dueMs: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  #nowMs: number;
  #seq = 0;
  #timers = new Map<TimerId, PendingTimer>();

  constructor(startMs = Date.UTC(2024, 0, 1)) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerId {
    const id = { __timer: true } as TimerId;
    this.#timers.set(id, { id, dueMs: this.#nowMs + Math.max(0, delayMs), seq: this.#seq++, fn });
    return id;
  }

  clearTimer(id: TimerId): void {
    this.#timers.delete(id);
  }

  /** How many timers wait to fire. */
  pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order, at its own time. */
  advance(ms: number): void {
    const endMs = this.#nowMs + ms;
    for (;;) {
      const next = this.#nextDue(endMs);
      if (next === undefined) break;
      this.#timers.delete(next.id);
      this.#nowMs = Math.max(this.#nowMs, next.dueMs);
      next.fn();
    }
    this.#nowMs = endMs;
  }

  /** Moves time forward in steps, letting promises settle between them (for async loops). */
  async advanceAsync(ms: number, stepMs = ms): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.advance(step);
      left -= step;
      await settle();
    }
    await settle();
  }

  #nextDue(endMs: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers.values()) {
      if (t.dueMs > endMs) continue;
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq))
        best = t;
    }
    return best;
  }
}

/** Lets queued promise callbacks and immediates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
