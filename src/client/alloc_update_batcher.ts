/**
 * Allocation updates to the servers, coalesced: the newest update per allocation waits for the
 * next flush (every flushMs), and one Node.UpdateAlloc call carries them all. A failed call keeps
 * them for the next flush (unless a newer update for the same allocation arrived meanwhile).
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import { errorMessage } from '../lib/errors.ts';
import type { AllocClientUpdate, ServerRpc } from './server_rpc.ts';
import type { ClientLogger } from './config.ts';

/** Updates sent per call; more wait for the next flush. */
export const ALLOC_UPDATE_BATCH_MAX = 500;

export class AllocUpdateBatcher {
  readonly #rpc: ServerRpc;
  readonly #clock: Clock;
  readonly #log: ClientLogger;
  readonly #flushMs: number;
  readonly #onError: () => void;
  #pending = new Map<string, AllocClientUpdate>();
  #timer: TimerId | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(o: {
    rpc: ServerRpc;
    clock: Clock;
    logger: ClientLogger;
    flushMs: number;
    onError: () => void;
  }) {
    this.#rpc = o.rpc;
    this.#clock = o.clock;
    this.#log = o.logger;
    this.#flushMs = o.flushMs;
    this.#onError = o.onError;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  queue(u: AllocClientUpdate): void {
    if (this.#closed) return;
    this.#pending.set(u.ID, u);
    this.#timer ??= this.#clock.setTimer(this.#flushMs, () => {
      this.#timer = undefined;
      void this.flush();
    });
  }

  /** Sends what is pending now; resolves when that call is done (failed calls keep their updates). */
  flush(): Promise<void> {
    this.#inFlight = this.#inFlight.then(() => this.#send());
    return this.#inFlight;
  }

  async #send(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()].slice(0, ALLOC_UPDATE_BATCH_MAX);
    for (const u of batch) this.#pending.delete(u.ID);
    try {
      await this.#rpc.updateAllocs(batch);
    } catch (err) {
      this.#log.warn('sending allocation updates failed; will retry', {
        error: errorMessage(err),
        count: batch.length,
      });
      for (const u of batch) if (!this.#pending.has(u.ID)) this.#pending.set(u.ID, u);
      this.#onError();
    }
    if (this.#pending.size > 0 && !this.#closed) {
      this.#timer ??= this.#clock.setTimer(this.#flushMs, () => {
        this.#timer = undefined;
        void this.flush();
      });
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
