/** Pieces the generic and system schedulers share: deps, triggers, allocations, plan results, status. */
import type { AllocMetric, Allocation, DesiredTransition } from '../structs/allocation.ts';
import type { Evaluation, EvalStatus } from '../structs/evaluation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import type { Plan, PlanResult } from '../structs/plan.ts';
import { emptyDesiredUpdates } from '../structs/plan.ts';
import type { IdSource } from '../lib/random.ts';
import type { TaintedNodes } from './alloc_sets.ts';
import { STATUS_ALLOC_LOST } from './descriptions.ts';
import type { EvalContext } from './eval_context.ts';
import type { RankedOption } from './stack.ts';
import type { Planner, SchedulerState } from './state.ts';

export type SchedulerKind = 'service' | 'batch' | 'system' | 'sysbatch';

export interface SchedulerLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface SchedulerDeps {
  state: SchedulerState;
  planner: Planner;
  ids: IdSource;
  /** The time of this evaluation, unix nanoseconds. */
  nowNs: number;
  logger?: SchedulerLogger;
}

/** Plans submitted per evaluation before giving up (Nomad's maxServiceScheduleAttempts). */
export const MAX_PLAN_ATTEMPTS = 5;
/** Batch jobs give up sooner (Nomad's maxBatchScheduleAttempts). */
export const MAX_BATCH_PLAN_ATTEMPTS = 2;

const KNOWN_TRIGGERS = new Set([
  'job-register',
  'job-deregister',
  'periodic-job',
  'node-update',
  'node-drain',
  'alloc-stop',
  'rolling-update',
  'deployment-watcher',
  'alloc-failure',
  'alloc-reschedule',
  'queued-allocs',
  'preemption',
  'job-scaling',
  'max-plan-attempts',
  'failed-follow-up',
  'max-disconnect-timeout',
  'reconnect',
  'scheduled',
]);

export function triggerKnown(trigger: string): boolean {
  return KNOWN_TRIGGERS.has(trigger);
}

export const NO_TRANSITION: Readonly<DesiredTransition> = Object.freeze({
  Migrate: null,
  Reschedule: null,
  ForceReschedule: null,
  NoShutdownDelay: null,
});

/** Nodes holding the job's allocations that are down, draining, disconnected or gone. */
export function taintedNodes(state: SchedulerState, allocs: readonly Allocation[]): Map<string, Node | null> {
  const out = new Map<string, Node | null>();
  const seen = new Set<string>();
  for (const a of allocs) {
    if (seen.has(a.NodeID)) continue;
    seen.add(a.NodeID);
    const node = state.nodeByID(a.NodeID);
    if (node === undefined) out.set(a.NodeID, null);
    else if (node.Status === 'down' || node.Status === 'disconnected' || node.DrainStrategy !== null)
      out.set(a.NodeID, node);
  }
  return out;
}

/** Allocations the server stopped on a node that went down, but whose client never confirmed: lost. */
export function updateNonTerminalAllocsToLost(
  ctx: EvalContext,
  tainted: TaintedNodes,
  allocs: readonly Allocation[],
): void {
  for (const a of allocs) {
    if (!tainted.has(a.NodeID)) continue;
    const node = tainted.get(a.NodeID) ?? null;
    if (node !== null && node.Status !== 'down') continue;
    if (a.DesiredStatus !== 'run' && (a.ClientStatus === 'running' || a.ClientStatus === 'pending')) {
      ctx.appendStoppedAlloc(a, STATUS_ALLOC_LOST, { clientStatus: 'lost' });
    }
  }
}

export interface NewAllocation {
  ctx: EvalContext;
  ids: IdSource;
  evaluation: Evaluation;
  job: Job;
  tg: TaskGroup;
  name: string;
  option: RankedOption;
  metric: AllocMetric;
  deploymentId: string;
}

/** A new allocation for a chosen node. Its Job is left null: the plan carries the job. */
export function newAllocation(n: NewAllocation): Allocation {
  return {
    ID: n.ids.uuid(),
    Namespace: n.job.Namespace,
    EvalID: n.evaluation.ID,
    Name: n.name,
    NodeID: n.option.node.ID,
    NodeName: n.option.node.Name,
    JobID: n.job.ID,
    Job: null,
    TaskGroup: n.tg.Name,
    AllocatedResources: n.option.resources,
    Metrics: n.metric,
    DesiredStatus: 'run',
    DesiredDescription: '',
    DesiredTransition: NO_TRANSITION,
    ClientStatus: 'pending',
    ClientDescription: '',
    TaskStates: null,
    PreviousAllocation: '',
    NextAllocation: '',
    DeploymentID: n.deploymentId,
    DeploymentStatus: null,
    RescheduleTracker: null,
    FollowupEvalID: '',
    PreemptedAllocations: null,
    PreemptedByAllocation: '',
    CreateIndex: 0,
    ModifyIndex: 0,
    AllocModifyIndex: 0,
    CreateTime: n.ctx.nowNs,
    ModifyTime: n.ctx.nowNs,
  };
}

/** Records the preemptions an option needs against the new allocation. */
export function handlePreemptions(ctx: EvalContext, option: RankedOption, alloc: Allocation): Allocation {
  if (option.preempted === null || option.preempted.length === 0) return alloc;
  for (const p of option.preempted) ctx.appendPreemptedAlloc(p, alloc.ID);
  const plan = ctx.plan;
  if (plan.Annotations !== null) {
    const d = (plan.Annotations.DesiredTGUpdates[alloc.TaskGroup] ??= emptyDesiredUpdates());
    d.Preemptions += option.preempted.length;
    plan.Annotations.PreemptedAllocs = [
      ...(plan.Annotations.PreemptedAllocs ?? []),
      ...option.preempted.map((p) => ({ ...p, Job: null })),
    ];
  }
  return { ...alloc, PreemptedAllocations: option.preempted.map((p) => p.ID) };
}

/** Nomad's ExhaustResources: what the failed group asked for, in the dimensions that ran out. */
export function exhaustResources(metric: AllocMetric, tg: TaskGroup): void {
  const dims = metric.DimensionExhausted;
  if (dims === null) return;
  const out = (metric.ResourcesExhausted ?? {}) as Record<string, { CPU: number; MemoryMB: number }>;
  for (const t of tg.Tasks) {
    const r = out[t.Name] ?? { CPU: 0, MemoryMB: 0 };
    if ((dims['memory'] ?? 0) > 0) r.MemoryMB += t.Resources.MemoryMB;
    if ((dims['cpu'] ?? 0) > 0) r.CPU += t.Resources.CPU;
    out[t.Name] = r;
  }
  metric.ResourcesExhausted = out;
}

function countAllocs(m: Record<string, Allocation[]>): number {
  let n = 0;
  for (const k in m) n += m[k]!.length;
  return n;
}

/** Nomad's PlanResult.FullCommit: every placement and update made it. */
export function fullCommit(plan: Plan, result: PlanResult): boolean {
  return countAllocs(plan.NodeAllocation) === countAllocs(result.NodeAllocation);
}

/** Nomad's progressMade: the result committed something. */
export function progressMade(result: PlanResult | null): boolean {
  return (
    result !== null &&
    (Object.keys(result.NodeUpdate).length > 0 ||
      Object.keys(result.NodeAllocation).length > 0 ||
      result.Deployment !== null ||
      (result.DeploymentUpdates?.length ?? 0) > 0)
  );
}

/** Lowers the queued counts by the new allocations the plan applier committed. */
export function adjustQueued(
  queued: Record<string, number>,
  result: PlanResult,
  placed: ReadonlySet<string>,
): void {
  for (const node in result.NodeAllocation) {
    for (const a of result.NodeAllocation[node]!) {
      if (placed.has(a.ID) && queued[a.TaskGroup] !== undefined) queued[a.TaskGroup]!--;
    }
  }
}

export interface StatusUpdate {
  status: EvalStatus;
  description: string;
  deploymentId: string;
  failedTGAllocs: Record<string, AllocMetric> | null;
  queued: Record<string, number> | null;
  blocked: Evaluation | null;
  nextEval: Evaluation | null;
}

/** Nomad's setStatus: the evaluation with its outcome, for Planner.updateEval. */
export function evalWithStatus(e: Evaluation, u: StatusUpdate, nowNs: number): Evaluation {
  return {
    ...e,
    Status: u.status,
    StatusDescription: u.description,
    DeploymentID: u.deploymentId,
    FailedTGAllocs: u.failedTGAllocs,
    NextEval: u.nextEval?.ID ?? e.NextEval,
    BlockedEval: u.blocked?.ID ?? e.BlockedEval,
    QueuedAllocations: u.queued ?? e.QueuedAllocations,
    ModifyTime: nowNs,
  };
}
