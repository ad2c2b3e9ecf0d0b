/** Builders for the client's tests: a canonical job, an allocation of it, this host as a node. */
import type { Allocation } from '../../structs/allocation.ts';
import { canonicalizeJob, type JobInput } from '../../structs/canonicalize.ts';
import type { Job } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';

let seq = 0;

/** A unique allocation ID per call (tests share one process). */
export function testAllocId(): string {
  seq += 1;
  const n = `${process.pid.toString(16)}${seq.toString(16)}`.padStart(12, '0').slice(-12);
  return `a110c000-0000-4000-8000-${n}`;
}

export function testJob(input: JobInput): Job {
  return canonicalizeJob({ ID: 'job', Name: 'job', Type: 'batch', Datacenters: ['dc1'], ...input });
}

export function testAlloc(job: Job, overrides: Partial<Allocation> = {}): Allocation {
  const tg = job.TaskGroups[0]!;
  return {
    ID: testAllocId(),
    Namespace: job.Namespace,
    EvalID: 'eval-1',
    Name: `${job.ID}.${tg.Name}[0]`,
    NodeID: 'node-1',
    NodeName: 'node-1',
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
    CreateIndex: 1,
    ModifyIndex: 1,
    AllocModifyIndex: 1,
    CreateTime: 0,
    ModifyTime: 0,
    ...overrides,
  };
}

export function testNode(overrides: Partial<Node> = {}): Node {
  return {
    ID: 'node-1',
    SecretID: 'secret',
    Datacenter: 'dc1',
    Name: 'node-1',
    HTTPAddr: '127.0.0.1:4646',
    TLSEnabled: false,
    Attributes: { 'kernel.name': 'linux', 'unique.network.ip-address': '127.0.0.1' },
    NodeResources: {
      Cpu: { CpuShares: 4000, TotalCpuCores: 4, ReservableCpuCores: null },
      Memory: { MemoryMB: 8192 },
      Disk: { DiskMB: 1024 },
      Networks: null,
      NodeNetworks: null,
      MinDynamicPort: 20000,
      MaxDynamicPort: 32000,
    },
    ReservedResources: null,
    Links: null,
    Meta: { rack: 'r1' },
    NodeClass: 'linux-test',
    NodePool: 'default',
    ComputedClass: 'v1:1',
    DrainStrategy: null,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    StatusUpdatedAt: 0,
    Events: null,
    Drivers: {},
    HostVolumes: null,
    LastDrain: null,
    CreateIndex: 1,
    ModifyIndex: 1,
    ...overrides,
  };
}

export const quietLogger = {
  debug: (): void => undefined,
  info: (): void => undefined,
  warn: (): void => undefined,
  error: (m: string, f?: Record<string, unknown>): void => console.error(m, f),
};
