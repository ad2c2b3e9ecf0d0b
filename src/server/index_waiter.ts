/**
 * Waits for the state store to reach an index: a worker must not schedule an evaluation on a
 * snapshot older than the evaluation itself. Fed by the FSM's `applied` hook.
 */
import type { Clock } from '../lib/clock.ts';
import { NomadError } from '../lib/errors.ts';

/** How long a worker waits for its server's state to catch up with an evaluation (Nomad's raftSyncLimit). */
export const STATE_SYNC_LIMIT_MS = 5_000;
/** Waiters beyond this are refused: something is badly stuck. */
export const INDEX_WAITERS_MAX = 10_000;

interface Waiter {
  index: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class IndexWaiter {
  readonly #clock: Clock;
  readonly #current: () => number;
  #waiters: Waiter[] = [];

  /** `current` reads the index the state has reached. */
  constructor(clock: Clock, current: () => number) {
    this.#clock = clock;
    this.#current = current;
  }

  /** Called after every applied entry. */
  advanced(index: number): void {
    if (this.#waiters.length === 0) return;
    const ready = this.#waiters.filter((w) => w.index <= index);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.index > index);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the state is at or past `index`; rejects with 'timeout' after `timeoutMs`. */
  waitFor(index: number, timeoutMs = STATE_SYNC_LIMIT_MS): Promise<void> {
    if (this.#current() >= index) return Promise.resolve();
    if (this.#waiters.length >= INDEX_WAITERS_MAX) {
      return Promise.reject(
        new NomadError('unavailable', `Too many waiters for the state index: ${INDEX_WAITERS_MAX}`),
      );
    }
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimer(timeoutMs, () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new NomadError(
            'timeout',
            `Timed out after ${timeoutMs} ms waiting for the state to reach index ${index}`,
          ),
        );
      });
      const waiter: Waiter = {
        index,
        resolve: () => {
          this.#clock.clearTimer(timer);
          resolve();
        },
        reject,
      };
      this.#waiters.push(waiter);
    });
  }
}
