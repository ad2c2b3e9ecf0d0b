/**
 * The restart tracker (Nomad's client/allocrunner/taskrunner/restarts): after a task exits or
 * fails to start, decides whether to restart it, after what delay, or to give up, by the restart
 * policy's attempts within interval, delay (with 25% jitter) and mode ("fail" or "delay").
 */
import type { RestartPolicy } from '../../structs/job.ts';
import type { ExitResult } from '../../drivers/driver.ts';
import { formatDuration } from '../../lib/duration.ts';
import type { Rng } from '../../lib/random.ts';
import { ReasonWithinPolicy, TaskEventType } from './task_events.ts';

export const RESTART_JITTER = 0.25;
export const ReasonNoRestartsAllowed = 'Policy allows no restarts';
export const ReasonUnrecoverableError = 'Error was unrecoverable';
export const ReasonDelay = 'Exceeded allowed attempts, applying a delay';
export const ReasonSuccessfulExit = 'Restart unnecessary as task terminated successfully';

export type RestartDecision =
  | { state: typeof TaskEventType.Restarting; delayMs: number; reason: string }
  | { state: typeof TaskEventType.NotRestarting; reason: string }
  | { state: typeof TaskEventType.Terminated; reason: string };

export interface RestartTrackerState {
  count: number;
  startTimeMs: number;
}

export class RestartTracker {
  readonly #policy: RestartPolicy;
  /** Service and system tasks restart even after a successful exit; batch ones don't. */
  readonly #onSuccess: boolean;
  readonly #rng: Rng;
  #count = 0;
  #startTimeMs = 0;

  constructor(policy: RestartPolicy, jobType: string, rng: Rng, saved?: RestartTrackerState) {
    this.#policy = policy;
    this.#onSuccess = jobType !== 'batch' && jobType !== 'sysbatch';
    this.#rng = rng;
    if (saved !== undefined) {
      this.#count = saved.count;
      this.#startTimeMs = saved.startTimeMs;
    }
  }

  get state(): RestartTrackerState {
    return { count: this.#count, startTimeMs: this.#startTimeMs };
  }

  afterExit(res: ExitResult, nowMs: number): RestartDecision {
    const ok = res.exitCode === 0 && res.signal === 0 && res.err === undefined;
    return this.#decide(nowMs, { successful: ok, recoverable: true });
  }

  afterStartError(recoverable: boolean, nowMs: number): RestartDecision {
    return this.#decide(nowMs, { successful: false, recoverable });
  }

  #decide(nowMs: number, r: { successful: boolean; recoverable: boolean }): RestartDecision {
    const p = this.#policy;
    if (p.Attempts === 0) {
      if (!this.#onSuccess && r.successful)
        return { state: TaskEventType.Terminated, reason: ReasonNoRestartsAllowed };
      return { state: TaskEventType.NotRestarting, reason: ReasonNoRestartsAllowed };
    }
    const intervalMs = p.Interval / 1e6;
    if (nowMs > this.#startTimeMs + intervalMs) {
      this.#count = 0;
      this.#startTimeMs = nowMs;
    }
    this.#count += 1;
    if (!r.recoverable) return { state: TaskEventType.NotRestarting, reason: ReasonUnrecoverableError };
    if (r.successful && !this.#onSuccess)
      return { state: TaskEventType.Terminated, reason: ReasonSuccessfulExit };
    if (this.#count > p.Attempts) {
      if (p.Mode === 'fail') {
        return {
          state: TaskEventType.NotRestarting,
          reason: `Exceeded allowed attempts ${p.Attempts} in interval ${formatDuration(p.Interval)} and mode is "fail"`,
        };
      }
      return {
        state: TaskEventType.Restarting,
        delayMs: this.#startTimeMs + intervalMs - nowMs,
        reason: ReasonDelay,
      };
    }
    return { state: TaskEventType.Restarting, delayMs: this.#jitterMs(), reason: ReasonWithinPolicy };
  }

  #jitterMs(): number {
    const d = Math.max(1, this.#policy.Delay);
    return Math.round((d + Math.floor(this.#rng.next() * d) * RESTART_JITTER) / 1e6);
  }
}
