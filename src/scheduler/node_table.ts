/**
 * Per-node usage within one evaluation: what the allocations proposed for each node (those in the
 * snapshot, minus what the plan stops, plus what it places) use of cpu, memory, disk and ports.
 * Built lazily per node on first look and then kept up to date as the plan changes, so a placement
 * never rescans a node's allocations.
 */
import type { Allocation } from '../structs/allocation.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';
import { NodeBase } from './node_base.ts';
import { allocAmount, forEachAllocPort, type Amount } from './resources.ts';
import type { SchedulerState } from './state.ts';

/** The ports of a node that holds none: shared, never written (a Set is made on first write). */
const NO_PORTS: ReadonlySet<number> = new Set<number>();

export class NodeTable {
  /** What is derived from the node list alone, shared with other evaluations of the same list. */
  readonly base: NodeBase;
  readonly nodes: readonly Node[];
  private readonly indexById: Map<string, number>;
  readonly cpuCap: Float64Array;
  readonly memCap: Float64Array;
  readonly diskCap: Float64Array;
  readonly cpuUsed: Float64Array;
  readonly memUsed: Float64Array;
  readonly diskUsed: Float64Array;
  /** Ports in use per node (node-reserved and allocations'); null until the node is built. */
  readonly ports: (ReadonlySet<number> | null)[];
  private readonly built: Uint8Array;
  /** Nodes the plan has placed, updated, stopped or preempted something on (1). */
  private readonly touched: Uint8Array;
  /** Bumped whenever a node's usage changes: cached scores compare against it. */
  readonly version: Int32Array;

  /**
   * Allocations placed together share their Tasks object, so its sum is computed once per
   * evaluation (kept here, not globally, so nothing outlives the evaluation).
   */
  private readonly taskSums = new Map<object, Amount>();
  private readonly state: SchedulerState;
  private readonly plan: PlanView;
  private readonly amountFn = (a: Allocation): Amount => this.amountOf(a);

  constructor(state: SchedulerState, plan: PlanView) {
    this.state = state;
    this.plan = plan;
    const base = NodeBase.of(state.nodes());
    const n = base.nodes.length;
    this.base = base;
    this.nodes = base.nodes;
    this.indexById = base.indexById;
    this.cpuCap = base.cpuCap;
    this.memCap = base.memCap;
    this.diskCap = base.diskCap;
    this.cpuUsed = new Float64Array(n);
    this.memUsed = new Float64Array(n);
    this.diskUsed = new Float64Array(n);
    this.ports = new Array<ReadonlySet<number> | null>(n).fill(null);
    this.built = new Uint8Array(n);
    this.touched = new Uint8Array(n);
    this.version = new Int32Array(n);
  }

  get size(): number {
    return this.nodes.length;
  }

  indexOf(nodeId: string): number {
    return this.indexById.get(nodeId) ?? -1;
  }

  /** Records that the plan now has something filed under the node (before or after it is built). */
  markTouched(nodeId: string): void {
    const i = this.indexById.get(nodeId);
    if (i !== undefined) this.touched[i] = 1;
  }

  /** Makes sure node i's usage reflects the snapshot and the plan so far. */
  ensure(i: number): void {
    if (this.built[i] === 1) return;
    this.built[i] = 1;
    const node = this.nodes[i]!;
    const reserved = this.base.reservedPorts(i);
    if (this.touched[i] === 1) {
      this.ports[i] = new Set<number>(reserved);
      for (const a of this.proposedAllocs(node.ID)) this.apply(i, a, 1);
      return;
    }
    // Nothing in the plan concerns the node: its live allocations in the snapshot are all there is.
    const u = this.base.snapshotUsage(i, this.state.allocsByNode(node.ID), this.amountFn);
    this.cpuUsed[i] = u.cpu;
    this.memUsed[i] = u.memoryMb;
    this.diskUsed[i] = u.diskMb;
    this.version[i] = u.count;
    if (reserved.length === 0 && u.ports.length === 0) this.ports[i] = NO_PORTS;
    else {
      const ports = new Set<number>(reserved);
      for (const p of u.ports) ports.add(p);
      this.ports[i] = ports;
    }
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
    if (sign === 1) forEachAllocPort(alloc, (p) => this.writablePorts(i).add(p));
    else forEachAllocPort(alloc, (p) => this.writablePorts(i).delete(p));
  }

  private writablePorts(i: number): Set<number> {
    let ports = this.ports[i]!;
    if (ports === NO_PORTS) {
      ports = new Set<number>();
      this.ports[i] = ports;
    }
    return ports as Set<number>;
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
}
