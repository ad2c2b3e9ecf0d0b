/**
 * Plan verification: what of a plan still holds against the newest state. Workers plan on
 * snapshots that may be behind (other plans were committed since, nodes went down), so every node
 * the plan touches is checked again: still there, ready, eligible for new work, and the
 * allocations it would run fit. A node that fails is refused as a whole (its stops and its
 * placements); an AllAtOnce plan is refused entirely when any node fails.
 */
import { allocTerminal, type Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Node } from '../structs/node.ts';
import type { Plan, PlanResult } from '../structs/plan.ts';
import { FitAccumulator } from './plan_fit.ts';

/** What verification reads: a state snapshot, possibly with a not yet committed plan laid over it. */
export interface PlanStateView {
  nodeByID(id: string): Node | undefined;
  allocsByNode(nodeId: string): readonly Allocation[];
}

/** The part of a plan result a later plan must see before it is committed (pipelining). */
export interface PlanOverlay {
  /** Allocation IDs stopped or preempted, by node. */
  removed: Map<string, Set<string>>;
  /** Allocations placed or updated, by node. */
  placed: Map<string, Allocation[]>;
}

/** A snapshot with the results of the plan being committed laid over it. Merging by ID makes it idempotent. */
export class OverlayView implements PlanStateView {
  readonly #base: PlanStateView;
  readonly #overlays: readonly PlanOverlay[];

  constructor(base: PlanStateView, overlays: readonly PlanOverlay[]) {
    this.#base = base;
    this.#overlays = overlays;
  }

  nodeByID(id: string): Node | undefined {
    return this.#base.nodeByID(id);
  }

  allocsByNode(nodeId: string): readonly Allocation[] {
    let allocs = this.#base.allocsByNode(nodeId);
    for (const o of this.#overlays) {
      const removed = o.removed.get(nodeId);
      const placed = o.placed.get(nodeId);
      if (removed === undefined && placed === undefined) continue;
      const replaced = new Set<string>(removed);
      for (const a of placed ?? []) replaced.add(a.ID);
      allocs = [...allocs.filter((a) => !replaced.has(a.ID)), ...(placed ?? [])];
    }
    return allocs;
  }
}

export function overlayOf(result: PlanResult): PlanOverlay {
  const removed = new Map<string, Set<string>>();
  const addRemoved = (nodeId: string, allocs: readonly Allocation[]): void => {
    let set = removed.get(nodeId);
    if (set === undefined) removed.set(nodeId, (set = new Set()));
    for (const a of allocs) set.add(a.ID);
  };
  for (const [nodeId, allocs] of Object.entries(result.NodeUpdate)) addRemoved(nodeId, allocs);
  for (const [nodeId, allocs] of Object.entries(result.NodePreemptions)) addRemoved(nodeId, allocs);
  const placed = new Map<string, Allocation[]>();
  for (const [nodeId, allocs] of Object.entries(result.NodeAllocation)) placed.set(nodeId, allocs);
  return { removed, placed };
}

export interface NodeVerdict {
  fit: boolean;
  reason: string;
}

/** Checks one node of the plan (Nomad's evaluateNodePlan). */
export function evaluateNodePlan(view: PlanStateView, plan: Plan, nodeId: string): NodeVerdict {
  const placing = plan.NodeAllocation[nodeId] ?? [];
  // Stops and evictions only remove work: they always fit.
  if (placing.length === 0) return { fit: true, reason: '' };
  const node = view.nodeByID(nodeId);
  if (node === undefined) return { fit: false, reason: 'node does not exist' };
  if (node.Status !== 'ready') return { fit: false, reason: 'node is not ready for placements' };
  const placingIds = new Set<string>();
  for (const a of placing) placingIds.add(a.ID);
  const update = plan.NodeUpdate[nodeId];
  const preempt = plan.NodePreemptions[nodeId];
  const removed = (id: string): boolean =>
    placingIds.has(id) ||
    (update?.some((a) => a.ID === id) ?? false) ||
    (preempt?.some((a) => a.ID === id) ?? false);
  // One pass over what runs now: count in-place updates, and sum what stays.
  const acc = new FitAccumulator(node);
  let updatedInPlace = 0;
  for (const a of view.allocsByNode(nodeId)) {
    if (allocTerminal(a)) continue;
    if (placingIds.has(a.ID)) updatedInPlace++;
    if (!removed(a.ID)) acc.add(a);
  }
  // Only in-place updates of allocations already there: allowed even on an ineligible node.
  if (updatedInPlace === placingIds.size) return { fit: true, reason: '' };
  if (node.SchedulingEligibility === 'ineligible') return { fit: false, reason: 'node is not eligible' };
  for (const a of placing) acc.add(a);
  return acc.result(node);
}

export interface PlanEvaluation {
  result: PlanResult;
  /** Nodes refused, with the reason. */
  refused: Map<string, string>;
}

/** Verifies a whole plan; the result holds what may be committed (AllocIndex and RefreshIndex are 0). */
export function evaluatePlan(view: PlanStateView, plan: Plan): PlanEvaluation {
  const result: PlanResult = {
    NodeUpdate: {},
    NodeAllocation: {},
    NodePreemptions: {},
    Deployment: plan.Deployment,
    DeploymentUpdates: plan.DeploymentUpdates,
    AllocIndex: 0,
    RefreshIndex: 0,
  };
  const refused = new Map<string, string>();
  const nodeIds = new Set([...Object.keys(plan.NodeUpdate), ...Object.keys(plan.NodeAllocation)]);
  for (const nodeId of nodeIds) {
    const verdict = evaluateNodePlan(view, plan, nodeId);
    if (!verdict.fit) {
      refused.set(nodeId, verdict.reason);
      if (plan.AllAtOnce) break;
      continue;
    }
    const update = plan.NodeUpdate[nodeId];
    const place = plan.NodeAllocation[nodeId];
    const preempt = plan.NodePreemptions[nodeId];
    if (update !== undefined && update.length > 0) result.NodeUpdate[nodeId] = update;
    if (place !== undefined && place.length > 0) result.NodeAllocation[nodeId] = place;
    if (preempt !== undefined && preempt.length > 0) result.NodePreemptions[nodeId] = preempt;
  }
  if (refused.size > 0 && plan.AllAtOnce) {
    result.NodeUpdate = {};
    result.NodeAllocation = {};
    result.NodePreemptions = {};
    result.Deployment = null;
    result.DeploymentUpdates = null;
  } else if (refused.size > 0 && result.Deployment !== null) {
    result.Deployment = withPlacedCanariesOnly(result.Deployment, result);
  }
  return { result, refused };
}

/** Drops refused canaries from the deployment, so it does not wait on allocations that never existed. */
function withPlacedCanariesOnly(d: Deployment, result: PlanResult): Deployment {
  const placed = new Set<string>();
  for (const allocs of Object.values(result.NodeAllocation)) for (const a of allocs) placed.add(a.ID);
  const groups: Deployment['TaskGroups'] = {};
  for (const [name, g] of Object.entries(d.TaskGroups)) {
    groups[name] =
      g.PlacedCanaries === null
        ? g
        : { ...g, PlacedCanaries: g.PlacedCanaries.filter((id) => placed.has(id)) };
  }
  return { ...d, TaskGroups: groups };
}

/** Whether a result commits nothing. */
export function planResultIsNoOp(r: PlanResult): boolean {
  return (
    Object.keys(r.NodeUpdate).length === 0 &&
    Object.keys(r.NodeAllocation).length === 0 &&
    Object.keys(r.NodePreemptions).length === 0 &&
    r.Deployment === null &&
    (r.DeploymentUpdates === null || r.DeploymentUpdates.length === 0)
  );
}
