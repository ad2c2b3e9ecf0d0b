/**
 * Per-node usage within one evaluation: what the allocations proposed for each node (those in the
 * snapshot, minus what the plan stops, plus what it places) use of cpu, memory, disk and ports.
 * Built lazily per node on first look and then kept up to date as the plan changes, so a placement
 * never rescans a node's allocations.
 */
import type { Allocation } from '../structs/allocation.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';
import { allocAmount, forEachAllocPort, nodeCapacity, nodeReservedPorts, type Amount } from './resources.ts';
import type { SchedulerState } from './state.ts';

/**
 * What the node table derives from the node list alone (positions, capacities), shared by every
 * evaluation that sees the same list: a snapshot hands out the same array for as long as no node
 * changes, and evaluations against it then skip rebuilding this per node.
 */
interface NodeBase {
  nodes: readonly Node[];
  indexById: Map<string, number>;
  cpuCap: Float64Array;
  memCap: Float64Array;
  diskCap: Float64Array;
}

const nodeBases = new WeakMap<readonly Node[], NodeBase>();

function buildBase(list: Iterable<Node>): NodeBase {
  const nodes = Array.isArray(list) ? (list as readonly Node[]) : [...list];
  const n = nodes.length;
  const base: NodeBase = {
    nodes,
    indexById: new Map(),
    cpuCap: new Float64Array(n),
    memCap: new Float64Array(n),
    diskCap: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    base.indexById.set(node.ID, i);
    const cap = nodeCapacity(node);
    base.cpuCap[i] = cap.cpu;
    base.memCap[i] = cap.memoryMb;
    base.diskCap[i] = cap.diskMb;
  }
  return base;
}

function baseOf(list: Iterable<Node>): NodeBase {
  if (!Array.isArray(list)) return buildBase(list);
  const arr = list as readonly Node[];
  let base = nodeBases.get(arr);
  // The list is the snapshot's own, never changed; the length check guards against one that was.
  if (base === undefined || base.nodes.length !== arr.length) {
    base = buildBase(arr);
    nodeBases.set(arr, base);
  }
  return base;
}

export class NodeTable {
  readonly nodes: readonly Node[];
  private readonly indexById: Map<string, number>;
  readonly cpuCap: Float64Array;
  readonly memCap: Float64Array;
  readonly diskCap: Float64Array;
  readonly cpuUsed: Float64Array;
  readonly memUsed: Float64Array;
  readonly diskUsed: Float64Array;
  /** Ports in use per node (node-reserved and allocations'); null until the node is built. */
  readonly ports: (Set<number> | null)[];
  private readonly built: Uint8Array;
  /** Bumped whenever a node's usage changes: cached scores compare against it. */
  readonly version: Int32Array;

  /**
   * Allocations placed together share their Tasks object, so its sum is computed once per
   * evaluation (kept here, not globally, so nothing outlives the evaluation).
   */
  private readonly taskSums = new Map<object, Amount>();
  private readonly state: SchedulerState;
  private readonly plan: PlanView;

  constructor(state: SchedulerState, plan: PlanView) {
    this.state = state;
    this.plan = plan;
    const base = baseOf(state.nodes());
    const n = base.nodes.length;
    this.nodes = base.nodes;
    this.indexById = base.indexById;
    this.cpuCap = base.cpuCap;
    this.memCap = base.memCap;
    this.diskCap = base.diskCap;
    this.cpuUsed = new Float64Array(n);
    this.memUsed = new Float64Array(n);
    this.diskUsed = new Float64Array(n);
    this.ports = new Array<Set<number> | null>(n).fill(null);
    this.built = new Uint8Array(n);
    this.version = new Int32Array(n);
  }

  get size(): number {
    return this.nodes.length;
  }

  indexOf(nodeId: string): number {
    return this.indexById.get(nodeId) ?? -1;
  }

  /** Makes sure node i's usage reflects the snapshot and the plan so far. */
  ensure(i: number): void {
    if (this.built[i] === 1) return;
    this.built[i] = 1;
    const node = this.nodes[i]!;
    const reserved = nodeReservedPorts(node);
    const ports = new Set<number>(reserved.length === 0 ? undefined : reserved);
    this.ports[i] = ports;
    if (this.plan.touches(node.ID)) {
      for (const a of this.proposedAllocs(node.ID)) this.apply(i, a, 1);
      return;
    }
    // Nothing in the plan concerns the node: its live allocations in the snapshot are all there is.
    for (const a of this.state.allocsByNode(node.ID)) if (!allocTerminal(a)) this.apply(i, a, 1);
  }

  isBuilt(i: number): boolean {
    return this.built[i] === 1;
  }

  /** The allocations proposed for a node: the snapshot's live ones, adjusted by the plan. */
  proposedAllocs(nodeId: string): Allocation[] {
    const out: Allocation[] = [];
    const existing = this.state.allocsByNode(nodeId);
    const planned = this.plan.plannedOn(nodeId);
    let seen: Set<string> | null = null;
    if (planned.length > 0) seen = new Set<string>();
    for (const a of existing) {
      seen?.add(a.ID);
      if (this.plan.isRemoved(a.ID)) continue;
      const version = this.plan.plannedVersion(a.ID) ?? a;
      if (!allocTerminal(version)) out.push(version);
    }
    for (const a of planned) if (seen !== null && !seen.has(a.ID) && !allocTerminal(a)) out.push(a);
    return out;
  }

  /** Adds (sign 1) or removes (sign -1) an allocation's usage on its node, if the node is built. */
  account(alloc: Allocation, sign: 1 | -1): void {
    if (allocTerminal(alloc)) return;
    const i = this.indexById.get(alloc.NodeID);
    if (i === undefined || this.built[i] !== 1) return;
    this.apply(i, alloc, sign);
  }

  private apply(i: number, alloc: Allocation, sign: 1 | -1): void {
    this.version[i]!++;
    const amt = this.amountOf(alloc);
    this.cpuUsed[i]! += sign * amt.cpu;
    this.memUsed[i]! += sign * amt.memoryMb;
    this.diskUsed[i]! += sign * amt.diskMb;
    const ports = this.ports[i]!;
    if (sign === 1) forEachAllocPort(alloc, (p) => ports.add(p));
    else forEachAllocPort(alloc, (p) => ports.delete(p));
  }

  private amountOf(alloc: Allocation): Amount {
    const r = alloc.AllocatedResources;
    if (r === null) return allocAmount(alloc);
    const cached = this.taskSums.get(r.Tasks);
    if (cached !== undefined && cached.diskMb === r.Shared.DiskMB) return cached;
    const amt = allocAmount(alloc);
    if (this.taskSums.size < MAX_CACHED_TASK_SUMS) this.taskSums.set(r.Tasks, amt);
    return amt;
  }
}

/** Distinct task resource objects whose sums one evaluation keeps. */
export const MAX_CACHED_TASK_SUMS = 100_000;

/** What the node table needs to know about the plan being built. */
export interface PlanView {
  /** Whether the plan stops or preempts this allocation. */
  isRemoved(allocId: string): boolean;
  /** The plan's version of an allocation it updates, if any. */
  plannedVersion(allocId: string): Allocation | undefined;
  /** The allocations the plan places or updates on a node. */
  plannedOn(nodeId: string): readonly Allocation[];
  /** Whether the plan places, updates, stops or preempts anything on the node. */
  touches(nodeId: string): boolean;
}
