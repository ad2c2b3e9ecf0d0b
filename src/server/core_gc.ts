/**
 * Garbage collection, run as "_core" evaluations by the workers (Nomad's CoreScheduler): old
 * terminal evaluations and their allocations, terminal deployments, dead jobs and nodes long down.
 * "Old" is measured on the objects' own modify times against thresholds, so a restart or a new
 * leader judges age the same way. A "force-gc" evaluation (/v1/system/gc) ignores the thresholds.
 */
import type { Clock } from '../lib/clock.ts';
import { proposeOrThrow, type Log } from '../fsm/log.ts';
import { jobIsParameterized, jobIsPeriodic, type StateSnapshot } from '../state/index.ts';
import { allocTerminal, type Allocation } from '../structs/allocation.ts';
import { deploymentActive } from '../structs/deployment.ts';
import { evalTerminal, type Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';

export const CORE_JOB_EVAL_GC = 'eval-gc';
export const CORE_JOB_JOB_GC = 'job-gc';
export const CORE_JOB_DEPLOYMENT_GC = 'deployment-gc';
export const CORE_JOB_NODE_GC = 'node-gc';
export const CORE_JOB_FORCE_GC = 'force-gc';
export const CORE_JOB_PRIORITY = 200;

export const EVAL_GC_THRESHOLD_MS = 60 * 60_000;
export const BATCH_EVAL_GC_THRESHOLD_MS = 24 * 60 * 60_000;
export const DEPLOYMENT_GC_THRESHOLD_MS = 60 * 60_000;
export const JOB_GC_THRESHOLD_MS = 4 * 60 * 60_000;
export const NODE_GC_THRESHOLD_MS = 24 * 60 * 60_000;
export const GC_INTERVAL_MS = 5 * 60_000;
/** IDs per log entry, so one GC never writes an entry too big to replicate. */
export const GC_IDS_PER_ENTRY_MAX = 7_000;

export interface GcThresholds {
  evalMs: number;
  batchEvalMs: number;
  deploymentMs: number;
  jobMs: number;
  nodeMs: number;
}

export const DEFAULT_GC_THRESHOLDS: GcThresholds = {
  evalMs: EVAL_GC_THRESHOLD_MS,
  batchEvalMs: BATCH_EVAL_GC_THRESHOLD_MS,
  deploymentMs: DEPLOYMENT_GC_THRESHOLD_MS,
  jobMs: JOB_GC_THRESHOLD_MS,
  nodeMs: NODE_GC_THRESHOLD_MS,
};

const FORCE: GcThresholds = { evalMs: 0, batchEvalMs: 0, deploymentMs: 0, jobMs: 0, nodeMs: 0 };

export interface CoreGcDeps {
  log: Log;
  clock: Clock;
  thresholds?: GcThresholds;
}

export interface GcResult {
  evals: number;
  allocs: number;
  jobs: number;
  deployments: number;
  nodes: number;
}

/** Processes one "_core" evaluation against the snapshot. */
export async function runCoreGc(
  deps: CoreGcDeps,
  snap: StateSnapshot,
  evaluation: Evaluation,
): Promise<GcResult> {
  const gc = new CoreGc(
    deps,
    snap,
    evaluation.JobID === CORE_JOB_FORCE_GC ? FORCE : (deps.thresholds ?? DEFAULT_GC_THRESHOLDS),
  );
  const out: GcResult = { evals: 0, allocs: 0, jobs: 0, deployments: 0, nodes: 0 };
  const all = evaluation.JobID === CORE_JOB_FORCE_GC;
  if (all || evaluation.JobID === CORE_JOB_JOB_GC) await gc.jobs(out);
  if (all || evaluation.JobID === CORE_JOB_EVAL_GC) await gc.evals(out);
  if (all || evaluation.JobID === CORE_JOB_DEPLOYMENT_GC) await gc.deployments(out);
  if (all || evaluation.JobID === CORE_JOB_NODE_GC) await gc.nodes(out);
  return out;
}

class CoreGc {
  readonly #deps: CoreGcDeps;
  readonly #snap: StateSnapshot;
  readonly #t: GcThresholds;
  readonly #nowNs: number;
  readonly #force: boolean;

  constructor(deps: CoreGcDeps, snap: StateSnapshot, thresholds: GcThresholds) {
    this.#deps = deps;
    this.#snap = snap;
    this.#t = thresholds;
    this.#nowNs = deps.clock.nowMs() * 1e6;
    this.#force = thresholds === FORCE;
  }

  #old(modifyTimeNs: number, thresholdMs: number): boolean {
    return this.#force || modifyTimeNs <= this.#nowNs - thresholdMs * 1e6;
  }

  /** Dead jobs whose evaluations and allocations can all go, purged with them. */
  async jobs(out: GcResult): Promise<void> {
    const purge: Job[] = [];
    const evalIds: string[] = [];
    const allocIds: string[] = [];
    for (const job of this.#snap.jobs()) {
      if (!jobIsGcable(job)) continue;
      const evals = this.#snap.evalsByJob(job.Namespace, job.ID);
      const allocs = this.#snap.allocsByJob(job.Namespace, job.ID, true);
      const lastNs = Math.max(
        job.SubmitTime,
        ...evals.map((e) => e.ModifyTime),
        ...allocs.map((a) => a.ModifyTime),
      );
      if (!this.#old(lastNs, this.#t.jobMs)) continue;
      if (!evals.every(evalTerminal) || !allocs.every((a) => this.#allocCollectable(a, job))) continue;
      purge.push(job);
      for (const e of evals) evalIds.push(e.ID);
      for (const a of allocs) allocIds.push(a.ID);
    }
    await this.#deleteEvals(evalIds, allocIds);
    for (const batch of chunks(purge, GC_IDS_PER_ENTRY_MAX)) {
      await proposeOrThrow(this.#deps.log, {
        type: 'JobBatchDeregister',
        jobs: batch.map((j) => ({ namespace: j.Namespace, jobId: j.ID, purge: true })),
        submitTime: this.#nowNs,
        evals: [],
      });
    }
    out.jobs += purge.length;
    out.evals += evalIds.length;
    out.allocs += allocIds.length;
  }

  /** Terminal evaluations old enough, with their terminal allocations (Nomad's gcEval). */
  async evals(out: GcResult): Promise<void> {
    const evalIds: string[] = [];
    const allocIds: string[] = [];
    for (const e of this.#snap.evals()) {
      if (!evalTerminal(e)) continue;
      const job = this.#snap.jobByID(e.Namespace, e.JobID);
      const threshold = e.Type === 'batch' ? this.#t.batchEvalMs : this.#t.evalMs;
      if (!this.#old(e.ModifyTime, threshold)) continue;
      const allocs = this.#snap.allocsByEval(e.ID);
      // A batch job still running keeps its evaluations: its allocations' outcomes matter to it.
      if (e.Type === 'batch' && job !== undefined && job.Status !== 'dead' && !this.#force) continue;
      let all = true;
      for (const a of allocs) {
        if (this.#allocCollectable(a, job)) allocIds.push(a.ID);
        else all = false;
      }
      if (all) evalIds.push(e.ID);
    }
    await this.#deleteEvals(evalIds, allocIds);
    out.evals += evalIds.length;
    out.allocs += allocIds.length;
  }

  async deployments(out: GcResult): Promise<void> {
    const ids: string[] = [];
    for (const d of this.#snap.deployments()) {
      if (deploymentActive(d) || !this.#old(d.ModifyTime, this.#t.deploymentMs)) continue;
      if (this.#snap.allocsByDeployment(d.ID).some((a) => !allocTerminal(a))) continue;
      ids.push(d.ID);
    }
    for (const batch of chunks(ids, GC_IDS_PER_ENTRY_MAX)) {
      await proposeOrThrow(this.#deps.log, { type: 'DeploymentDelete', deploymentIds: batch });
    }
    out.deployments += ids.length;
  }

  /** Nodes down longer than the threshold that run nothing. */
  async nodes(out: GcResult): Promise<void> {
    const ids: string[] = [];
    for (const n of this.#snap.nodes()) {
      if (n.Status !== 'down' || !this.#old(n.StatusUpdatedAt * 1e9, this.#t.nodeMs)) continue;
      if (this.#snap.allocsByNode(n.ID).some((a) => !allocTerminal(a))) continue;
      ids.push(n.ID);
    }
    for (const batch of chunks(ids, GC_IDS_PER_ENTRY_MAX)) {
      await proposeOrThrow(this.#deps.log, { type: 'NodeDeregister', nodeIds: batch });
    }
    out.nodes += ids.length;
  }

  /** Nomad's allocGCEligible: terminal, not running, and not still needed to reschedule. */
  #allocCollectable(a: Allocation, job: Job | undefined): boolean {
    if (!allocTerminal(a) || a.ClientStatus === 'running') return false;
    if (!this.#old(a.ModifyTime, this.#t.evalMs)) return false;
    if (job === undefined || job.Stop || job.Status === 'dead') return true;
    if (a.DesiredStatus === 'stop' || a.ClientStatus !== 'failed') return true;
    const policy = job.TaskGroups.find((tg) => tg.Name === a.TaskGroup)?.ReschedulePolicy ?? null;
    if (policy === null || (!policy.Unlimited && policy.Attempts === 0)) return true;
    if (a.NextAllocation !== '') return true;
    if (policy.Unlimited) return false;
    const events = a.RescheduleTracker?.Events ?? [];
    const last = events[events.length - 1];
    if (last === undefined) return false;
    return this.#nowNs - last.RescheduleTime > policy.Interval;
  }

  async #deleteEvals(evalIds: string[], allocIds: string[]): Promise<void> {
    for (let i = 0; i < Math.max(evalIds.length, allocIds.length); i += GC_IDS_PER_ENTRY_MAX) {
      await proposeOrThrow(this.#deps.log, {
        type: 'EvalDelete',
        evalIds: evalIds.slice(i, i + GC_IDS_PER_ENTRY_MAX),
        allocIds: allocIds.slice(i, i + GC_IDS_PER_ENTRY_MAX),
      });
    }
  }
}

/**
 * Which jobs may be collected at all: periodic and parameterized parents only once stopped; others
 * once dead, and a dead service or system job only if a user stopped it (it does not end by itself).
 */
export function jobIsGcable(job: Job): boolean {
  if (jobIsPeriodic(job) || jobIsParameterized(job)) return job.Stop;
  if (job.Status !== 'dead') return false;
  return job.Stop || job.Type === 'batch' || job.Type === 'sysbatch';
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A "_core" evaluation for the broker (never written to the state, as in Nomad). */
export function coreJobEval(id: string, coreJob: string, index: number, nowNs: number): Evaluation {
  return {
    ID: id,
    Namespace: '-',
    Priority: CORE_JOB_PRIORITY,
    Type: '_core',
    TriggeredBy: 'scheduled',
    JobID: coreJob,
    JobModifyIndex: 0,
    NodeID: '',
    NodeModifyIndex: 0,
    DeploymentID: '',
    Status: 'pending',
    StatusDescription: '',
    Wait: 0,
    WaitUntil: null,
    NextEval: '',
    PreviousEval: '',
    BlockedEval: '',
    RelatedEvals: null,
    FailedTGAllocs: null,
    ClassEligibility: null,
    EscapedComputedClass: false,
    QuotaLimitReached: '',
    AnnotatePlan: false,
    QueuedAllocations: null,
    LeaderACL: '',
    SnapshotIndex: 0,
    CreateIndex: index,
    ModifyIndex: index,
    CreateTime: nowNs,
    ModifyTime: nowNs,
  };
}
