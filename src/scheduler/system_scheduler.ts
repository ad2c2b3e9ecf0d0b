/**
 * The system scheduler, for system and sysbatch jobs: one allocation of each group on every ready
 * node in the job's datacenters and node pool. Nodes that fail the constraints are simply not
 * used; a node that lacks room is a failure, unless lower-priority work can be preempted.
 */
import type { AllocMetric, Allocation } from '../structs/allocation.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { DesiredUpdates, Plan } from '../structs/plan.ts';
import { emptyDesiredUpdates } from '../structs/plan.ts';
import {
  STATUS_ALLOC_LOST,
  STATUS_ALLOC_NODE_TAINTED,
  STATUS_ALLOC_NOT_NEEDED,
  STATUS_ALLOC_UPDATING,
} from './descriptions.ts';
import { EvalContext } from './eval_context.ts';
import { emptyPlan, planIsNoOp } from './eval_util.ts';
import { inplaceCheck } from './inplace.ts';
import { readyNodesInDatacentersAndPool } from './node_class.ts';
import { reconcileNodes, type AllocTuple, type NodeReconcileResult } from './reconcile_node.ts';
import {
  adjustQueued,
  evalWithStatus,
  fullCommit,
  handlePreemptions,
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

interface Attempt {
  plan: Plan;
  queued: Record<string, number>;
  failed: Record<string, AllocMetric> | null;
  placed: Set<string>;
}

/** The latest terminal allocation per node and name. */
function latestTerminal(allocs: readonly Allocation[]): Map<string, Map<string, Allocation>> {
  const out = new Map<string, Map<string, Allocation>>();
  for (const a of allocs) {
    if (!allocTerminal(a)) continue;
    let byName = out.get(a.NodeID);
    if (byName === undefined) {
      byName = new Map();
      out.set(a.NodeID, byName);
    }
    const prev = byName.get(a.Name);
    if (prev === undefined || prev.CreateIndex < a.CreateIndex) byName.set(a.Name, a);
  }
  return out;
}

function desiredUpdates(
  diff: NodeReconcileResult,
  inplace: AllocTuple[],
  destructive: AllocTuple[],
): Record<string, DesiredUpdates> {
  const out: Record<string, DesiredUpdates> = {};
  const at = (name: string): DesiredUpdates => (out[name] ??= emptyDesiredUpdates());
  for (const a of diff.stop) at(a.TaskGroup).Stop++;
  for (const t of diff.place) at(t.taskGroup.Name).Place++;
  for (const t of diff.ignore) at(t.taskGroup.Name).Ignore++;
  for (const t of diff.migrate) at(t.taskGroup.Name).Migrate++;
  for (const t of inplace) at(t.taskGroup.Name).InPlaceUpdate++;
  for (const t of destructive) at(t.taskGroup.Name).DestructiveUpdate++;
  return out;
}

export class SystemScheduler {
  private readonly deps: SchedulerDeps;
  private readonly sysbatch: boolean;

  constructor(sysbatch: boolean, deps: SchedulerDeps) {
    this.sysbatch = sysbatch;
    this.deps = deps;
  }

  async process(evaluation: Evaluation): Promise<void> {
    const { planner, nowNs } = this.deps;
    const base = { deploymentId: '', blocked: null, nextEval: null } as const;
    if (!triggerKnown(evaluation.TriggeredBy)) {
      const description = `scheduler cannot handle '${evaluation.TriggeredBy}' evaluation reason`;
      await planner.updateEval(
        evalWithStatus(
          evaluation,
          { ...base, status: 'failed', description, failedTGAllocs: null, queued: null },
          nowNs,
        ),
      );
      return;
    }
    let state = this.deps.state;
    let last: Attempt | null = null;
    for (let attempts = 0; attempts < MAX_PLAN_ATTEMPTS;) {
      const a = this.compute(state, evaluation);
      last = a;
      const done = {
        ...base,
        status: 'complete',
        description: '',
        failedTGAllocs: a.failed,
        queued: a.queued,
      } as const;
      if (planIsNoOp(a.plan) && !evaluation.AnnotatePlan)
        return planner.updateEval(evalWithStatus(evaluation, done, nowNs));
      const { result, newState } = await planner.submitPlan(a.plan);
      adjustQueued(a.queued, result, a.placed);
      if (newState === undefined && result.RefreshIndex === 0 && fullCommit(a.plan, result)) {
        return planner.updateEval(evalWithStatus(evaluation, done, nowNs));
      }
      if (newState !== undefined) state = newState;
      attempts = progressMade(result) ? 0 : attempts + 1;
      this.deps.logger?.debug('plan not fully committed, retrying against newer state', {
        eval_id: evaluation.ID,
        refresh_index: result.RefreshIndex,
        attempts,
      });
    }
    const u = {
      ...base,
      status: 'failed',
      description: `maximum attempts reached (${MAX_PLAN_ATTEMPTS})`,
      failedTGAllocs: last!.failed,
      queued: last!.queued,
    } as const;
    await planner.updateEval(evalWithStatus(evaluation, u, nowNs));
  }

  private compute(state: SchedulerState, evaluation: Evaluation): Attempt {
    const job = state.jobByID(evaluation.Namespace, evaluation.JobID) ?? null;
    const plan = emptyPlan(evaluation, job, state.latestIndex());
    const ctx = new EvalContext(state, plan, { evalId: evaluation.ID, nowNs: this.deps.nowNs });
    const a: Attempt = { plan, queued: {}, failed: null, placed: new Set() };
    const allocs = state.allocsByJob(evaluation.Namespace, evaluation.JobID, true);
    const tainted = taintedNodes(state, allocs);
    updateNonTerminalAllocsToLost(ctx, tainted, allocs);
    const stopped = job === null || job.Stop;
    const ready = stopped
      ? { ready: [], notReady: new Set<string>(), byDatacenter: {} }
      : readyNodesInDatacentersAndPool(state.nodes(), job.Datacenters, job.NodePool);
    const live = allocs.filter((x) => !allocTerminal(x));
    if (job === null) {
      for (const x of live) ctx.appendStoppedAlloc(x, STATUS_ALLOC_NOT_NEEDED);
      return a;
    }
    const stack = new Stack(ctx, { system: true, batch: false });
    stack.setJob(job);
    stack.setNodes(ready.ready, ready.byDatacenter);
    const diff = reconcileNodes({
      job,
      readyNodes: ready.ready,
      notReady: ready.notReady,
      tainted,
      live,
      terminal: latestTerminal(allocs),
    });
    for (const x of diff.stop) ctx.appendStoppedAlloc(x, STATUS_ALLOC_NOT_NEEDED);
    for (const t of diff.migrate) ctx.appendStoppedAlloc(t.alloc!, STATUS_ALLOC_NODE_TAINTED);
    for (const t of diff.lost) ctx.appendStoppedAlloc(t.alloc!, STATUS_ALLOC_LOST, { clientStatus: 'lost' });
    const { inplace, destructive } = this.inplaceUpdates(ctx, stack, job, diff.update, evaluation.ID);
    if (evaluation.AnnotatePlan)
      plan.Annotations = {
        DesiredTGUpdates: desiredUpdates(diff, inplace, destructive),
        PreemptedAllocs: null,
      };
    // A rolling update replaces at most max_parallel allocations per evaluation.
    const maxParallel = job.Update.MaxParallel;
    const limit = !stopped && maxParallel > 0 ? maxParallel : destructive.length;
    const place = [...diff.place];
    for (const t of destructive.slice(0, limit)) {
      ctx.appendStoppedAlloc(t.alloc!, STATUS_ALLOC_UPDATING);
      place.push(t);
    }
    if (!stopped) for (const tg of job.TaskGroups) a.queued[tg.Name] = 0;
    for (const t of place) a.queued[t.taskGroup.Name] = (a.queued[t.taskGroup.Name] ?? 0) + 1;
    this.computePlacements(ctx, stack, { a, job, evaluation, place });
    return a;
  }

  private inplaceUpdates(
    ctx: EvalContext,
    stack: Stack,
    job: Job,
    updates: AllocTuple[],
    evalId: string,
  ): { inplace: AllocTuple[]; destructive: AllocTuple[] } {
    const inplace: AllocTuple[] = [];
    const destructive: AllocTuple[] = [];
    for (const t of updates) {
      const existing = t.alloc!;
      const u = inplaceCheck(ctx, stack, { existing, job, tg: t.taskGroup, evalId });
      if (u.kind === 'destructive') destructive.push(t);
      else {
        inplace.push(t);
        if (u.kind === 'inplace') ctx.appendAlloc(u.updated, existing);
      }
    }
    return { inplace, destructive };
  }

  private computePlacements(
    ctx: EvalContext,
    stack: Stack,
    w: { a: Attempt; job: Job; evaluation: Evaluation; place: AllocTuple[] },
  ): void {
    const { a, job } = w;
    const preempt = this.sysbatch
      ? ctx.config.PreemptionConfig.SysBatchSchedulerEnabled
      : ctx.config.PreemptionConfig.SystemSchedulerEnabled;
    for (const t of w.place) {
      const node = ctx.state.nodeByID(t.nodeId);
      if (node === undefined) continue;
      const tg = t.taskGroup;
      const r = stack.selectOnNode(node, tg, { preempt });
      if (r.option === null) {
        // A node that does not meet the constraints is not a failure: the job does not belong there.
        if (r.metric.NodesFiltered > 0) {
          a.queued[tg.Name] = (a.queued[tg.Name] ?? 1) - 1;
          const d = ctx.plan.Annotations?.DesiredTGUpdates[tg.Name];
          if (d !== undefined) d.Place--;
          continue;
        }
        const prior = a.failed?.[tg.Name];
        if (prior !== undefined) prior.CoalescedFailures++;
        else a.failed = { ...(a.failed ?? {}), [tg.Name]: r.metric };
        continue;
      }
      let alloc = newAllocation({
        ctx,
        ids: this.deps.ids,
        evaluation: w.evaluation,
        job,
        tg,
        name: t.name,
        option: r.option,
        metric: r.metric,
        deploymentId: '',
      });
      if (t.alloc !== null && t.alloc.ID !== '') alloc.PreviousAllocation = t.alloc.ID;
      alloc = handlePreemptions(ctx, r.option, alloc);
      ctx.appendAlloc(alloc);
      a.placed.add(alloc.ID);
    }
  }
}
