/**
 * The eval broker (leader only): evaluations wait here, in one priority queue per scheduler type,
 * until a worker dequeues them. At most one evaluation per job is outstanding (ready or unacked);
 * the others wait in the job's pending list, and when the outstanding one is acked only the best
 * pending one survives: the rest are redundant (Nomad 1.4.3 load shedding) and are handed to the
 * leader to be written as canceled. A dequeued evaluation must be acked or nacked before its nack
 * timeout; after the delivery limit it goes to the failed queue, which the leader reaps.
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import { NomadError } from '../lib/errors.ts';
import type { IdSource, Rng } from '../lib/random.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { Heap } from './heap.ts';

/** The queue of evaluations that reached the delivery limit; the leader reaps it. */
export const FAILED_QUEUE = '_failed';
export const EVAL_NACK_TIMEOUT_MS = 60_000;
export const EVAL_DELIVERY_LIMIT = 3;
export const EVAL_INITIAL_NACK_DELAY_MS = 1_000;
export const EVAL_SUBSEQUENT_NACK_DELAY_MS = 20_000;
/** At most this many redundant evaluations are handed out for cancelling in one log entry. */
export const CANCELABLE_BATCH_MAX = 728;
/** A dequeue never waits longer than this, whatever the caller asks. */
export const DEQUEUE_TIMEOUT_MS_MAX = 300_000;

export interface EvalBrokerOptions {
  clock: Clock;
  ids: IdSource;
  rng: Rng;
  nackTimeoutMs?: number;
  deliveryLimit?: number;
  initialNackDelayMs?: number;
  subsequentNackDelayMs?: number;
}

export interface DequeuedEval {
  evaluation: Evaluation;
  token: string;
}

export interface SchedulerStats {
  Ready: number;
  Unacked: number;
}

export interface BrokerStats {
  TotalReady: number;
  TotalUnacked: number;
  TotalPending: number;
  TotalWaiting: number;
  TotalCancelable: number;
  ByScheduler: Record<string, SchedulerStats>;
}

interface Unacked {
  evaluation: Evaluation;
  token: string;
  nackTimer: TimerId | undefined;
}

interface Delayed {
  evaluation: Evaluation;
  dueMs: number;
}

interface Waiter {
  types: readonly string[];
  resolve: (d: DequeuedEval | null) => void;
  reject: (err: unknown) => void;
  timer: TimerId | undefined;
}

const byPriorityThenAge = (a: Evaluation, b: Evaluation): boolean =>
  a.Priority !== b.Priority ? a.Priority > b.Priority : a.CreateIndex < b.CreateIndex;

/** Of a job's pending evaluations, the one to keep: the highest priority, then the newest. */
const bestPending = (a: Evaluation, b: Evaluation): boolean =>
  a.Priority !== b.Priority ? a.Priority > b.Priority : a.ModifyIndex > b.ModifyIndex;

const jobKey = (e: Evaluation): string => `${e.Namespace}\u0000${e.JobID}`;

export class EvalBroker {
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #rng: Rng;
  readonly #nackTimeoutMs: number;
  readonly #deliveryLimit: number;
  readonly #initialNackDelayMs: number;
  readonly #subsequentNackDelayMs: number;

  #enabled = false;
  /** Every evaluation the broker holds (ready, unacked, nack-delayed or waiting), with its dequeue count. */
  #evals = new Map<string, number>();
  /** The one outstanding evaluation per job. */
  #jobEvals = new Map<string, string>();
  #pending = new Map<string, Evaluation[]>();
  #ready = new Map<string, Heap<Evaluation>>();
  #unack = new Map<string, Unacked>();
  /** Evaluations to enqueue once the holder of the token acks or nacks (reblocked evaluations). */
  #requeue = new Map<string, Evaluation>();
  #delayed = new Heap<Delayed>((a, b) => a.dueMs < b.dueMs);
  #delayTimer: TimerId | undefined;
  #delayTimerDueMs = Infinity;
  #nackDelayTimers = new Map<string, TimerId>();
  #cancelable: Evaluation[] = [];
  #waiters: Waiter[] = [];

  constructor(opts: EvalBrokerOptions) {
    this.#clock = opts.clock;
    this.#ids = opts.ids;
    this.#rng = opts.rng;
    this.#nackTimeoutMs = opts.nackTimeoutMs ?? EVAL_NACK_TIMEOUT_MS;
    this.#deliveryLimit = opts.deliveryLimit ?? EVAL_DELIVERY_LIMIT;
    this.#initialNackDelayMs = opts.initialNackDelayMs ?? EVAL_INITIAL_NACK_DELAY_MS;
    this.#subsequentNackDelayMs = opts.subsequentNackDelayMs ?? EVAL_SUBSEQUENT_NACK_DELAY_MS;
  }

  enabled(): boolean {
    return this.#enabled;
  }

  /** Leadership gained: accept evaluations. Lost: drop everything and fail waiting dequeues. */
  setEnabled(enabled: boolean): void {
    const was = this.#enabled;
    this.#enabled = enabled;
    if (was && !enabled) this.#flush();
  }

  /** Adds an evaluation (from the FSM on the leader, or a restore). Ignored while disabled. */
  enqueue(evaluation: Evaluation): void {
    this.#processEnqueue(evaluation, '');
  }

  /**
   * Adds evaluations that a worker holding `token` reblocked: each waits until that token's
   * evaluation is acked or nacked, so the job never has two evaluations in flight.
   */
  enqueueWithToken(evaluation: Evaluation, token: string): void {
    this.#processEnqueue(evaluation, token);
  }

  /**
   * Waits up to `timeoutMs` for an evaluation of one of `types`; resolves null on timeout or when
   * the signal aborts. Rejects with 'unavailable' when the broker is disabled.
   */
  dequeue(types: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<DequeuedEval | null> {
    if (!this.#enabled) return Promise.reject(new NomadError('unavailable', 'eval broker disabled'));
    const now = this.#scan(types);
    if (now !== null) return Promise.resolve(now);
    if (timeoutMs <= 0 || signal?.aborted === true) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        this.#removeWaiter(waiter);
        waiter.resolve(null);
      };
      const done = (): void => signal?.removeEventListener('abort', finish);
      const waiter: Waiter = {
        types,
        resolve: (d) => {
          done();
          resolve(d);
        },
        reject: (err) => {
          done();
          reject(err);
        },
        timer: undefined,
      };
      waiter.timer = this.#clock.setTimer(Math.min(timeoutMs, DEQUEUE_TIMEOUT_MS_MAX), finish);
      signal?.addEventListener('abort', finish, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** The token of an unacked evaluation, or undefined. */
  outstanding(evalId: string): string | undefined {
    return this.#unack.get(evalId)?.token;
  }

  /** Restarts the nack timer of an unacked evaluation (a worker still working on it). */
  outstandingReset(evalId: string, token: string): void {
    const u = this.#checkToken(evalId, token);
    if (u.nackTimer === undefined) return;
    this.#clock.clearTimer(u.nackTimer);
    u.nackTimer = this.#startNackTimer(evalId, token);
  }

  /** Stops the nack timer while the worker waits on something slow (the plan applier). */
  pauseNackTimeout(evalId: string, token: string): void {
    const u = this.#checkToken(evalId, token);
    if (u.nackTimer !== undefined) this.#clock.clearTimer(u.nackTimer);
    u.nackTimer = undefined;
  }

  resumeNackTimeout(evalId: string, token: string): void {
    const u = this.#checkToken(evalId, token);
    if (u.nackTimer !== undefined) this.#clock.clearTimer(u.nackTimer);
    u.nackTimer = this.#startNackTimer(evalId, token);
  }

  /** The worker finished the evaluation: the job's next pending evaluation (if any) becomes ready. */
  ack(evalId: string, token: string): void {
    const u = this.#checkToken(evalId, token);
    if (u.nackTimer !== undefined) this.#clock.clearTimer(u.nackTimer);
    this.#unack.delete(evalId);
    this.#evals.delete(evalId);
    const key = jobKey(u.evaluation);
    if (this.#jobEvals.get(key) === evalId) this.#jobEvals.delete(key);
    this.#promotePending(key);
    this.#releaseRequeue(token);
  }

  /** The worker gave up on the evaluation: it is retried after a delay, or failed at the limit. */
  nack(evalId: string, token: string): void {
    const u = this.#checkToken(evalId, token);
    if (u.nackTimer !== undefined) this.#clock.clearTimer(u.nackTimer);
    this.#nackLocked(u);
  }

  /** Takes up to `max` redundant evaluations for the leader to write as canceled. */
  takeCancelable(max = CANCELABLE_BATCH_MAX): Evaluation[] {
    return this.#cancelable.splice(0, Math.min(max, CANCELABLE_BATCH_MAX));
  }

  stats(): BrokerStats {
    const byScheduler: Record<string, SchedulerStats> = {};
    const of = (t: string): SchedulerStats => (byScheduler[t] ??= { Ready: 0, Unacked: 0 });
    let totalReady = 0;
    for (const [t, heap] of this.#ready) {
      of(t).Ready += heap.size;
      totalReady += heap.size;
    }
    for (const u of this.#unack.values()) of(u.evaluation.Type).Unacked++;
    let totalPending = 0;
    for (const list of this.#pending.values()) totalPending += list.length;
    return {
      TotalReady: totalReady,
      TotalUnacked: this.#unack.size,
      TotalPending: totalPending,
      TotalWaiting: this.#delayed.size + this.#nackDelayTimers.size,
      TotalCancelable: this.#cancelable.length,
      ByScheduler: byScheduler,
    };
  }

  #processEnqueue(evaluation: Evaluation, token: string): void {
    if (!this.#enabled) return;
    if (this.#evals.has(evaluation.ID)) {
      const u = this.#unack.get(evaluation.ID);
      if (token !== '' && u !== undefined && u.token === token) this.#requeue.set(token, evaluation);
      return;
    }
    this.#evals.set(evaluation.ID, 0);
    const dueMs = this.#dueMs(evaluation);
    if (dueMs > this.#clock.nowMs()) {
      this.#delayed.push({ evaluation, dueMs });
      this.#armDelayTimer();
      return;
    }
    this.#enqueueLocked(evaluation, evaluation.Type);
  }

  /** When an evaluation may run: its WaitUntil, or now plus its Wait. */
  #dueMs(e: Evaluation): number {
    if (e.WaitUntil !== null && e.WaitUntil !== '') {
      const ms = Date.parse(e.WaitUntil);
      if (!Number.isNaN(ms)) return ms;
    }
    if (e.Wait > 0) return this.#clock.nowMs() + e.Wait / 1e6;
    return 0;
  }

  #enqueueLocked(evaluation: Evaluation, queue: string): void {
    if (!this.#enabled) return;
    const key = jobKey(evaluation);
    const owner = this.#jobEvals.get(key);
    if (owner === undefined) {
      this.#jobEvals.set(key, evaluation.ID);
    } else if (owner !== evaluation.ID) {
      const list = this.#pending.get(key);
      if (list === undefined) this.#pending.set(key, [evaluation]);
      else list.push(evaluation);
      return;
    }
    let heap = this.#ready.get(queue);
    if (heap === undefined) {
      heap = new Heap(byPriorityThenAge);
      this.#ready.set(queue, heap);
    }
    heap.push(evaluation);
    this.#wakeWaiters();
  }

  #promotePending(key: string): void {
    const list = this.#pending.get(key);
    if (list === undefined) return;
    this.#pending.delete(key);
    let best = list[0]!;
    for (const e of list) if (bestPending(e, best)) best = e;
    for (const e of list) {
      if (e === best) continue;
      this.#evals.delete(e.ID);
      this.#cancelable.push(e);
    }
    this.#enqueueLocked(best, best.Type);
  }

  #releaseRequeue(token: string): void {
    const e = this.#requeue.get(token);
    if (e === undefined) return;
    this.#requeue.delete(token);
    this.#evals.delete(e.ID);
    this.#processEnqueue(e, '');
  }

  #nackLocked(u: Unacked): void {
    const evalId = u.evaluation.ID;
    this.#unack.delete(evalId);
    const dequeues = this.#evals.get(evalId) ?? 0;
    if (dequeues >= this.#deliveryLimit) {
      this.#enqueueLocked(u.evaluation, FAILED_QUEUE);
    } else {
      const delayMs =
        dequeues <= 0 ? 0 : dequeues === 1 ? this.#initialNackDelayMs : this.#subsequentNackDelayMs;
      if (delayMs > 0) {
        const timer = this.#clock.setTimer(delayMs, () => {
          this.#nackDelayTimers.delete(evalId);
          this.#enqueueLocked(u.evaluation, u.evaluation.Type);
        });
        this.#nackDelayTimers.set(evalId, timer);
      } else {
        this.#enqueueLocked(u.evaluation, u.evaluation.Type);
      }
    }
    this.#releaseRequeue(u.token);
  }

  #scan(types: readonly string[]): DequeuedEval | null {
    let best: Heap<Evaluation> | undefined;
    let ties = 0;
    for (const t of types) {
      const heap = this.#ready.get(t);
      const top = heap?.peek();
      if (heap === undefined || top === undefined) continue;
      const cur = best?.peek();
      if (cur === undefined || top.Priority > cur.Priority) {
        best = heap;
        ties = 1;
      } else if (top.Priority === cur.Priority) {
        // Equal priorities across queues: pick one at random so no scheduler type starves.
        ties++;
        if (this.#rng.int(ties) === 0) best = heap;
      }
    }
    if (best === undefined) return null;
    const evaluation = best.pop()!;
    const token = this.#ids.uuid();
    const u: Unacked = { evaluation, token, nackTimer: undefined };
    u.nackTimer = this.#startNackTimer(evaluation.ID, token);
    this.#unack.set(evaluation.ID, u);
    this.#evals.set(evaluation.ID, (this.#evals.get(evaluation.ID) ?? 0) + 1);
    return { evaluation, token };
  }

  #startNackTimer(evalId: string, token: string): TimerId {
    return this.#clock.setTimer(this.#nackTimeoutMs, () => {
      const u = this.#unack.get(evalId);
      if (u === undefined || u.token !== token) return;
      u.nackTimer = undefined;
      this.#nackLocked(u);
    });
  }

  #checkToken(evalId: string, token: string): Unacked {
    const u = this.#unack.get(evalId);
    if (u === undefined) throw new NomadError('not_found', `Evaluation ID "${evalId}" not found`);
    if (u.token !== token) {
      throw new NomadError('bad_request', `Token does not match for Evaluation ID "${evalId}"`);
    }
    return u;
  }

  #wakeWaiters(): void {
    let i = 0;
    while (i < this.#waiters.length) {
      const w = this.#waiters[i]!;
      const d = this.#scan(w.types);
      if (d === null) {
        i++;
        continue;
      }
      this.#waiters.splice(i, 1);
      if (w.timer !== undefined) this.#clock.clearTimer(w.timer);
      w.resolve(d);
    }
  }

  #removeWaiter(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
    if (w.timer !== undefined) this.#clock.clearTimer(w.timer);
  }

  #armDelayTimer(): void {
    const top = this.#delayed.peek();
    if (top === undefined || top.dueMs >= this.#delayTimerDueMs) return;
    if (this.#delayTimer !== undefined) this.#clock.clearTimer(this.#delayTimer);
    this.#delayTimerDueMs = top.dueMs;
    this.#delayTimer = this.#clock.setTimer(top.dueMs - this.#clock.nowMs(), () => this.#releaseDelayed());
  }

  #releaseDelayed(): void {
    this.#delayTimer = undefined;
    this.#delayTimerDueMs = Infinity;
    const nowMs = this.#clock.nowMs();
    for (
      let top = this.#delayed.peek();
      top !== undefined && top.dueMs <= nowMs;
      top = this.#delayed.peek()
    ) {
      this.#delayed.pop();
      this.#enqueueLocked(top.evaluation, top.evaluation.Type);
    }
    this.#armDelayTimer();
  }

  #flush(): void {
    for (const u of this.#unack.values()) if (u.nackTimer !== undefined) this.#clock.clearTimer(u.nackTimer);
    for (const t of this.#nackDelayTimers.values()) this.#clock.clearTimer(t);
    if (this.#delayTimer !== undefined) this.#clock.clearTimer(this.#delayTimer);
    this.#delayTimer = undefined;
    this.#delayTimerDueMs = Infinity;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.timer !== undefined) this.#clock.clearTimer(w.timer);
      w.reject(new NomadError('unavailable', 'eval broker disabled'));
    }
    this.#evals.clear();
    this.#jobEvals.clear();
    this.#pending.clear();
    this.#ready.clear();
    this.#unack.clear();
    this.#requeue.clear();
    this.#delayed.clear();
    this.#nackDelayTimers.clear();
    this.#cancelable = [];
  }
}
