/** Builders for the server's tests: evaluations and seeded ID sources. */
import { rngFromSeed, uuidFrom, type IdSource } from '../../lib/random.ts';
import type { Allocation } from '../../structs/allocation.ts';
import type { Evaluation } from '../../structs/evaluation.ts';
import type { Job } from '../../structs/job.ts';
import type { Plan } from '../../structs/plan.ts';
import { mockAlloc } from '../../state/testing/mocks.ts';

export function seededIds(seed: string | number = 'ids'): IdSource {
  const rng = rngFromSeed(seed);
  return { uuid: () => uuidFrom(rng) };
}

let evalSeq = 0;

export function mockEval(overrides: Partial<Evaluation> = {}): Evaluation {
  evalSeq++;
  return {
    ID: `eval-${evalSeq}`,
    Namespace: 'default',
    Priority: 50,
    Type: 'service',
    TriggeredBy: 'job-register',
    JobID: `job-${evalSeq}`,
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
    CreateIndex: evalSeq,
    ModifyIndex: evalSeq,
    CreateTime: 0,
    ModifyTime: 0,
    ...overrides,
  };
}

/** Resources an allocation claims, for plan applier tests. */
export interface AllocSize {
  cpu: number;
  memoryMb: number;
  ports?: number[];
}

/** A fresh allocation (as a scheduler would place it) of `job` on `nodeId` with the given size. */
export function sizedAlloc(id: string, job: Job, nodeId: string, size: AllocSize): Allocation {
  const tg = job.TaskGroups[0]!;
  const task = tg.Tasks[0]!;
  return mockAlloc(id, job, nodeId, {
    AllocatedResources: {
      Tasks: {
        [task.Name]: {
          Cpu: { CpuShares: size.cpu, ReservedCores: null },
          Memory: { MemoryMB: size.memoryMb, MemoryMaxMB: 0 },
          Networks: null,
          Devices: null,
        },
      },
      TaskLifecycles: { [task.Name]: null },
      Shared: {
        DiskMB: 0,
        Networks: null,
        Ports: (size.ports ?? []).map((p) => ({ Label: `p${p}`, Value: p, To: 0, HostIP: '10.0.0.1' })),
      },
    },
    CreateTime: 0,
    ModifyTime: 0,
  });
}

/** An empty plan for the job's evaluation. */
export function emptyPlan(job: Job | null, overrides: Partial<Plan> = {}): Plan {
  return {
    EvalID: 'eval-plan',
    EvalToken: '',
    Priority: job?.Priority ?? 50,
    AllAtOnce: false,
    Job: job,
    NodeUpdate: {},
    NodeAllocation: {},
    NodePreemptions: {},
    Annotations: null,
    Deployment: null,
    DeploymentUpdates: null,
    SnapshotIndex: 0,
    ...overrides,
  };
}
