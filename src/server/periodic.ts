/**
 * The periodic dispatcher (leader only): tracks every enabled periodic job and, at each launch
 * time its cron specs give (on the wall clock of its time_zone), registers a child job
 * `<parent>/periodic-<unix seconds>` with an evaluation, and records the launch. With
 * prohibit_overlap, a launch is skipped while an earlier child is still running. On gaining
 * leadership it restores the jobs from the state and runs at once a launch missed meanwhile.
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import { NomadError } from '../lib/errors.ts';
import type { IdSource } from '../lib/random.ts';
import { proposeOrThrow, type Log } from '../fsm/log.ts';
import { jobIsParameterized, jobIsPeriodic, type StateSnapshot, type StateStore } from '../state/index.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import { nextLaunchMs } from '../structs/cron_next.ts';
import { newJobEval } from './endpoint_common.ts';
import { Heap } from './heap.ts';

export const PERIODIC_LAUNCH_SUFFIX = '/periodic-';
/** At most this many periodic jobs are tracked; more are refused with a logged warning. */
export const PERIODIC_JOBS_MAX = 100_000;

export interface PeriodicLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface PeriodicDispatcherOptions {
  store: StateStore;
  log: Log;
  clock: Clock;
  ids: IdSource;
  logger: PeriodicLogger;
}

interface Tracked {
  key: string;
  namespace: string;
  jobId: string;
  nextMs: number;
}

export { nextLaunchMs };

const keyOf = (namespace: string, jobId: string): string => `${namespace}\u0000${jobId}`;

/** The child job a launch registers: the parent without its periodic block, named for the launch. */
export function deriveChildJob(parent: Job, launchMs: number, nowNs: number): Job {
  const id = `${parent.ID}${PERIODIC_LAUNCH_SUFFIX}${Math.floor(launchMs / 1000)}`;
  return {
    ...parent,
    ID: id,
    Name: id,
    ParentID: parent.ID,
    Periodic: null,
    Status: 'pending',
    StatusDescription: '',
    Stop: false,
    Stable: false,
    Version: 0,
    SubmitTime: nowNs,
    CreateIndex: 0,
    ModifyIndex: 0,
    JobModifyIndex: 0,
  };
}

export class PeriodicDispatcher {
  readonly #opts: PeriodicDispatcherOptions;
  #enabled = false;
  #tracked = new Map<string, Tracked>();
  #heap = new Heap<Tracked>((a, b) => a.nextMs < b.nextMs);
  #timer: TimerId | undefined;
  #timerDueMs = Infinity;

  constructor(opts: PeriodicDispatcherOptions) {
    this.#opts = opts;
  }

  enabled(): boolean {
    return this.#enabled;
  }

  /** Leadership gained: tracks every periodic job and runs launches missed while no leader watched. */
  async establish(): Promise<void> {
    this.#enabled = true;
    const snap = this.#opts.store.snapshot();
    const nowMs = this.#opts.clock.nowMs();
    for (const job of snap.jobs()) {
      this.add(job);
      if (!this.#tracked.has(keyOf(job.Namespace, job.ID))) continue;
      const launch = snap.periodicLaunchByID(job.Namespace, job.ID);
      if (launch === undefined) continue;
      const next = nextLaunchMs(job, launch.Launch / 1e6);
      if (next !== undefined && next < nowMs) await this.forceLaunch(job.Namespace, job.ID);
    }
  }

  /** Leadership lost: forget every job and timer. */
  revoke(): void {
    this.#enabled = false;
    this.#tracked.clear();
    this.#heap.clear();
    this.#clearTimer();
  }

  /** Tracks a registered or updated job (from the FSM hook); untracks it when no longer periodic. */
  add(job: Job): void {
    if (!this.#enabled) return;
    const key = keyOf(job.Namespace, job.ID);
    if (!jobIsPeriodic(job) || job.Stop || jobIsParameterized(job)) {
      this.remove(job.Namespace, job.ID);
      return;
    }
    let next: number | undefined;
    try {
      next = nextLaunchMs(job, this.#opts.clock.nowMs());
    } catch (err) {
      this.#opts.logger.warn('periodic: cannot compute the next launch', {
        job_id: job.ID,
        error: String(err),
      });
      next = undefined;
    }
    this.remove(job.Namespace, job.ID);
    if (next === undefined) return;
    if (this.#tracked.size >= PERIODIC_JOBS_MAX) {
      this.#opts.logger.warn('periodic: too many periodic jobs tracked', {
        job_id: job.ID,
        max: PERIODIC_JOBS_MAX,
      });
      return;
    }
    const t: Tracked = { key, namespace: job.Namespace, jobId: job.ID, nextMs: next };
    this.#tracked.set(key, t);
    this.#heap.push(t);
    this.#arm();
  }

  remove(namespace: string, jobId: string): void {
    const key = keyOf(namespace, jobId);
    const t = this.#tracked.get(key);
    if (t === undefined) return;
    this.#tracked.delete(key);
    this.#heap.removeWhere((x) => x === t);
    this.#arm();
  }

  /** Whether the job is tracked, and its next launch (epoch ms). */
  nextLaunch(namespace: string, jobId: string): number | undefined {
    return this.#tracked.get(keyOf(namespace, jobId))?.nextMs;
  }

  trackedCount(): number {
    return this.#tracked.size;
  }

  /** Job.PeriodicForce: launches a child now, whatever the schedule says (overlap rules still apply). */
  async forceLaunch(namespace: string, jobId: string): Promise<Evaluation | null> {
    if (!this.#enabled) throw new NomadError('unavailable', 'periodic dispatcher disabled');
    const job = this.#opts.store.snapshot().jobByID(namespace, jobId);
    if (job === undefined) throw new NomadError('not_found', `job "${jobId}" not found`);
    if (!jobIsPeriodic(job)) throw new NomadError('bad_request', `Job "${jobId}" is not periodic`);
    return this.#launch(job, this.#opts.clock.nowMs());
  }

  async #launch(job: Job, launchMs: number): Promise<Evaluation | null> {
    const snap = this.#opts.store.snapshot();
    if (job.Periodic?.ProhibitOverlap === true && runningChildren(snap, job) > 0) {
      this.#opts.logger.warn('periodic: skipping launch of periodic job because job prohibits overlap', {
        job_id: job.ID,
      });
      return null;
    }
    const nowNs = this.#opts.clock.nowMs() * 1e6;
    const child = deriveChildJob(job, launchMs, nowNs);
    const ev = newJobEval(this.#opts, child, { triggeredBy: 'periodic-job' });
    const { log } = this.#opts;
    await proposeOrThrow(log, { type: 'JobRegister', job: child, eval: ev });
    await proposeOrThrow(log, {
      type: 'PeriodicLaunch',
      launch: {
        ID: job.ID,
        Namespace: job.Namespace,
        Launch: launchMs * 1e6,
        CreateIndex: 0,
        ModifyIndex: 0,
      },
    });
    return this.#opts.store.snapshot().evalByID(ev.ID) ?? ev;
  }

  #arm(): void {
    const top = this.#heap.peek();
    if (top === undefined) {
      this.#clearTimer();
      return;
    }
    if (top.nextMs === this.#timerDueMs && this.#timer !== undefined) return;
    this.#clearTimer();
    this.#timerDueMs = top.nextMs;
    this.#timer = this.#opts.clock.setTimer(top.nextMs - this.#opts.clock.nowMs(), () => {
      this.#timer = undefined;
      this.#timerDueMs = Infinity;
      void this.#fireDue();
    });
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#opts.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
  }

  async #fireDue(): Promise<void> {
    const nowMs = this.#opts.clock.nowMs();
    const due: Tracked[] = [];
    for (let top = this.#heap.peek(); top !== undefined && top.nextMs <= nowMs; top = this.#heap.peek()) {
      due.push(this.#heap.pop()!);
    }
    for (const t of due) {
      const job = this.#opts.store.snapshot().jobByID(t.namespace, t.jobId);
      if (job === undefined || this.#tracked.get(t.key) !== t) continue;
      // Schedule the next launch first, so a failed launch does not stop the job's schedule.
      const next = nextLaunchMs(job, t.nextMs);
      if (next === undefined) {
        this.#tracked.delete(t.key);
      } else {
        const again: Tracked = { ...t, nextMs: next };
        this.#tracked.set(t.key, again);
        this.#heap.push(again);
      }
      try {
        await this.#launch(job, t.nextMs);
      } catch (err) {
        this.#opts.logger.warn('periodic: launch failed', { job_id: job.ID, error: String(err) });
      }
    }
    this.#arm();
  }
}

function runningChildren(snap: StateSnapshot, job: Job): number {
  let n = 0;
  for (const child of snap.jobsByParent(job.Namespace, job.ID)) if (child.Status !== 'dead') n++;
  return n;
}
