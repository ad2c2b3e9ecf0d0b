/** API answers in Nomad's shapes for the CLI's tests: the workshop's job, node, allocation. */
import type { AgentMember, NodeListStub } from '../../api/index.ts';
import type { AllocListStub, Allocation, TaskEvent } from '../../structs/allocation.ts';
import type { Deployment } from '../../structs/deployment.ts';
import type { Evaluation } from '../../structs/evaluation.ts';
import type { JobSummary } from '../../structs/job_summary.ts';
import type { Job } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';
import { exampleJob } from '../../structs/diff_fixture.ts';

export const NODE_ID = '171a583b-1d1c-4f1a-8e2b-3c4d5e6f7a8b';
export const EVAL_ID = '13ebb66d-0d3a-4b45-9c5b-7ec0e0f4cbb1';
export const ALLOC_ID = '883269bf-2e6a-2c6e-c2a5-bf2f2a8f54ae';
export const OLD_ALLOC_ID = '453b210f-6a77-4f5d-8c2e-3b7e19d0aa21';
export const DEPLOYMENT_ID = 'b0a84e74-8e3a-4c0f-9a1d-2f6e7d8c9b0a';
/** 2019-08-31T22:58:40Z, the workshop's submit time. */
export const SUBMIT_MS = Date.UTC(2019, 7, 31, 22, 58, 40);
export const MS_NS = 1e6;

export function job(): Job {
  return { ...exampleJob(), SubmitTime: SUBMIT_MS * MS_NS, Status: 'running', Version: 0, JobModifyIndex: 7 };
}

export function nodeStub(): NodeListStub {
  return {
    Address: '127.0.0.1',
    ID: NODE_ID,
    Datacenter: 'dc1',
    Name: 'nomad',
    NodeClass: '',
    NodePool: 'default',
    Version: '0.1.0',
    Drain: false,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    Drivers: {},
    LastDrain: null,
    CreateIndex: 3,
    ModifyIndex: 5,
  };
}

export function node(): Node {
  return {
    ID: NODE_ID,
    SecretID: '',
    Datacenter: 'dc1',
    Name: 'nomad',
    HTTPAddr: '127.0.0.1:4646',
    TLSEnabled: false,
    Attributes: { 'unique.storage.volume': '/dev/sda1' },
    NodeResources: {
      Cpu: { CpuShares: 4000, TotalCpuCores: 4, ReservableCpuCores: null },
      Memory: { MemoryMB: 8192 },
      Disk: { DiskMB: 100_000 },
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
    ComputedClass: '',
    DrainStrategy: null,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    StatusUpdatedAt: 0,
    Events: [
      {
        Message: 'Node registered',
        Subsystem: 'Cluster',
        Details: null,
        Timestamp: '2019-08-31T22:50:00Z',
        CreateIndex: 3,
      },
    ],
    Drivers: {
      docker: { Attributes: null, Detected: true, Healthy: true, HealthDescription: '', UpdateTime: '' },
      exec: {
        Attributes: null,
        Detected: true,
        Healthy: false,
        HealthDescription: 'no cgroups',
        UpdateTime: '',
      },
      java: { Attributes: null, Detected: false, Healthy: false, HealthDescription: '', UpdateTime: '' },
    },
    HostVolumes: null,
    LastDrain: null,
    CreateIndex: 3,
    ModifyIndex: 5,
  };
}

export function member(): AgentMember {
  return {
    Name: 'nomad.global',
    Addr: '127.0.0.1',
    Port: 4648,
    Tags: { region: 'global', dc: 'dc1', build: '0.1.0', raft_vsn: '3', port: '4647', role: 'nomad' },
    Status: 'alive',
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

export function evaluation(status: Evaluation['Status']): Evaluation {
  return {
    ID: EVAL_ID,
    Namespace: 'default',
    Priority: 50,
    Type: 'service',
    TriggeredBy: 'job-register',
    JobID: 'example',
    JobModifyIndex: 7,
    NodeID: '',
    NodeModifyIndex: 0,
    DeploymentID: status === 'pending' ? '' : DEPLOYMENT_ID,
    Status: status,
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
    CreateIndex: 10,
    ModifyIndex: 12,
    CreateTime: SUBMIT_MS * MS_NS,
    ModifyTime: SUBMIT_MS * MS_NS,
  };
}

export function allocStub(id = ALLOC_ID, createIndex = 11): AllocListStub {
  return {
    ID: id,
    EvalID: EVAL_ID,
    Name: 'example.cache[0]',
    Namespace: 'default',
    NodeID: NODE_ID,
    NodeName: 'nomad',
    JobID: 'example',
    JobType: 'service',
    JobVersion: 0,
    TaskGroup: 'cache',
    AllocatedResources: null,
    DesiredStatus: 'run',
    DesiredDescription: '',
    ClientStatus: 'running',
    ClientDescription: 'Tasks are running',
    DesiredTransition: { Migrate: null, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
    TaskStates: null,
    DeploymentStatus: null,
    FollowupEvalID: '',
    NextAllocation: '',
    RescheduleTracker: null,
    PreemptedAllocations: null,
    PreemptedByAllocation: '',
    CreateIndex: createIndex,
    ModifyIndex: 14,
    CreateTime: SUBMIT_MS * MS_NS,
    ModifyTime: SUBMIT_MS * MS_NS,
  };
}

function event(type: string, at: string, extra: Partial<TaskEvent> = {}): TaskEvent {
  return {
    Type: type,
    Time: Date.parse(at) * MS_NS,
    Message: '',
    DisplayMessage: '',
    Details: {},
    FailsTask: false,
    RestartReason: '',
    SetupError: '',
    DriverError: '',
    ExitCode: 0,
    Signal: 0,
    KillTimeout: 0,
    KillError: '',
    KillReason: '',
    StartDelay: 0,
    DownloadError: '',
    ValidationError: '',
    DiskLimit: 0,
    FailedSibling: '',
    VaultError: '',
    TaskSignalReason: '',
    TaskSignal: '',
    DriverMessage: '',
    GenericSource: '',
    ...extra,
  };
}

export function allocation(): Allocation {
  const stub = allocStub();
  return {
    ...stub,
    Job: job(),
    Metrics: null,
    PreviousAllocation: '',
    AllocModifyIndex: 14,
    DeploymentID: DEPLOYMENT_ID,
    DeploymentStatus: { Healthy: true, Timestamp: '2019-08-31T22:59:00Z', Canary: false, ModifyIndex: 15 },
    ClientDescription: '',
    AllocatedResources: {
      Tasks: {
        redis: {
          Cpu: { CpuShares: 500, ReservedCores: null },
          Memory: { MemoryMB: 256, MemoryMaxMB: 0 },
          Networks: null,
          Devices: null,
        },
      },
      TaskLifecycles: { redis: null },
      Shared: {
        DiskMB: 300,
        Networks: [
          {
            Mode: 'host',
            Device: '',
            IP: '127.0.0.1',
            MBits: 0,
            ReservedPorts: null,
            DynamicPorts: [{ Label: 'db', Value: 22672, To: 6379, HostNetwork: 'default' }],
          },
        ],
        Ports: [{ Label: 'db', Value: 22672, To: 6379, HostIP: '127.0.0.1' }],
      },
    },
    TaskStates: {
      redis: {
        State: 'running',
        Failed: false,
        Restarts: 0,
        LastRestart: null,
        StartedAt: '2019-08-31T22:58:49Z',
        FinishedAt: null,
        Events: [
          event('Received', '2019-08-31T22:58:40Z'),
          event('Task Setup', '2019-08-31T22:58:40Z', { Message: 'Building Task Directory' }),
          event('Driver', '2019-08-31T22:58:40Z', { DriverMessage: 'Downloading image redis:3.2' }),
          event('Started', '2019-08-31T22:58:49Z'),
        ],
      },
    },
  };
}

export function summary(): JobSummary {
  return {
    JobID: 'example',
    Namespace: 'default',
    Summary: { cache: { Queued: 0, Complete: 0, Failed: 0, Running: 1, Starting: 0, Lost: 0, Unknown: 0 } },
    Children: { Pending: 0, Running: 0, Dead: 0 },
    CreateIndex: 7,
    ModifyIndex: 14,
  };
}

export function deployment(status: Deployment['Status'] = 'successful'): Deployment {
  return {
    ID: DEPLOYMENT_ID,
    Namespace: 'default',
    JobID: 'example',
    JobVersion: 0,
    JobModifyIndex: 7,
    JobSpecModifyIndex: 7,
    JobCreateIndex: 7,
    IsMultiregion: false,
    TaskGroups: {
      cache: {
        AutoRevert: false,
        AutoPromote: false,
        ProgressDeadline: 600e9,
        RequireProgressBy: '2019-08-31T23:09:00Z',
        Promoted: false,
        PlacedCanaries: null,
        DesiredCanaries: 0,
        DesiredTotal: 1,
        PlacedAllocs: 1,
        HealthyAllocs: status === 'successful' ? 1 : 0,
        UnhealthyAllocs: 0,
      },
    },
    Status: status,
    StatusDescription:
      status === 'successful' ? 'Deployment completed successfully' : 'Deployment is running',
    EvalPriority: 50,
    CreateIndex: 11,
    ModifyIndex: 16,
    CreateTime: SUBMIT_MS * MS_NS,
    ModifyTime: SUBMIT_MS * MS_NS,
  };
}
