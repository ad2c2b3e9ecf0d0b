/** Builders of complete model objects for tests of the state store, the FSM and the endpoints. */
import type { Allocation } from '../../structs/allocation.ts';
import { canonicalizeJob, type JobInput } from '../../structs/canonicalize.ts';
import type { Deployment } from '../../structs/deployment.ts';
import type { Evaluation } from '../../structs/evaluation.ts';
import type { Job } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';

/** A canonical service job "web" with one group "web" of `count` mock-driver tasks. */
export function mockJob(overrides: JobInput = {}, count = 3): Job {
  const base: JobInput = {
    ID: 'web',
    Name: 'web',
    Type: 'service',
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'web',
        Count: count,
        Tasks: [
          {
            Name: 'web',
            Driver: 'mock_driver',
            Config: { run_for: '10s' },
            Resources: { CPU: 100, MemoryMB: 64 },
          },
        ],
      },
    ],
  };
  return canonicalizeJob({ ...base, ...overrides });
}

export function mockNode(id: string, overrides: Partial<Node> = {}): Node {
  return {
    ID: id,
    SecretID: `secret-${id}`,
    Datacenter: 'dc1',
    Name: `node-${id}`,
    HTTPAddr: '127.0.0.1:4646',
    TLSEnabled: false,
    Attributes: { 'kernel.name': 'linux', 'driver.mock_driver': '1' },
    NodeResources: {
      Cpu: { CpuShares: 4000, TotalCpuCores: 4, ReservableCpuCores: null },
      Memory: { MemoryMB: 8192 },
      Disk: { DiskMB: 100 * 1024 },
      Networks: null,
      NodeNetworks: null,
      MinDynamicPort: 20000,
      MaxDynamicPort: 32000,
    },
    ReservedResources: null,
    Links: null,
    Meta: {},
    NodeClass: '',
    NodePool: 'default',
    ComputedClass: 'v1:1',
    DrainStrategy: null,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    StatusUpdatedAt: 1_700_000_000,
    Events: null,
    Drivers: {
      mock_driver: { Attributes: null, Detected: true, Healthy: true, HealthDescription: '', UpdateTime: '' },
    },
    HostVolumes: null,
    LastDrain: null,
    CreateIndex: 0,
    ModifyIndex: 0,
    ...overrides,
  };
}

export function mockEvaluation(
  id: string,
  job: Pick<Job, 'ID' | 'Namespace' | 'Type' | 'Priority'>,
  overrides: Partial<Evaluation> = {},
): Evaluation {
  return {
    ID: id,
    Namespace: job.Namespace,
    Priority: job.Priority,
    Type: job.Type,
    TriggeredBy: 'job-register',
    JobID: job.ID,
    JobModifyIndex: 0,
    NodeID: '',
    NodeModifyIndex: 0,
    DeploymentID: '',
    Status: 'pending',
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
    CreateTime: 1_700_000_000_000_000_000,
    ModifyTime: 1_700_000_000_000_000_000,
    ...overrides,
  };
}

export function mockAlloc(
  id: string,
  job: Job,
  nodeId: string,
  overrides: Partial<Allocation> = {},
): Allocation {
  const tg = job.TaskGroups[0]!;
  return {
    ID: id,
    Namespace: job.Namespace,
    EvalID: 'eval-1',
    Name: `${job.ID}.${tg.Name}[0]`,
    NodeID: nodeId,
    NodeName: `node-${nodeId}`,
    JobID: job.ID,
    Job: job,
    TaskGroup: tg.Name,
    AllocatedResources: null,
    Metrics: null,
    DesiredStatus: 'run',
    DesiredDescription: '',
    DesiredTransition: { Migrate: null, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
    ClientStatus: 'pending',
    ClientDescription: '',
    TaskStates: null,
    PreviousAllocation: '',
    NextAllocation: '',
    DeploymentID: '',
    DeploymentStatus: null,
    RescheduleTracker: null,
    FollowupEvalID: '',
    PreemptedAllocations: null,
    PreemptedByAllocation: '',
    CreateIndex: 0,
    ModifyIndex: 0,
    AllocModifyIndex: 0,
    CreateTime: 1_700_000_000_000_000_000,
    ModifyTime: 1_700_000_000_000_000_000,
    ...overrides,
  };
}

export function mockDeployment(id: string, job: Job, overrides: Partial<Deployment> = {}): Deployment {
  const groups: Deployment['TaskGroups'] = {};
  for (const tg of job.TaskGroups) {
    groups[tg.Name] = {
      AutoRevert: false,
      AutoPromote: false,
      ProgressDeadline: 0,
      RequireProgressBy: null,
      Promoted: false,
      PlacedCanaries: null,
      DesiredCanaries: 0,
      DesiredTotal: tg.Count,
      PlacedAllocs: 0,
      HealthyAllocs: 0,
      UnhealthyAllocs: 0,
    };
  }
  return {
    ID: id,
    Namespace: job.Namespace,
    JobID: job.ID,
    JobVersion: job.Version,
    JobModifyIndex: job.JobModifyIndex,
    JobSpecModifyIndex: job.JobModifyIndex,
    JobCreateIndex: job.CreateIndex,
    IsMultiregion: false,
    TaskGroups: groups,
    Status: 'running',
    StatusDescription: 'Deployment is running',
    EvalPriority: job.Priority,
    CreateIndex: 0,
    ModifyIndex: 0,
    CreateTime: 1_700_000_000_000_000_000,
    ModifyTime: 1_700_000_000_000_000_000,
    ...overrides,
  };
}
