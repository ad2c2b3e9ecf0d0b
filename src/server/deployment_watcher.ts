/**
 * The deployment watcher (leader only) moves deployments along from what clients report. The state
 * store counts placements and health into each deployment (Node.UpdateAlloc); the watcher reacts:
 * - an allocation turned healthy after the job's last evaluation: a 'deployment-watcher'
 *   evaluation, so the scheduler places the next batch (rolling updates proceed this way);
 * - an unhealthy allocation: without a progress deadline (or with no reschedule attempts left) the
 *   deployment fails at once ("Failed due to unhealthy allocations"); with one, the allocation is
 *   marked for replacement;
 * - a group that has not become healthy by its RequireProgressBy: "Failed due to progress deadline";
 * - auto_revert: a failure registers the latest stable job version again;
 * - auto_promote: once every canary group's canaries are healthy, the deployment is promoted.
 * Evaluations and replacement marks are batched per deployment for EVAL_BATCH_MS.
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import { errorMessage } from '../lib/errors.ts';
import type { IdSource } from '../lib/random.ts';
import { proposeOrThrow, type Log } from '../fsm/log.ts';
import type { StateSnapshot, StateStore } from '../state/index.ts';
import { allocTerminal, type Allocation } from '../structs/allocation.ts';
import {
  DeploymentDescriptions,
  deploymentActive,
  type Deployment,
  type DeploymentState,
} from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job, ReschedulePolicy } from '../structs/job.ts';
import { newJobEval } from './endpoint_common.ts';
import { jobSpecChanged } from './job_endpoint.ts';

/** How long evaluations for one deployment are gathered into one (Nomad's perJobEvalBatchPeriod). */
export const EVAL_BATCH_MS = 250;
/** At most this many deployments are watched at once; more wait for the next scan. */
export const WATCHED_DEPLOYMENTS_MAX = 10_000;

export interface DeploymentWatcherLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface DeploymentWatcherOptions {
  store: StateStore;
  log: Log;
  clock: Clock;
  ids: IdSource;
  logger: DeploymentWatcherLogger;
  evalBatchMs?: number;
}

export interface DeploymentUpdateResponse {
  EvalID: string;
  EvalCreateIndex: number;
  DeploymentModifyIndex: number;
  RevertedJobVersion: number | null;
  Index: number;
}

interface Watched {
  id: string;
  deadlineTimer: TimerId | undefined;
  deadlineMs: number;
  batchTimer: TimerId | undefined;
  replacements: Set<string>;
  queued: boolean;
  chain: Promise<void>;
}

const isHealthy = (a: Allocation): boolean => a.DeploymentStatus?.Healthy === true;
const isUnhealthy = (a: Allocation): boolean => a.DeploymentStatus?.Healthy === false;

/** Whether a failed allocation may still be rescheduled (Nomad's Allocation.RescheduleEligible). */
export function rescheduleEligible(a: Allocation, policy: ReschedulePolicy | null, nowNs: number): boolean {
  if (policy === null) return false;
  if (!policy.Unlimited && policy.Attempts <= 0) return false;
  if (policy.Unlimited) return true;
  const events = a.RescheduleTracker?.Events ?? [];
  const recent = events.filter((e) => nowNs - e.RescheduleTime < policy.Interval);
  return recent.length < policy.Attempts;
}

/** The highest index the scheduler has seen for the job (Nomad's jobEvalStatus). */
export function latestEvalIndex(evals: readonly Evaluation[]): number {
  let max = 0;
  for (const e of evals) {
    if (e.Status === 'canceled') continue;
    max = Math.max(max, e.SnapshotIndex !== 0 ? e.SnapshotIndex : e.CreateIndex);
  }
  return max;
}

/** Per group, whether the deployment is done with it: promoted (if canaries) and enough healthy allocations. */
export function doneGroups(d: Deployment, allocs: readonly Allocation[]): Map<string, boolean> {
  const healthy = new Map<string, number>();
  for (const a of allocs)
    if (!allocTerminal(a) && isHealthy(a)) healthy.set(a.TaskGroup, (healthy.get(a.TaskGroup) ?? 0) + 1);
  const out = new Map<string, boolean>();
  for (const [name, s] of Object.entries(d.TaskGroups)) {
    out.set(name, (s.DesiredCanaries === 0 || s.Promoted) && (healthy.get(name) ?? 0) >= s.DesiredTotal);
  }
  return out;
}

/** The earliest RequireProgressBy among groups not done yet, or undefined. */
export function progressCutoffMs(d: Deployment, allocs: readonly Allocation[]): number | undefined {
  const done = doneGroups(d, allocs);
  let next: number | undefined;
  for (const [name, s] of Object.entries(d.TaskGroups)) {
    if (done.get(name) === true || s.RequireProgressBy === null) continue;
    const ms = Date.parse(s.RequireProgressBy);
    if (Number.isNaN(ms) || ms <= 0) continue;
    if (next === undefined || ms < next) next = ms;
  }
  return next;
}

/** At the progress deadline: whether a group lacks healthy allocations, and whether it reverts. */
export function shouldFail(d: Deployment, job: Job | undefined): { fail: boolean; rollback: boolean } {
  let fail = false;
  for (const [name, s] of Object.entries(d.TaskGroups)) {
    const enough =
      s.DesiredCanaries > 0 && !s.Promoted
        ? s.HealthyAllocs >= s.DesiredCanaries
        : s.HealthyAllocs >= s.DesiredTotal;
    if (enough) continue;
    fail = true;
    const update = job?.TaskGroups.find((tg) => tg.Name === name)?.Update ?? null;
    if (update !== null && update.AutoRevert) return { fail, rollback: true };
  }
  return { fail, rollback: false };
}

export function requiresPromotion(d: Deployment): boolean {
  return (
    d.Status === 'running' && Object.values(d.TaskGroups).some((s) => s.DesiredCanaries > 0 && !s.Promoted)
  );
}

interface AllocVerdict {
  createEval: boolean;
  fail: boolean;
  rollback: boolean;
  replacements: string[];
}

export class DeploymentWatcher {
  readonly #opts: DeploymentWatcherOptions;
  #enabled = false;
  #watched = new Map<string, Watched>();

  constructor(opts: DeploymentWatcherOptions) {
    this.#opts = opts;
  }

  enabled(): boolean {
    return this.#enabled;
  }

  /** Leadership gained: watch every active deployment. Lost: stop every timer. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    if (!enabled) {
      for (const w of this.#watched.values()) this.#clearTimers(w);
      this.#watched.clear();
      return;
    }
    this.deploymentsUpserted(this.#opts.store.snapshot().deployments());
  }

  watchedCount(): number {
    return this.#watched.size;
  }

  /** FSM hook: deployments created or changed. */
  deploymentsUpserted(deployments: readonly Deployment[]): void {
    if (!this.#enabled) return;
    for (const d of deployments) {
      if (!deploymentActive(d)) {
        this.#untrack(d.ID);
        continue;
      }
      let w = this.#watched.get(d.ID);
      if (w === undefined) {
        if (this.#watched.size >= WATCHED_DEPLOYMENTS_MAX) continue;
        w = {
          id: d.ID,
          deadlineTimer: undefined,
          deadlineMs: 0,
          batchTimer: undefined,
          replacements: new Set(),
          queued: false,
          chain: Promise.resolve(),
        };
        this.#watched.set(d.ID, w);
        this.#schedule(w);
      }
      this.#resetDeadline(w, d, this.#opts.store.snapshot());
    }
  }

  /** FSM hook: allocations changed; those of watched deployments are looked at (batched per tick). */
  allocsUpserted(allocs: readonly Allocation[]): void {
    if (!this.#enabled) return;
    for (const a of allocs) {
      const w = a.DeploymentID === '' ? undefined : this.#watched.get(a.DeploymentID);
      if (w !== undefined) this.#schedule(w);
    }
  }

  /** Resolves when every queued check has run (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#watched.values()].map((w) => w.chain));
  }

  #schedule(w: Watched): void {
    if (w.queued) return;
    w.queued = true;
    w.chain = w.chain.then(async () => {
      w.queued = false;
      try {
        await this.#check(w);
      } catch (err) {
        this.#opts.logger.warn('deployment watcher: check failed', {
          deployment_id: w.id,
          error: errorMessage(err),
        });
      }
    });
  }

  async #check(w: Watched): Promise<void> {
    if (!this.#enabled || this.#watched.get(w.id) !== w) return;
    const snap = this.#opts.store.snapshot();
    const d = snap.deploymentByID(w.id);
    if (d === undefined || !deploymentActive(d)) {
      this.#untrack(w.id);
      return;
    }
    const job = snap.jobByID(d.Namespace, d.JobID);
    const allocs = snap.allocsByDeployment(d.ID);
    this.#resetDeadline(w, d, snap);
    const verdict = this.#judgeAllocs(
      d,
      job,
      allocs,
      latestEvalIndex(job === undefined ? [] : snap.evalsByJob(d.Namespace, d.JobID)),
    );
    if (verdict.fail) {
      await this.#failDeployment(d, DeploymentDescriptions.failedAllocations, verdict.rollback);
      return;
    }
    await this.#autoPromote(d, allocs);
    if (verdict.createEval || verdict.replacements.length > 0) this.#batchUpdate(w, verdict.replacements);
  }

  #judgeAllocs(
    d: Deployment,
    job: Job | undefined,
    allocs: readonly Allocation[],
    latestEval: number,
  ): AllocVerdict {
    const v: AllocVerdict = { createEval: false, fail: false, rollback: false, replacements: [] };
    const nowNs = this.#opts.clock.nowMs() * 1e6;
    for (const a of allocs) {
      const s = d.TaskGroups[a.TaskGroup];
      if (s === undefined) continue;
      const failEarly = isUnhealthy(a) && this.#failsEarly(s, a, job, nowNs);
      if (isUnhealthy(a) && !failEarly && a.DesiredTransition.Reschedule !== true) {
        v.replacements.push(a.ID);
        continue;
      }
      if (isHealthy(a) && (a.DeploymentStatus?.ModifyIndex ?? 0) > latestEval) v.createEval = true;
      if (failEarly) {
        v.fail = true;
        if (s.AutoRevert) v.rollback = true;
      }
    }
    return v;
  }

  #failsEarly(s: DeploymentState, a: Allocation, job: Job | undefined, nowNs: number): boolean {
    if (s.ProgressDeadline === 0) return true;
    const policy = job?.TaskGroups.find((tg) => tg.Name === a.TaskGroup)?.ReschedulePolicy ?? null;
    return !rescheduleEligible(a, policy, nowNs);
  }

  async #autoPromote(d: Deployment, allocs: readonly Allocation[]): Promise<void> {
    const groups = Object.values(d.TaskGroups);
    if (!groups.some((s) => (s.PlacedCanaries ?? []).length > 0) || !requiresPromotion(d)) return;
    const healthy = new Set(allocs.filter(isHealthy).map((a) => a.ID));
    for (const s of groups) {
      if (s.DesiredCanaries < 1) continue;
      const placed = s.PlacedCanaries ?? [];
      if (!s.AutoPromote || placed.length < s.DesiredCanaries) return;
      if (placed.filter((id) => healthy.has(id)).length !== s.DesiredCanaries) return;
    }
    await this.promote(d.ID, { all: true, groups: [] });
  }

  #batchUpdate(w: Watched, replacements: readonly string[]): void {
    for (const id of replacements) w.replacements.add(id);
    if (w.batchTimer !== undefined) return;
    w.batchTimer = this.#opts.clock.setTimer(this.#opts.evalBatchMs ?? EVAL_BATCH_MS, () => {
      w.batchTimer = undefined;
      const ids = [...w.replacements];
      w.replacements.clear();
      void this.#createUpdate(w.id, ids).catch((err: unknown) => {
        this.#opts.logger.warn('deployment watcher: cannot create evaluation', {
          deployment_id: w.id,
          error: errorMessage(err),
        });
      });
    });
  }

  async #createUpdate(deploymentId: string, replacements: readonly string[]): Promise<void> {
    const snap = this.#opts.store.snapshot();
    const d = snap.deploymentByID(deploymentId);
    if (d === undefined || !deploymentActive(d) || !this.#enabled) return;
    const ev = this.#evalFor(d, snap);
    if (ev === undefined) return;
    const allocs: Record<string, { Reschedule: boolean }> = {};
    for (const id of replacements) allocs[id] = { Reschedule: true };
    await proposeOrThrow(this.#opts.log, { type: 'AllocUpdateDesiredTransition', allocs, evals: [ev] });
  }

  /** A 'deployment-watcher' evaluation for the deployment's job. */
  #evalFor(d: Deployment, snap: StateSnapshot): Evaluation | undefined {
    const job = snap.jobByID(d.Namespace, d.JobID);
    if (job === undefined) return undefined;
    const ev = newJobEval(this.#opts, job, {
      triggeredBy: 'deployment-watcher',
      priority: d.EvalPriority,
      jobModifyIndex: job.JobModifyIndex,
    });
    return { ...ev, DeploymentID: d.ID };
  }

  #resetDeadline(w: Watched, d: Deployment, snap: StateSnapshot): void {
    const cutoff = progressCutoffMs(d, snap.allocsByDeployment(d.ID));
    if (cutoff === undefined) {
      // No deadline to track yet (nothing placed), or every group is done: keep any armed timer off.
      if (w.deadlineTimer !== undefined) this.#opts.clock.clearTimer(w.deadlineTimer);
      w.deadlineTimer = undefined;
      w.deadlineMs = 0;
      return;
    }
    if (cutoff === w.deadlineMs && w.deadlineTimer !== undefined) return;
    if (w.deadlineTimer !== undefined) this.#opts.clock.clearTimer(w.deadlineTimer);
    w.deadlineMs = cutoff;
    w.deadlineTimer = this.#opts.clock.setTimer(Math.max(0, cutoff - this.#opts.clock.nowMs()), () => {
      w.deadlineTimer = undefined;
      w.chain = w.chain.then(() =>
        this.#onDeadline(w).catch((err: unknown) => {
          this.#opts.logger.warn('deployment watcher: deadline handling failed', {
            deployment_id: w.id,
            error: errorMessage(err),
          });
        }),
      );
    });
  }

  async #onDeadline(w: Watched): Promise<void> {
    if (!this.#enabled || this.#watched.get(w.id) !== w) return;
    const snap = this.#opts.store.snapshot();
    const d = snap.deploymentByID(w.id);
    if (d === undefined || !deploymentActive(d)) return;
    const { fail, rollback } = shouldFail(d, snap.jobByID(d.Namespace, d.JobID));
    if (!fail) return;
    await this.#failDeployment(d, DeploymentDescriptions.progressDeadline, rollback);
  }

  /** Fails the deployment with `description`, reverting to the latest stable version when asked. */
  async #failDeployment(
    d: Deployment,
    description: string,
    rollback: boolean,
  ): Promise<DeploymentUpdateResponse> {
    const snap = this.#opts.store.snapshot();
    let desc = description;
    let revertTo: Job | null = null;
    if (rollback) {
      const current = snap.jobByID(d.Namespace, d.JobID);
      const stable = snap.jobVersionsByID(d.Namespace, d.JobID).find((j) => j.Stable);
      if (stable === undefined || current === undefined) {
        desc = `${desc}${DeploymentDescriptions.noRollbackSuffix}`;
      } else if (jobSpecChanged(current, stable)) {
        desc = `${desc}${DeploymentDescriptions.rollbackSuffix} ${stable.Version}`;
        revertTo = { ...stable, Stable: false, SubmitTime: this.#opts.clock.nowMs() * 1e6 };
      } else {
        desc = `${desc} - not rolling back to stable job version ${stable.Version} as current job has same specification`;
      }
    }
    const ev = this.#evalFor(d, snap) ?? null;
    const { index } = await proposeOrThrow(this.#opts.log, {
      type: 'DeploymentStatusUpdate',
      update: { DeploymentID: d.ID, Status: 'failed', StatusDescription: desc },
      job: revertTo,
      eval: ev,
    });
    return {
      EvalID: ev?.ID ?? '',
      EvalCreateIndex: index,
      DeploymentModifyIndex: index,
      RevertedJobVersion: revertTo?.Version ?? null,
      Index: index,
    };
  }

  /** Deployment.Promote: promotes the canaries of the chosen groups (the state checks their health). */
  async promote(
    deploymentId: string,
    req: { all: boolean; groups: readonly string[] },
  ): Promise<DeploymentUpdateResponse> {
    const snap = this.#opts.store.snapshot();
    const d = snap.deploymentByID(deploymentId)!;
    const ev = this.#evalFor(d, snap) ?? null;
    const { index } = await proposeOrThrow(this.#opts.log, {
      type: 'DeploymentPromotion',
      deploymentId,
      all: req.all,
      groups: [...req.groups],
      eval: ev,
      nowNs: this.#opts.clock.nowMs() * 1e6,
    });
    return {
      EvalID: ev?.ID ?? '',
      EvalCreateIndex: index,
      DeploymentModifyIndex: index,
      RevertedJobVersion: null,
      Index: index,
    };
  }

  /** Deployment.Fail: marked failed by a user, reverting when any group has auto_revert. */
  async fail(deploymentId: string): Promise<DeploymentUpdateResponse> {
    const d = this.#opts.store.snapshot().deploymentByID(deploymentId)!;
    const rollback = Object.values(d.TaskGroups).some((s) => s.AutoRevert);
    return this.#failDeployment(d, DeploymentDescriptions.failedByUser, rollback);
  }

  /** Deployment.Pause: pauses, or resumes with an evaluation so placement continues. */
  async pause(deploymentId: string, pause: boolean): Promise<DeploymentUpdateResponse> {
    const snap = this.#opts.store.snapshot();
    const d = snap.deploymentByID(deploymentId)!;
    const resumed = { ...d, Status: 'running' as const };
    const description = pause
      ? DeploymentDescriptions.paused
      : requiresPromotion(resumed)
        ? DeploymentDescriptions.runningNeedsPromotion
        : DeploymentDescriptions.running;
    const ev = pause ? null : (this.#evalFor(d, snap) ?? null);
    const { index } = await proposeOrThrow(this.#opts.log, {
      type: 'DeploymentStatusUpdate',
      update: { DeploymentID: d.ID, Status: pause ? 'paused' : 'running', StatusDescription: description },
      job: null,
      eval: ev,
    });
    return {
      EvalID: ev?.ID ?? '',
      EvalCreateIndex: ev === null ? 0 : index,
      DeploymentModifyIndex: index,
      RevertedJobVersion: null,
      Index: index,
    };
  }

  /** Deployment.SetAllocHealth: health set by hand; any unhealthy allocation fails the deployment. */
  async setAllocHealth(
    deploymentId: string,
    req: { healthy: readonly string[]; unhealthy: readonly string[] },
  ): Promise<DeploymentUpdateResponse> {
    const snap = this.#opts.store.snapshot();
    const d = snap.deploymentByID(deploymentId)!;
    let update = null;
    let revertTo: Job | null = null;
    if (req.unhealthy.length > 0) {
      const unhealthy = new Set(req.unhealthy);
      const rollback = snap
        .allocsByDeployment(d.ID)
        .some((a) => unhealthy.has(a.ID) && d.TaskGroups[a.TaskGroup]?.AutoRevert === true);
      let desc: string = DeploymentDescriptions.failedAllocations;
      const current = snap.jobByID(d.Namespace, d.JobID);
      const stable = rollback ? snap.jobVersionsByID(d.Namespace, d.JobID).find((j) => j.Stable) : undefined;
      if (stable !== undefined && current !== undefined && jobSpecChanged(current, stable)) {
        desc = `${desc}${DeploymentDescriptions.rollbackSuffix} ${stable.Version}`;
        revertTo = { ...stable, Stable: false, SubmitTime: this.#opts.clock.nowMs() * 1e6 };
      }
      update = { DeploymentID: d.ID, Status: 'failed' as const, StatusDescription: desc };
    }
    const ev = this.#evalFor(d, snap) ?? null;
    const { index } = await proposeOrThrow(this.#opts.log, {
      type: 'DeploymentAllocHealth',
      deploymentId,
      healthyAllocIds: [...req.healthy],
      unhealthyAllocIds: [...req.unhealthy],
      timestamp: new Date(this.#opts.clock.nowMs()).toISOString(),
      update,
      job: revertTo,
      eval: ev,
    });
    return {
      EvalID: ev?.ID ?? '',
      EvalCreateIndex: index,
      DeploymentModifyIndex: index,
      RevertedJobVersion: revertTo?.Version ?? null,
      Index: index,
    };
  }

  #untrack(id: string): void {
    const w = this.#watched.get(id);
    if (w === undefined) return;
    this.#clearTimers(w);
    this.#watched.delete(id);
  }

  #clearTimers(w: Watched): void {
    if (w.deadlineTimer !== undefined) this.#opts.clock.clearTimer(w.deadlineTimer);
    if (w.batchTimer !== undefined) this.#opts.clock.clearTimer(w.batchTimer);
    w.deadlineTimer = undefined;
    w.batchTimer = undefined;
  }
}
