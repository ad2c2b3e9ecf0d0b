/** Nodes and jobs for scheduler tests and benchmarks, with Nomad's defaults filled in. */
import type { Allocation } from '../../structs/allocation.ts';
import { allocName } from '../../structs/allocation.ts';
import type { Node } from '../../structs/node.ts';
import type { Job } from '../../structs/job.ts';
import { canonicalizeJob, type JobInput } from '../../structs/canonicalize.ts';
import { computeNodeClass } from '../node_class.ts';

export interface MockNodeOptions {
  id?: string;
  name?: string;
  datacenter?: string;
  nodeClass?: string;
  pool?: string;
  cpu?: number;
  memoryMb?: number;
  diskMb?: number;
  reservedCpu?: number;
  reservedMemoryMb?: number;
  reservedPorts?: string;
  attributes?: Record<string, string>;
  meta?: Record<string, string>;
  drivers?: Record<string, { detected: boolean; healthy: boolean }>;
  status?: Node['Status'];
  eligibility?: Node['SchedulingEligibility'];
  draining?: boolean;
  minDynamicPort?: number;
  maxDynamicPort?: number;
}

export function mockNodeId(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

export function mockNode(i: number, o: MockNodeOptions = {}): Node {
  const drivers = o.drivers ?? { mock: { detected: true, healthy: true } };
  const node: Node = {
    ID: o.id ?? mockNodeId(i),
    SecretID: '',
    Datacenter: o.datacenter ?? 'dc1',
    Name: o.name ?? `node-${i}`,
    HTTPAddr: '',
    TLSEnabled: false,
    Attributes: {
      'kernel.name': 'linux',
      'unique.hostname': `node-${i}`,
      'nomad.version': '1.10.0',
      ...o.attributes,
    },
    NodeResources: {
      Cpu: { CpuShares: o.cpu ?? 4000, TotalCpuCores: 4, ReservableCpuCores: null },
      Memory: { MemoryMB: o.memoryMb ?? 8192 },
      Disk: { DiskMB: o.diskMb ?? 100_000 },
      Networks: [
        {
          Mode: 'host',
          Device: 'eth0',
          CIDR: `10.0.${(i >> 8) & 255}.${i & 255}/32`,
          IP: `10.0.${(i >> 8) & 255}.${i & 255}`,
          MBits: 1000,
        },
      ],
      NodeNetworks: null,
      MinDynamicPort: o.minDynamicPort ?? 20000,
      MaxDynamicPort: o.maxDynamicPort ?? 32000,
    },
    ReservedResources: {
      Cpu: { CpuShares: o.reservedCpu ?? 0, ReservedCpuCores: null },
      Memory: { MemoryMB: o.reservedMemoryMb ?? 0 },
      Disk: { DiskMB: 0 },
      Networks: { ReservedHostPorts: o.reservedPorts ?? '' },
    },
    Links: null,
    Meta: { ...o.meta },
    NodeClass: o.nodeClass ?? '',
    NodePool: o.pool ?? 'default',
    ComputedClass: '',
    DrainStrategy:
      o.draining === true
        ? { DrainSpec: { Deadline: 0, IgnoreSystemJobs: false }, ForceDeadline: null, StartedAt: null }
        : null,
    SchedulingEligibility: o.eligibility ?? (o.draining === true ? 'ineligible' : 'eligible'),
    Status: o.status ?? 'ready',
    StatusDescription: '',
    StatusUpdatedAt: 0,
    Events: null,
    Drivers: Object.fromEntries(
      Object.entries(drivers).map(([k, d]) => [
        k,
        { Attributes: null, Detected: d.detected, Healthy: d.healthy, HealthDescription: '', UpdateTime: '' },
      ]),
    ),
    HostVolumes: null,
    LastDrain: null,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
  return { ...node, ComputedClass: computeNodeClass(node) };
}

/** A service job "web" with one group "web" of 3 "mock" tasks (100 MHz, 64 MB), unless told otherwise. */
export function mockJob(input: JobInput = {}, group: NonNullable<JobInput['TaskGroups']>[number] = {}): Job {
  return canonicalizeJob({
    ID: 'web',
    Type: 'service',
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'web',
        Count: 3,
        Tasks: [
          { Name: 'web', Driver: 'mock', Config: { run_for: '1h' }, Resources: { CPU: 100, MemoryMB: 64 } },
        ],
        EphemeralDisk: { SizeMB: 10 },
        ...group,
      },
    ],
    ...input,
  });
}

/** A running allocation of the job's first group (or `group`) on a node, index i. */
export function mockAlloc(job: Job, i: number, nodeId: string, o: Partial<Allocation> = {}): Allocation {
  const tg = job.TaskGroups.find((g) => g.Name === (o.TaskGroup ?? job.TaskGroups[0]!.Name))!;
  return {
    ID: `alloc-${tg.Name}-${i}-${o.ID ?? ''}`.replace(/-$/, ''),
    Namespace: job.Namespace,
    EvalID: 'eval-0',
    Name: allocName(job.ID, tg.Name, i),
    NodeID: nodeId,
    NodeName: '',
    JobID: job.ID,
    Job: job,
    TaskGroup: tg.Name,
    AllocatedResources: {
      Tasks: Object.fromEntries(
        tg.Tasks.map((t) => [
          t.Name,
          {
            Cpu: { CpuShares: t.Resources.CPU, ReservedCores: null },
            Memory: { MemoryMB: t.Resources.MemoryMB, MemoryMaxMB: 0 },
            Networks: null,
            Devices: null,
          },
        ]),
      ),
      TaskLifecycles: {},
      Shared: { DiskMB: tg.EphemeralDisk.SizeMB, Networks: null, Ports: null },
    },
    Metrics: null,
    DesiredStatus: 'run',
    DesiredDescription: '',
    DesiredTransition: { Migrate: null, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
    ClientStatus: 'running',
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
    ...o,
  };
}
