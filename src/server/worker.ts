/**
 * Scheduler workers: each takes an evaluation from the eval broker, waits for the state to reach
 * the evaluation's index, runs the scheduler for the job's type on a snapshot, and acks (or nacks,
 * on any error, so the broker retries it elsewhere or fails it after the delivery limit). The
 * worker is the scheduler's Planner: plans go through the plan queue, evaluation changes through
 * the log, and every write checks that this worker still holds the evaluation's token.
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import { NomadError, errorMessage } from '../lib/errors.ts';
import { proposeOrThrow, type Log } from '../fsm/log.ts';
import type { Planner, SchedulerState } from '../scheduler/state.ts';
import type { StateSnapshot, StateStore } from '../state/index.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Plan, PlanResult } from '../structs/plan.ts';
import type { BlockedEvals } from './blocked_evals.ts';
import type { EvalBroker } from './eval_broker.ts';
import type { IndexWaiter } from './index_waiter.ts';
import type { PlanQueue } from './plan_queue.ts';

/** The scheduler types a worker serves by default ("_core" is the server's own housekeeping). */
export const DEFAULT_SCHEDULER_TYPES: readonly string[] = ['service', 'batch', 'system', 'sysbatch', '_core'];
export const CORE_JOB_TYPE = '_core';
/** How long one dequeue waits before the worker checks whether it should stop. */
export const DEQUEUE_WAIT_MS = 500;
/** Pause after the broker refused a dequeue (not leader), before asking again. */
export const DEQUEUE_BACKOFF_MS = 1_000;

/**
 * Runs the scheduler for an evaluation's type (src/scheduler for job types, the core GC for
 * "_core") to completion; throws when the evaluation should be retried.
 */
export type EvalRunner = (evaluation: Evaluation, state: SchedulerState, planner: Planner) => Promise<void>;

export interface WorkerLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface WorkerDeps {
  store: StateStore;
  log: Log;
  broker: EvalBroker;
  blocked: BlockedEvals;
  planQueue: PlanQueue;
  indexes: IndexWaiter;
  clock: Clock;
  runScheduler: EvalRunner;
  logger: WorkerLogger;
}

export interface WorkerStats {
  evalsProcessed: number;
  evalsFailed: number;
  plansSubmitted: number;
}

export class Worker {
  readonly id: string;
  readonly #deps: WorkerDeps;
  readonly #types: readonly string[];
  #abort: AbortController | undefined;
  #running: Promise<void> | undefined;
  readonly #stats: WorkerStats = { evalsProcessed: 0, evalsFailed: 0, plansSubmitted: 0 };

  constructor(id: string, deps: WorkerDeps, types: readonly string[] = DEFAULT_SCHEDULER_TYPES) {
    this.id = id;
    this.#deps = deps;
    this.#types = types;
  }

  start(): void {
    if (this.#running !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#running = this.#loop(abort.signal).finally(() => {
      this.#running = undefined;
    });
  }

  /** Stops after the evaluation in hand (if any) is finished. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#running;
  }

  stats(): WorkerStats {
    return { ...this.#stats };
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const { broker, clock } = this.#deps;
    while (!signal.aborted) {
      let dequeued;
      try {
        dequeued = await broker.dequeue(this.#types, DEQUEUE_WAIT_MS, signal);
      } catch (err) {
        if (!(err instanceof NomadError) || err.kind !== 'unavailable') throw err;
        await sleep(clock, DEQUEUE_BACKOFF_MS, signal);
        continue;
      }
      if (dequeued === null) continue;
      await this.#process(dequeued.evaluation, dequeued.token);
    }
  }

  async #process(evaluation: Evaluation, token: string): Promise<void> {
    const { broker, indexes, store, logger } = this.#deps;
    try {
      await indexes.waitFor(evaluation.ModifyIndex);
      const snap = store.snapshot();
      const planner = new WorkerPlanner(this.#deps, evaluation, token, snap, this.#stats);
      await this.#deps.runScheduler(evaluation, snap, planner);
      broker.ack(evaluation.ID, token);
      this.#stats.evalsProcessed++;
    } catch (err) {
      this.#stats.evalsFailed++;
      logger.warn('worker: evaluation failed; nacking it', {
        worker: this.id,
        eval_id: evaluation.ID,
        job_id: evaluation.JobID,
        error: errorMessage(err),
      });
      // The token may be gone (nack timeout, leadership lost): then the broker already moved on.
      if (broker.outstanding(evaluation.ID) === token) broker.nack(evaluation.ID, token);
    }
  }
}

/** The scheduler's Planner for one evaluation in a worker's hands. */
export class WorkerPlanner implements Planner {
  readonly #deps: WorkerDeps;
  readonly #evaluation: Evaluation;
  readonly #token: string;
  readonly #stats: WorkerStats;
  #snapshotIndex: number;

  constructor(
    deps: WorkerDeps,
    evaluation: Evaluation,
    token: string,
    snap: StateSnapshot,
    stats: WorkerStats,
  ) {
    this.#deps = deps;
    this.#evaluation = evaluation;
    this.#token = token;
    this.#snapshotIndex = snap.latestIndex();
    this.#stats = stats;
  }

  async submitPlan(plan: Plan): Promise<{ result: PlanResult; newState: SchedulerState | undefined }> {
    const { broker, planQueue, indexes, store } = this.#deps;
    this.#checkToken();
    const submitted: Plan = {
      ...plan,
      EvalID: this.#evaluation.ID,
      EvalToken: this.#token,
      SnapshotIndex: this.#snapshotIndex,
    };
    // The applier may take a while behind other plans: that is not this worker being stuck.
    broker.pauseNackTimeout(this.#evaluation.ID, this.#token);
    let result: PlanResult;
    try {
      result = await planQueue.enqueue(submitted);
    } finally {
      if (broker.outstanding(this.#evaluation.ID) === this.#token) {
        broker.resumeNackTimeout(this.#evaluation.ID, this.#token);
      }
    }
    this.#stats.plansSubmitted++;
    if (result.RefreshIndex === 0) return { result, newState: undefined };
    await indexes.waitFor(result.RefreshIndex);
    const snap = store.snapshot();
    this.#snapshotIndex = snap.latestIndex();
    return { result, newState: snap };
  }

  async updateEval(evaluation: Evaluation): Promise<void> {
    this.#checkToken();
    await proposeOrThrow(this.#deps.log, { type: 'EvalUpdate', evals: [this.#stamped(evaluation)] });
  }

  async createEval(evaluation: Evaluation): Promise<void> {
    this.#checkToken();
    await proposeOrThrow(this.#deps.log, { type: 'EvalUpdate', evals: [this.#stamped(evaluation)] });
  }

  async reblockEval(evaluation: Evaluation): Promise<void> {
    this.#checkToken();
    const current = this.#deps.store.snapshot().evalByID(evaluation.ID);
    if (current === undefined) throw new NomadError('not_found', `Evaluation "${evaluation.ID}" not found`);
    if (current.Status !== 'blocked') {
      throw new NomadError(
        'bad_request',
        `Evaluation "${evaluation.ID}" is not blocked: status "${current.Status}"`,
      );
    }
    await proposeOrThrow(this.#deps.log, { type: 'EvalUpdate', evals: [this.#stamped(evaluation)] });
    const stored = this.#deps.store.snapshot().evalByID(evaluation.ID);
    if (stored !== undefined) this.#deps.blocked.reblock(stored, this.#token);
  }

  /** Writes are refused once the broker no longer counts this worker as the evaluation's holder. */
  #checkToken(): void {
    const held = this.#deps.broker.outstanding(this.#evaluation.ID);
    if (held !== this.#token) {
      throw new NomadError(
        'bad_request',
        `Evaluation "${this.#evaluation.ID}" is no longer outstanding with this token`,
      );
    }
    this.#deps.broker.outstandingReset(this.#evaluation.ID, this.#token);
  }

  #stamped(evaluation: Evaluation): Evaluation {
    const nowNs = this.#deps.clock.nowMs() * 1e6;
    return {
      ...evaluation,
      SnapshotIndex: this.#snapshotIndex,
      CreateTime: evaluation.CreateTime === 0 ? nowNs : evaluation.CreateTime,
      ModifyTime: nowNs,
    };
  }
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let timer: TimerId | undefined = undefined;
    const done = (): void => {
      if (timer !== undefined) clock.clearTimer(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    timer = clock.setTimer(ms, done);
    signal.addEventListener('abort', done, { once: true });
  });
}
