/**
 * The list views of jobs and allocations, as Nomad's list endpoints return them: one definition
 * that the server's endpoints, the HTTP layer and the API client share.
 */
import type { Allocation, AllocListStub } from './allocation.ts';
import type { Job } from './job.ts';
import type { JobSummary } from './job_summary.ts';

/** Nomad's JobListStub: what GET /v1/jobs lists (Meta only when asked for). */
export interface JobListStub {
  ID: string;
  ParentID: string;
  Name: string;
  Namespace: string;
  Datacenters: string[];
  NodePool: string;
  Type: string;
  Priority: number;
  Periodic: boolean;
  ParameterizedJob: boolean;
  Stop: boolean;
  Status: string;
  StatusDescription: string;
  JobSummary: JobSummary | null;
  CreateIndex: number;
  ModifyIndex: number;
  JobModifyIndex: number;
  SubmitTime: number;
  Meta?: Record<string, string> | null;
}

export function jobListStub(job: Job, summary: JobSummary | undefined, opts: { meta: boolean }): JobListStub {
  const stub: JobListStub = {
    ID: job.ID,
    ParentID: job.ParentID,
    Name: job.Name,
    Namespace: job.Namespace,
    Datacenters: job.Datacenters,
    NodePool: job.NodePool,
    Type: job.Type,
    Priority: job.Priority,
    Periodic: job.Periodic !== null && job.Periodic.Enabled,
    // A dispatched child carries its parent's block but is not itself parameterized (Nomad's IsParameterized).
    ParameterizedJob: job.ParameterizedJob !== null && !job.Dispatched,
    Stop: job.Stop,
    Status: job.Status,
    StatusDescription: job.StatusDescription,
    JobSummary: summary ?? null,
    CreateIndex: job.CreateIndex,
    ModifyIndex: job.ModifyIndex,
    JobModifyIndex: job.JobModifyIndex,
    SubmitTime: job.SubmitTime,
  };
  if (opts.meta) stub.Meta = job.Meta;
  return stub;
}

/** Nomad's AllocListStub; resources and task states are left out when the caller did not ask for them. */
export function allocListStub(
  a: Allocation,
  opts: { resources: boolean; taskStates: boolean } = { resources: true, taskStates: true },
): AllocListStub {
  return {
    ID: a.ID,
    EvalID: a.EvalID,
    Name: a.Name,
    Namespace: a.Namespace,
    NodeID: a.NodeID,
    NodeName: a.NodeName,
    JobID: a.JobID,
    JobType: a.Job?.Type ?? '',
    JobVersion: a.Job?.Version ?? 0,
    TaskGroup: a.TaskGroup,
    AllocatedResources: opts.resources ? a.AllocatedResources : null,
    DesiredStatus: a.DesiredStatus,
    DesiredDescription: a.DesiredDescription,
    ClientStatus: a.ClientStatus,
    ClientDescription: a.ClientDescription,
    DesiredTransition: a.DesiredTransition,
    TaskStates: opts.taskStates ? a.TaskStates : null,
    DeploymentStatus: a.DeploymentStatus,
    FollowupEvalID: a.FollowupEvalID,
    NextAllocation: a.NextAllocation,
    RescheduleTracker: a.RescheduleTracker,
    PreemptedAllocations: a.PreemptedAllocations,
    PreemptedByAllocation: a.PreemptedByAllocation,
    CreateIndex: a.CreateIndex,
    ModifyIndex: a.ModifyIndex,
    CreateTime: a.CreateTime,
    ModifyTime: a.ModifyTime,
  };
}
