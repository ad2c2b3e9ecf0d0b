/**
 * The generic scheduler, for service and batch jobs: reconcile the job with its allocations, find
 * nodes for what must be placed, submit the plan, and retry against fresher state when the plan
 * applier refuses part of it. What cannot be placed waits in a blocked evaluation.
 */
import type { AllocMetric, Allocation } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import { nodeReady } from '../structs/node.ts';
import type { Plan } from '../structs/plan.ts';
import { DESC_BLOCKED_EVAL_FAILED_PLACEMENTS, DESC_BLOCKED_EVAL_MAX_PLAN } from './descriptions.ts';
import { EvalContext } from './eval_context.ts';
import { emptyPlan, newEvaluation, planIsNoOp } from './eval_util.ts';
import { readyNodesInDatacentersAndPool } from './node_class.ts';
import { reconcile, type PlaceResult, type ReconcileResult } from './reconcile.ts';
import { nextRescheduleEvents } from './reschedule.ts';
import {
  adjustQueued,
  evalWithStatus,
  exhaustResources,
  fullCommit,
  handlePreemptions,
  MAX_BATCH_PLAN_ATTEMPTS,
  MAX_PLAN_ATTEMPTS,
  newAllocation,
  progressMade,
  taintedNodes,
  triggerKnown,
  updateNonTerminalAllocsToLost,
  type SchedulerDeps,
} from './scheduler_util.ts';
import { Stack } from './stack.ts';
import type { SchedulerState } from './state.ts';
import { inplaceCheck } from './inplace.ts';

/** One attempt's outcome: the plan and what it could not do. */
interface Attempt {
  ctx: EvalContext;
  plan: Plan;
  queued: Record<string, number>;
  failed: Record<string, AllocMetric> | null;
  followUps: Evaluation[];
  deploymentId: string;
  placed: Set<string>;
}

export class GenericScheduler {
  private readonly deps: SchedulerDeps;
  private readonly batch: boolean;

  constructor(batch: boolean, deps: SchedulerDeps) {
    this.batch = batch;
    this.deps = deps;
  }

  async process(evaluation: Evaluation): Promise<void> {
    const { planner, nowNs } = this.deps;
    if (!triggerKnown(evaluation.TriggeredBy)) {
      const description = `scheduler cannot handle '${evaluation.TriggeredBy}' evaluation reason`;
      const u = {
        status: 'failed',
        description,
        deploymentId: '',
        failedTGAllocs: null,
        queued: null,
        blocked: null,
        nextEval: null,
      } as const;
      await planner.updateEval(evalWithStatus(evaluation, u, nowNs));
      return;
    }
    const limit = this.batch ? MAX_BATCH_PLAN_ATTEMPTS : MAX_PLAN_ATTEMPTS;
    let state = this.deps.state;
    let blocked: Evaluation | null = null;
    let last: Attempt | null = null;
    for (let attempts = 0; attempts < limit;) {
      const a = this.compute(state, evaluation);
      last = a;
      const delayInstead = a.followUps.length > 0 && evaluation.WaitUntil === null;
      if (evaluation.Status !== 'blocked' && a.failed !== null && blocked === null && !delayInstead) {
        blocked = this.blockedEval(evaluation, a, false);
        await planner.createEval(blocked);
      }
      if (planIsNoOp(a.plan) && !evaluation.AnnotatePlan) return this.finish(evaluation, a, blocked);
      if (delayInstead) for (const e of a.followUps) await planner.createEval(e);
      const { result, newState } = await planner.submitPlan(a.plan);
      adjustQueued(a.queued, result, a.placed);
      if (newState === undefined && result.RefreshIndex === 0 && fullCommit(a.plan, result))
        return this.finish(evaluation, a, blocked);
      if (newState !== undefined) state = newState;
      attempts = progressMade(result) ? 0 : attempts + 1;
      this.deps.logger?.debug('plan not fully committed, retrying against newer state', {
        eval_id: evaluation.ID,
        refresh_index: result.RefreshIndex,
        attempts,
      });
    }
    // No forward progress: wait for capacity in a blocked evaluation, and fail this one.
    const failedBlocked = this.blockedEval(evaluation, last!, true);
    await planner.createEval(failedBlocked);
    const u = {
      status: 'failed',
      description: `maximum attempts reached (${limit})`,
      deploymentId: last!.deploymentId,
      failedTGAllocs: last!.failed,
      queued: last!.queued,
      blocked: failedBlocked,
      nextEval: null,
    } as const;
    await planner.updateEval(evalWithStatus(evaluation, u, nowNs));
  }

  private async finish(evaluation: Evaluation, a: Attempt, blocked: Evaluation | null): Promise<void> {
    const { planner, nowNs } = this.deps;
    if (evaluation.Status === 'blocked' && a.failed !== null) {
      const elig = a.ctx.eligibility;
      await planner.reblockEval({
        ...evaluation,
        EscapedComputedClass: elig.hasEscaped(),
        ClassEligibility: elig.classes(),
        FailedTGAllocs: a.failed,
        ModifyTime: nowNs,
      });
      return;
    }
    const u = {
      status: 'complete',
      description: '',
      deploymentId: a.deploymentId,
      failedTGAllocs: a.failed,
      queued: a.queued,
      blocked,
      nextEval: null,
    } as const;
    await planner.updateEval(evalWithStatus(evaluation, u, nowNs));
  }

  private blockedEval(evaluation: Evaluation, a: Attempt, planFailure: boolean): Evaluation {
    const elig = a.ctx.eligibility;
    const escaped = elig.hasEscaped();
    return newEvaluation({
      ID: this.deps.ids.uuid(),
      Namespace: evaluation.Namespace,
      Priority: evaluation.Priority,
      Type: evaluation.Type,
      TriggeredBy: planFailure ? 'max-plan-attempts' : 'queued-allocs',
      JobID: evaluation.JobID,
      JobModifyIndex: evaluation.JobModifyIndex,
      Status: 'blocked',
      StatusDescription: planFailure ? DESC_BLOCKED_EVAL_MAX_PLAN : DESC_BLOCKED_EVAL_FAILED_PLACEMENTS,
      PreviousEval: evaluation.ID,
      FailedTGAllocs: a.failed,
      ClassEligibility: escaped ? null : elig.classes(),
      EscapedComputedClass: escaped,
      nowNs: this.deps.nowNs,
    });
  }

  /** One scheduling attempt against a snapshot. */
  private compute(state: SchedulerState, evaluation: Evaluation): Attempt {
    const job = state.jobByID(evaluation.Namespace, evaluation.JobID) ?? null;
    const plan = emptyPlan(evaluation, job, state.latestIndex());
    const ctx = new EvalContext(state, plan, { evalId: evaluation.ID, nowNs: this.deps.nowNs });
    const stack = new Stack(ctx, { system: false, batch: this.batch });
    if (job !== null && !job.Stop) stack.setJob(job);
    const allocs = state.allocsByJob(evaluation.Namespace, evaluation.JobID, true);
    const tainted = taintedNodes(state, allocs);
    updateNonTerminalAllocsToLost(ctx, tainted, allocs);
    const results = reconcile({
      job,
      jobId: evaluation.JobID,
      namespace: evaluation.Namespace,
      allocs,
      taintedNodes: tainted,
      deployment: this.batch
        ? null
        : (state.latestDeploymentByJobID(evaluation.Namespace, evaluation.JobID) ?? null),
      batch: this.batch,
      nowNs: this.deps.nowNs,
      evalId: evaluation.ID,
      evalPriority: evaluation.Priority,
      ids: this.deps.ids,
      allocUpdateFn: (existing, newJob, tg) =>
        inplaceCheck(ctx, stack, { existing, job: newJob, tg, evalId: evaluation.ID }),
    });
    const a: Attempt = {
      ctx,
      plan,
      queued: {},
      failed: null,
      followUps: Object.values(results.followupEvals).flat(),
      deploymentId: results.activeDeployment?.ID ?? '',
      placed: new Set(),
    };
    if (evaluation.AnnotatePlan)
      plan.Annotations = { DesiredTGUpdates: results.desiredTGUpdates, PreemptedAllocs: null };
    plan.Deployment = results.deployment;
    plan.DeploymentUpdates = results.deploymentUpdates.length > 0 ? results.deploymentUpdates : null;
    applyReconcileResult(ctx, results, allocs, a.deploymentId);
    if (job === null || job.Stop) return a;
    for (const tg of job.TaskGroups) a.queued[tg.Name] = 0;
    for (const p of results.place) a.queued[p.taskGroup.Name] = (a.queued[p.taskGroup.Name] ?? 0) + 1;
    for (const d of results.destructiveUpdate)
      a.queued[d.placeTaskGroup.Name] = (a.queued[d.placeTaskGroup.Name] ?? 0) + 1;
    if (results.place.length + results.destructiveUpdate.length > 0)
      this.computePlacements(a, { job, evaluation, stack, results });
    return a;
  }

  private computePlacements(
    a: Attempt,
    w: { job: Job; evaluation: Evaluation; stack: Stack; results: ReconcileResult },
  ): void {
    const { ctx } = a;
    const ready = readyNodesInDatacentersAndPool(ctx.state.nodes(), w.job.Datacenters, w.job.NodePool);
    w.stack.setNodes(ready.ready, ready.byDatacenter);
    const destructive: PlaceResult[] = w.results.destructiveUpdate.map((d) => ({
      name: d.placeName,
      taskGroup: d.placeTaskGroup,
      canary: false,
      previousAlloc: d.stopAlloc,
      reschedule: false,
      lost: false,
      stopDescription: d.stopStatusDescription,
    }));
    const preempt = this.batch
      ? ctx.config.PreemptionConfig.BatchSchedulerEnabled
      : ctx.config.PreemptionConfig.ServiceSchedulerEnabled;
    for (const list of [destructive, w.results.place]) {
      for (const missing of list) this.placeOne(a, { ...w, missing, preempt });
    }
  }

  private placeOne(
    a: Attempt,
    w: {
      job: Job;
      evaluation: Evaluation;
      stack: Stack;
      missing: PlaceResult & { stopDescription?: string };
      preempt: boolean;
    },
  ): void {
    const { ctx } = a;
    const { missing, job } = w;
    const tg = missing.taskGroup;
    const already = a.failed?.[tg.Name];
    if (already !== undefined) {
      already.CoalescedFailures++;
      exhaustResources(already, tg);
      return;
    }
    const prev = missing.previousAlloc;
    const stopPrev = missing.stopDescription !== undefined && prev !== null;
    if (stopPrev) ctx.appendStoppedAlloc(prev, missing.stopDescription!);
    const opts = { penaltyNodeIds: penaltyNodes(prev), preferredNodes: preferredNodes(ctx.state, prev, tg) };
    let r = w.stack.select(tg, opts);
    if (r.option === null && w.preempt) r = w.stack.select(tg, { ...opts, preempt: true });
    if (r.option === null) {
      exhaustResources(r.metric, tg);
      a.failed = { ...(a.failed ?? {}), [tg.Name]: r.metric };
      if (stopPrev) ctx.popUpdate(prev);
      return;
    }
    let alloc = newAllocation({
      ctx,
      ids: this.deps.ids,
      evaluation: w.evaluation,
      job,
      tg,
      name: missing.name,
      option: r.option,
      metric: r.metric,
      deploymentId: a.deploymentId,
    });
    if (prev !== null) {
      alloc.PreviousAllocation = prev.ID;
      if (missing.reschedule) alloc.RescheduleTracker = { Events: nextRescheduleEvents(prev, ctx.nowNs) };
    }
    if (missing.canary && a.deploymentId !== '')
      alloc.DeploymentStatus = { Healthy: null, Timestamp: '', Canary: true, ModifyIndex: 0 };
    alloc = handlePreemptions(ctx, r.option, alloc);
    ctx.appendAlloc(alloc);
    a.placed.add(alloc.ID);
  }
}

/** Adds the reconciler's stops, in-place updates and attribute updates to the plan. */
function applyReconcileResult(
  ctx: EvalContext,
  results: ReconcileResult,
  allocs: readonly Allocation[],
  deploymentId: string,
): void {
  const byId = new Map(allocs.map((x) => [x.ID, x]));
  for (const s of results.stop) {
    ctx.appendStoppedAlloc(s.alloc, s.statusDescription, {
      ...(s.clientStatus === undefined ? {} : { clientStatus: s.clientStatus }),
      ...(s.followupEvalId === undefined ? {} : { followupEvalId: s.followupEvalId }),
    });
  }
  for (const u of results.inplaceUpdate) {
    const update =
      u.DeploymentID === deploymentId ? u : { ...u, DeploymentID: deploymentId, DeploymentStatus: null };
    ctx.appendAlloc(update, byId.get(u.ID));
  }
  for (const u of results.attributeUpdates) ctx.appendAlloc({ ...u, Job: null }, byId.get(u.ID));
}

/** Nodes where the replaced allocation failed before: placements avoid them. */
function penaltyNodes(prev: Allocation | null): Set<string> | null {
  if (prev === null) return null;
  const out = new Set<string>();
  if (prev.ClientStatus === 'failed') out.add(prev.NodeID);
  for (const e of prev.RescheduleTracker?.Events ?? []) out.add(e.PrevNodeID);
  return out;
}

/** A sticky ephemeral disk prefers the previous node, if it is still usable. */
function preferredNodes(state: SchedulerState, prev: Allocation | null, tg: TaskGroup): Node[] | null {
  if (prev === null || !tg.EphemeralDisk.Sticky) return null;
  const node = state.nodeByID(prev.NodeID);
  return node !== undefined && nodeReady(node) ? [node] : null;
}
