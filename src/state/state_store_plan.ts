/** Committing a plan's results (Nomad's UpsertPlanResults): one atomic write for the whole plan. */
import { NomadError } from '../lib/errors.ts';
import type { AllocClientStatus, Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { DeploymentStatusUpdate } from '../structs/plan.ts';
import { upsertAllocs } from './state_store_allocs.ts';
import { upsertDeployment, updateDeploymentStatus } from './state_store_deployments.ts';
import { touchEval, upsertEvals } from './state_store_evals.ts';
import type { StateTxn } from './state_txn.ts';

/** A stopped allocation, as the difference from the stored one (keeps log entries small). */
export interface AllocStopDiff {
  ID: string;
  DesiredDescription: string;
  /** A client status the scheduler decided ('lost' for allocations of down nodes), or '' to keep it. */
  ClientStatus: AllocClientStatus | '';
  FollowupEvalID: string;
  ModifyTime: number;
}

export interface AllocPreemptDiff {
  ID: string;
  PreemptedByAllocation: string;
  ModifyTime: number;
}

export interface PlanResultsRequest {
  /** The plan's job: attached to every updated allocation whose Job is null. */
  job: Job | null;
  evalId: string;
  /** New placements and in-place updates. */
  allocsUpdated: readonly Allocation[];
  allocsStopped: readonly AllocStopDiff[];
  allocsPreempted: readonly AllocPreemptDiff[];
  deployment: Deployment | null;
  deploymentUpdates: readonly DeploymentStatusUpdate[];
  /** Evaluations for the jobs whose allocations were preempted. */
  preemptionEvals: readonly Evaluation[];
}

export function preemptedDescription(byAllocId: string): string {
  return `Preempted by alloc ID ${byAllocId}`;
}

function existing(txn: StateTxn, id: string): Allocation {
  const a = txn.allocByID(id);
  if (a === undefined)
    throw new NomadError('internal', `Plan refers to allocation "${id}", which does not exist`);
  return a;
}

export function upsertPlanResults(txn: StateTxn, req: PlanResultsRequest): void {
  if (req.deployment !== null) upsertDeployment(txn, req.deployment);
  for (const u of req.deploymentUpdates) updateDeploymentStatus(txn, u);
  if (req.evalId !== '') touchEval(txn, req.evalId);
  const all: Allocation[] = [];
  for (const s of req.allocsStopped) {
    const a = existing(txn, s.ID);
    all.push({
      ...a,
      DesiredStatus: 'stop',
      DesiredDescription: s.DesiredDescription,
      ClientStatus: s.ClientStatus === '' ? a.ClientStatus : s.ClientStatus,
      FollowupEvalID: s.FollowupEvalID === '' ? a.FollowupEvalID : s.FollowupEvalID,
      ModifyTime: s.ModifyTime === 0 ? a.ModifyTime : s.ModifyTime,
    });
  }
  for (const a of req.allocsUpdated)
    all.push(a.Job === null && req.job !== null ? { ...a, Job: req.job } : a);
  for (const p of req.allocsPreempted) {
    const a = existing(txn, p.ID);
    all.push({
      ...a,
      DesiredStatus: 'evict',
      DesiredDescription: preemptedDescription(p.PreemptedByAllocation),
      PreemptedByAllocation: p.PreemptedByAllocation,
      ModifyTime: p.ModifyTime === 0 ? a.ModifyTime : p.ModifyTime,
    });
  }
  upsertAllocs(txn, all);
  if (req.preemptionEvals.length > 0) upsertEvals(txn, req.preemptionEvals);
}
