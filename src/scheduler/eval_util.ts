/** Building evaluations, deployments and plans the scheduler hands to the planner. */
import type { Deployment, DeploymentState } from '../structs/deployment.ts';
import { DeploymentDescriptions } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { Plan } from '../structs/plan.ts';

/** A new evaluation with Nomad's defaults; fields given override them. */
export function newEvaluation(
  fields: Pick<Evaluation, 'ID' | 'Namespace' | 'Priority' | 'Type' | 'TriggeredBy' | 'JobID' | 'Status'> &
    Partial<Evaluation> & { nowNs: number },
): Evaluation {
  const { nowNs, ...given } = fields;
  return {
    JobModifyIndex: 0,
    NodeID: '',
    NodeModifyIndex: 0,
    DeploymentID: '',
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
    CreateIndex: 0,
    ModifyIndex: 0,
    CreateTime: nowNs,
    ModifyTime: nowNs,
    ...given,
  };
}

export function newDeployment(
  job: Job,
  opts: { id: string; evalPriority: number; nowNs: number },
): Deployment {
  return {
    ID: opts.id,
    Namespace: job.Namespace,
    JobID: job.ID,
    JobVersion: job.Version,
    JobModifyIndex: job.ModifyIndex,
    JobSpecModifyIndex: job.JobModifyIndex,
    JobCreateIndex: job.CreateIndex,
    IsMultiregion: false,
    TaskGroups: {},
    Status: 'running',
    StatusDescription: DeploymentDescriptions.running,
    EvalPriority: opts.evalPriority,
    CreateIndex: 0,
    ModifyIndex: 0,
    CreateTime: opts.nowNs,
    ModifyTime: opts.nowNs,
  };
}

/** A group's deployment state before anything is placed. */
export function newDeploymentState(tg: TaskGroup): DeploymentState {
  const u = tg.Update;
  const has = u !== null && u.MaxParallel > 0;
  return {
    AutoRevert: has && u.AutoRevert,
    AutoPromote: has && u.AutoPromote,
    ProgressDeadline: has ? u.ProgressDeadline : 0,
    RequireProgressBy: null,
    Promoted: false,
    PlacedCanaries: null,
    DesiredCanaries: 0,
    DesiredTotal: 0,
    PlacedAllocs: 0,
    HealthyAllocs: 0,
    UnhealthyAllocs: 0,
  };
}

/** Nomad's UpdateStrategy.IsEmpty: no update block, or max_parallel 0 (deployments disabled). */
export function updateIsEmpty(tg: TaskGroup): boolean {
  return tg.Update === null || tg.Update.MaxParallel === 0;
}

export function emptyPlan(evaluation: Evaluation, job: Job | null, snapshotIndex: number): Plan {
  return {
    EvalID: evaluation.ID,
    EvalToken: '',
    Priority: evaluation.Priority,
    AllAtOnce: job?.AllAtOnce ?? false,
    Job: job,
    NodeUpdate: {},
    NodeAllocation: {},
    NodePreemptions: {},
    Annotations: null,
    Deployment: null,
    DeploymentUpdates: null,
    SnapshotIndex: snapshotIndex,
  };
}

/** Nomad's Plan.IsNoOp. */
export function planIsNoOp(p: Plan): boolean {
  return (
    Object.keys(p.NodeUpdate).length === 0 &&
    Object.keys(p.NodeAllocation).length === 0 &&
    p.Deployment === null &&
    (p.DeploymentUpdates === null || p.DeploymentUpdates.length === 0)
  );
}
