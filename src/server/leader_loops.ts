/**
 * The leader's background loops: reap evaluations that hit the delivery limit (failed, with a
 * delayed follow-up), write redundant and duplicate-blocked evaluations as canceled, retry blocked
 * evaluations that failed on plan attempts, and enqueue the periodic GC "_core" evaluations.
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import { errorMessage } from '../lib/errors.ts';
import type { IdSource, Rng } from '../lib/random.ts';
import { proposeOrThrow, type Log } from '../fsm/log.ts';
import type { StateStore } from '../state/index.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { BlockedEvals } from './blocked_evals.ts';
import { FAILED_EVAL_UNBLOCK_INTERVAL_MS } from './blocked_evals.ts';
import {
  CORE_JOB_DEPLOYMENT_GC,
  CORE_JOB_EVAL_GC,
  CORE_JOB_JOB_GC,
  CORE_JOB_NODE_GC,
  coreJobEval,
  GC_INTERVAL_MS,
} from './core_gc.ts';
import { EVAL_DELIVERY_LIMIT, FAILED_QUEUE, type EvalBroker } from './eval_broker.ts';

/** Follow-ups of failed evaluations wait this long, plus up to the range at random (Nomad's). */
export const EVAL_FAILED_FOLLOWUP_BASELINE_MS = 60_000;
export const EVAL_FAILED_FOLLOWUP_RANGE_MS = 5 * 60_000;
export const CANCELABLE_REAP_INTERVAL_MS = 5_000;
const FAILED_DEQUEUE_WAIT_MS = 60_000;

export const CANCELED_AFTER_NEWER = 'canceled after more recent eval was processed';

export interface LeaderLoopsLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface LeaderLoopsOptions {
  store: StateStore;
  log: Log;
  broker: EvalBroker;
  blocked: BlockedEvals;
  clock: Clock;
  ids: IdSource;
  rng: Rng;
  logger: LeaderLoopsLogger;
  gcIntervalMs?: number;
  deliveryLimit?: number;
}

export class LeaderLoops {
  readonly #o: LeaderLoopsOptions;
  #abort: AbortController | undefined;
  #timers: TimerId[] = [];
  #failedReaper: Promise<void> | undefined;

  constructor(opts: LeaderLoopsOptions) {
    this.#o = opts;
  }

  start(): void {
    if (this.#abort !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#failedReaper = this.#reapFailed(abort.signal);
    this.#every(CANCELABLE_REAP_INTERVAL_MS, () => this.reapCancelable());
    this.#every(FAILED_EVAL_UNBLOCK_INTERVAL_MS, async () => {
      this.#o.blocked.unblockFailed();
      await Promise.resolve();
    });
    this.#every(this.#o.gcIntervalMs ?? GC_INTERVAL_MS, async () => {
      this.enqueueGc([CORE_JOB_EVAL_GC, CORE_JOB_JOB_GC, CORE_JOB_DEPLOYMENT_GC, CORE_JOB_NODE_GC]);
      await Promise.resolve();
    });
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    this.#abort = undefined;
    for (const t of this.#timers) this.#o.clock.clearTimer(t);
    this.#timers = [];
    await this.#failedReaper;
    this.#failedReaper = undefined;
  }

  /** Enqueues "_core" evaluations for the given core jobs (never written to the state, as in Nomad). */
  enqueueGc(coreJobs: readonly string[]): Evaluation[] {
    const index = this.#o.store.latestIndex();
    const nowNs = this.#o.clock.nowMs() * 1e6;
    const evals = coreJobs.map((job) => coreJobEval(this.#o.ids.uuid(), job, index, nowNs));
    for (const e of evals) this.#o.broker.enqueue(e);
    return evals;
  }

  /** Writes the broker's redundant evaluations and blocked duplicates as canceled. */
  async reapCancelable(): Promise<void> {
    const nowNs = this.#o.clock.nowMs() * 1e6;
    const redundant = this.#o.broker.takeCancelable();
    const duplicates = this.#o.blocked.takeDuplicates();
    const evals: Evaluation[] = [
      ...redundant.map((e) => ({
        ...e,
        Status: 'canceled' as const,
        StatusDescription: CANCELED_AFTER_NEWER,
        ModifyTime: nowNs,
      })),
      ...duplicates.map((e) => ({
        ...e,
        Status: 'canceled' as const,
        StatusDescription: `existing blocked evaluation exists for job "${e.JobID}"`,
        ModifyTime: nowNs,
      })),
    ];
    if (evals.length > 0) await proposeOrThrow(this.#o.log, { type: 'EvalUpdate', evals });
  }

  #every(intervalMs: number, fn: () => Promise<void>): void {
    const signal = this.#abort!.signal;
    const arm = (): void => {
      const timer = this.#o.clock.setTimer(intervalMs, () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        if (signal.aborted) return;
        void fn()
          .catch((err: unknown) =>
            this.#o.logger.warn('leader: periodic duty failed', { error: errorMessage(err) }),
          )
          .finally(() => {
            if (!signal.aborted) arm();
          });
      });
      this.#timers.push(timer);
    };
    arm();
  }

  /** Evaluations past the delivery limit are failed, with a delayed follow-up for their job. */
  async #reapFailed(signal: AbortSignal): Promise<void> {
    const { broker } = this.#o;
    while (!signal.aborted) {
      let d;
      try {
        d = await broker.dequeue([FAILED_QUEUE], FAILED_DEQUEUE_WAIT_MS, signal);
      } catch (err) {
        this.#o.logger.warn('leader: failed-evaluation reaper stopped', { error: errorMessage(err) });
        return;
      }
      if (d === null) continue;
      try {
        await proposeOrThrow(this.#o.log, { type: 'EvalUpdate', evals: this.#failed(d.evaluation) });
        broker.ack(d.evaluation.ID, d.token);
      } catch (err) {
        this.#o.logger.warn('leader: cannot fail evaluation', {
          eval_id: d.evaluation.ID,
          error: errorMessage(err),
        });
        if (broker.outstanding(d.evaluation.ID) === d.token) broker.nack(d.evaluation.ID, d.token);
      }
    }
  }

  #failed(e: Evaluation): Evaluation[] {
    const nowNs = this.#o.clock.nowMs() * 1e6;
    const limit = this.#o.deliveryLimit ?? EVAL_DELIVERY_LIMIT;
    const failed: Evaluation = {
      ...e,
      Status: 'failed',
      StatusDescription: `evaluation reached delivery limit (${limit})`,
      ModifyTime: nowNs,
    };
    // Core evaluations are re-created by the leader on their interval instead.
    if (e.Type === '_core') return [failed];
    const waitMs =
      EVAL_FAILED_FOLLOWUP_BASELINE_MS + Math.floor(this.#o.rng.next() * EVAL_FAILED_FOLLOWUP_RANGE_MS);
    const followUp: Evaluation = {
      ...e,
      ID: this.#o.ids.uuid(),
      TriggeredBy: 'failed-follow-up',
      Status: 'pending',
      StatusDescription: '',
      Wait: waitMs * 1e6,
      WaitUntil: null,
      PreviousEval: e.ID,
      NextEval: '',
      BlockedEval: '',
      FailedTGAllocs: null,
      ClassEligibility: null,
      QueuedAllocations: null,
      SnapshotIndex: 0,
      CreateIndex: 0,
      ModifyIndex: 0,
      CreateTime: nowNs,
      ModifyTime: nowNs,
    };
    return [{ ...failed, NextEval: followUp.ID }, followUp];
  }
}
