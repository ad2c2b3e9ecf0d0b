/**
 * Everything one scheduling attempt shares: the snapshot, the plan being built, per-node usage that
 * follows the plan, the evaluated job's per-node counts, cached feasibility per node class, and the
 * evaluation's seeded randomness. Every change to the plan goes through here, so the usage the
 * ranking reads is always that of the plan so far.
 */
import type { Allocation, AllocClientStatus } from '../structs/allocation.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { Job } from '../structs/job.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { Plan } from '../structs/plan.ts';
import type { Rng } from '../lib/random.ts';
import { rngFromSeed } from '../lib/random.ts';
import { PatternCache } from './constraints.ts';
import { EvalEligibility } from './eligibility.ts';
import { JobCounts } from './job_counts.ts';
import type { ScoreSharing } from './metrics.ts';
import { NodeTable, type PlanView } from './node_table.ts';
import type { SchedulerState } from './state.ts';

export class EvalContext implements PlanView {
  readonly state: SchedulerState;
  readonly plan: Plan;
  readonly table: NodeTable;
  readonly patterns = new PatternCache();
  readonly eligibility = new EvalEligibility();
  /** Score objects the placements share in their metrics (with other evaluations of the same nodes). */
  readonly scoreSharing: ScoreSharing;
  readonly rng: Rng;
  readonly config: SchedulerConfiguration;
  readonly nowNs: number;
  /** Allocations the plan stops or preempts, as the snapshot has them. */
  private readonly removed = new Map<string, Allocation>();
  /** The plan's placements and updates, by allocation ID. */
  private readonly planned = new Map<string, Allocation>();
  private jobCounts: JobCounts | null = null;

  constructor(state: SchedulerState, plan: Plan, opts: { evalId: string; nowNs: number }) {
    this.state = state;
    this.plan = plan;
    this.nowNs = opts.nowNs;
    this.rng = rngFromSeed(opts.evalId);
    this.config = state.schedulerConfig();
    this.table = new NodeTable(state, this);
    this.scoreSharing = this.table.base.scoreSharing;
    // A plan handed in with work in it already (not done today) must not look untouched.
    for (const m of [plan.NodeAllocation, plan.NodeUpdate, plan.NodePreemptions])
      for (const nodeId in m) this.table.markTouched(nodeId);
  }

  isRemoved(allocId: string): boolean {
    return this.removed.has(allocId);
  }

  plannedVersion(allocId: string): Allocation | undefined {
    return this.planned.get(allocId);
  }

  plannedOn(nodeId: string): readonly Allocation[] {
    return this.plan.NodeAllocation[nodeId] ?? [];
  }

  /** Per node counts of the job's live allocations (built on first use). */
  counts(job: Pick<Job, 'Namespace' | 'ID'>): JobCounts {
    const c = this.jobCounts;
    if (c !== null && c.jobId === job.ID && c.namespace === job.Namespace) return c;
    const live: Allocation[] = [];
    const known = new Set<string>();
    for (const a of this.state.allocsByJob(job.Namespace, job.ID, true)) {
      known.add(a.ID);
      if (!this.removed.has(a.ID)) live.push(this.planned.get(a.ID) ?? a);
    }
    for (const a of this.planned.values()) if (!known.has(a.ID)) live.push(a);
    this.jobCounts = new JobCounts(this.table, job.Namespace, job.ID, live);
    return this.jobCounts;
  }

  private change(alloc: Allocation | null | undefined, sign: 1 | -1): void {
    if (alloc === null || alloc === undefined || allocTerminal(alloc)) return;
    this.table.account(alloc, sign);
    this.jobCounts?.account(alloc, sign);
  }

  /** What currently counts for an allocation of the snapshot: the plan's version, or its own. */
  private current(alloc: Allocation): Allocation | undefined {
    return this.planned.get(alloc.ID) ?? alloc;
  }

  /** Stops an allocation (Nomad's AppendStoppedAlloc). A second stop of the same one is ignored. */
  appendStoppedAlloc(
    alloc: Allocation,
    description: string,
    opts: { clientStatus?: AllocClientStatus; followupEvalId?: string } = {},
  ): void {
    if (this.removed.has(alloc.ID)) return;
    this.change(this.current(alloc), -1);
    this.removed.set(alloc.ID, alloc);
    const stopped: Allocation = {
      ...alloc,
      Job: null,
      DesiredStatus: 'stop',
      DesiredDescription: description,
      ClientStatus: opts.clientStatus ?? alloc.ClientStatus,
      FollowupEvalID: opts.followupEvalId ?? alloc.FollowupEvalID,
    };
    (this.plan.NodeUpdate[alloc.NodeID] ??= []).push(stopped);
    this.table.markTouched(alloc.NodeID);
  }

  /** Takes back the last stop of an allocation (Nomad's PopUpdate). */
  popUpdate(alloc: Allocation): void {
    const list = this.plan.NodeUpdate[alloc.NodeID];
    if (list === undefined || !this.removed.has(alloc.ID)) return;
    const at = list.findLastIndex((a) => a.ID === alloc.ID);
    if (at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) delete this.plan.NodeUpdate[alloc.NodeID];
    this.removed.delete(alloc.ID);
    this.change(this.current(alloc), 1);
  }

  /** Places an allocation, or updates one of the snapshot's (`replaces`) in place. */
  appendAlloc(alloc: Allocation, replaces?: Allocation): void {
    const prior = this.planned.get(alloc.ID);
    const list = (this.plan.NodeAllocation[alloc.NodeID] ??= []);
    this.table.markTouched(alloc.NodeID);
    if (prior !== undefined) {
      this.change(prior, -1);
      const at = list.findIndex((a) => a.ID === alloc.ID);
      if (at >= 0) list.splice(at, 1);
    } else if (replaces !== undefined && !this.removed.has(replaces.ID)) {
      this.change(replaces, -1);
    }
    this.planned.set(alloc.ID, alloc);
    list.push(alloc);
    this.change(alloc, 1);
  }

  /** Preempts an allocation for a placement (Nomad's AppendPreemptedAlloc). */
  appendPreemptedAlloc(alloc: Allocation, preemptingAllocId: string): void {
    if (this.removed.has(alloc.ID)) return;
    this.change(this.current(alloc), -1);
    this.removed.set(alloc.ID, alloc);
    const evicted: Allocation = {
      ...alloc,
      Job: null,
      DesiredStatus: 'evict',
      DesiredDescription: `Preempted by alloc ID ${preemptingAllocId}`,
      PreemptedByAllocation: preemptingAllocId,
    };
    (this.plan.NodePreemptions[alloc.NodeID] ??= []).push(evicted);
    this.table.markTouched(alloc.NodeID);
  }

  /** The live allocations proposed for a node once the plan applies. */
  proposedAllocs(nodeId: string): Allocation[] {
    return this.table.proposedAllocs(nodeId);
  }
}
