/** The list views of the model's objects, as Nomad's list endpoints return them. */
import type { Allocation, AllocListStub } from '../structs/allocation.ts';
import type { Job } from '../structs/job.ts';
import type { JobSummary } from '../structs/job_summary.ts';
import type { Node } from '../structs/node.ts';
import type { JobListStub, NodeListStub } from '../api/types.ts';

export function jobListStub(job: Job, summary: JobSummary | undefined, withMeta: boolean): JobListStub {
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
  if (withMeta) stub.Meta = job.Meta;
  return stub;
}

export function allocListStub(
  a: Allocation,
  opts: { resources: boolean; taskStates: boolean },
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

export function nodeListStub(n: Node, opts: { os: boolean; resources: boolean }): NodeListStub {
  const stub: NodeListStub = {
    Address: n.Attributes['unique.network.ip-address'] ?? '',
    ID: n.ID,
    Datacenter: n.Datacenter,
    Name: n.Name,
    NodeClass: n.NodeClass,
    NodePool: n.NodePool,
    Version: n.Attributes['nomad.version'] ?? '',
    Drain: n.DrainStrategy !== null,
    SchedulingEligibility: n.SchedulingEligibility,
    Status: n.Status,
    StatusDescription: n.StatusDescription,
    Drivers: n.Drivers,
    LastDrain: n.LastDrain,
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
  if (opts.os) {
    const attrs: Record<string, string> = {};
    for (const k of ['os.name', 'os.version']) if (n.Attributes[k] !== undefined) attrs[k] = n.Attributes[k];
    stub.Attributes = attrs;
  }
  if (opts.resources) {
    stub.NodeResources = n.NodeResources;
    stub.ReservedResources = n.ReservedResources;
  }
  return stub;
}
