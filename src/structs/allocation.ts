/** Allocations: one instance of a task group placed on a node, and what the client reports of it. */
import type { Job, Port } from './job.ts';

export type AllocClientStatus = 'pending' | 'running' | 'complete' | 'failed' | 'lost' | 'unknown';
export type AllocDesiredStatus = 'run' | 'stop' | 'evict';
export type TaskStateName = 'pending' | 'running' | 'dead';

export interface TaskEvent {
  Type: string;
  Time: number; // unix nanoseconds
  Message: string;
  DisplayMessage: string;
  Details: Record<string, string>;
  FailsTask: boolean;
  RestartReason: string;
  SetupError: string;
  DriverError: string;
  ExitCode: number;
  Signal: number;
  KillTimeout: number;
  KillError: string;
  KillReason: string;
  StartDelay: number;
  DownloadError: string;
  ValidationError: string;
  DiskLimit: number;
  FailedSibling: string;
  VaultError: string;
  TaskSignalReason: string;
  TaskSignal: string;
  DriverMessage: string;
  GenericSource: string;
}

export interface TaskState {
  State: TaskStateName;
  Failed: boolean;
  Restarts: number;
  LastRestart: string | null; // RFC 3339, null when never restarted
  StartedAt: string | null;
  FinishedAt: string | null;
  Events: TaskEvent[];
}

export interface AllocatedPortMapping {
  Label: string;
  Value: number;
  To: number;
  HostIP: string;
}

export interface AllocatedTaskResources {
  Cpu: { CpuShares: number; ReservedCores: number[] | null };
  Memory: { MemoryMB: number; MemoryMaxMB: number };
  Networks: unknown[] | null;
  Devices: unknown[] | null;
}

export interface AllocatedSharedResources {
  DiskMB: number;
  Networks: AllocNetwork[] | null;
  Ports: AllocatedPortMapping[] | null;
}

/** The network the scheduler assigned to a group: an IP and its ports. */
export interface AllocNetwork {
  Mode: string;
  Device: string;
  IP: string;
  MBits: number;
  ReservedPorts: Port[] | null;
  DynamicPorts: Port[] | null;
}

export interface AllocatedResources {
  Tasks: Record<string, AllocatedTaskResources>;
  TaskLifecycles: Record<string, { Hook: string; Sidecar: boolean } | null>;
  Shared: AllocatedSharedResources;
}

export interface RescheduleEvent {
  RescheduleTime: number; // unix nanoseconds
  PrevAllocID: string;
  PrevNodeID: string;
  Delay: number;
}

export interface RescheduleTracker {
  Events: RescheduleEvent[];
}

export interface AllocDeploymentStatus {
  Healthy: boolean | null;
  Timestamp: string; // RFC 3339
  Canary: boolean;
  ModifyIndex: number;
}

export interface NodeScoreMeta {
  NodeID: string;
  Scores: Record<string, number>;
  NormScore: number;
}

/** Why a placement went where it did, or failed: shown by `alloc status -verbose` and the monitors. */
export interface AllocMetric {
  NodesEvaluated: number;
  NodesFiltered: number;
  NodesInPool: number;
  NodesAvailable: Record<string, number>;
  ClassFiltered: Record<string, number> | null;
  ConstraintFiltered: Record<string, number> | null;
  NodesExhausted: number;
  ClassExhausted: Record<string, number> | null;
  DimensionExhausted: Record<string, number> | null;
  QuotaExhausted: string[] | null;
  ResourcesExhausted: Record<string, unknown> | null;
  ScoreMetaData: NodeScoreMeta[] | null;
  AllocationTime: number;
  CoalescedFailures: number;
}

export interface DesiredTransition {
  Migrate: boolean | null;
  Reschedule: boolean | null;
  ForceReschedule: boolean | null;
  NoShutdownDelay: boolean | null;
}

export interface Allocation {
  ID: string;
  Namespace: string;
  EvalID: string;
  Name: string; // "<job>.<group>[<index>]"
  NodeID: string;
  NodeName: string;
  JobID: string;
  /** The job version this allocation runs. Kept with the allocation, as Nomad does. */
  Job: Job | null;
  TaskGroup: string;
  AllocatedResources: AllocatedResources | null;
  Metrics: AllocMetric | null;
  DesiredStatus: AllocDesiredStatus;
  DesiredDescription: string;
  DesiredTransition: DesiredTransition;
  ClientStatus: AllocClientStatus;
  ClientDescription: string;
  TaskStates: Record<string, TaskState> | null;
  PreviousAllocation: string;
  NextAllocation: string;
  DeploymentID: string;
  DeploymentStatus: AllocDeploymentStatus | null;
  RescheduleTracker: RescheduleTracker | null;
  FollowupEvalID: string;
  PreemptedAllocations: string[] | null;
  PreemptedByAllocation: string;
  CreateIndex: number;
  ModifyIndex: number;
  AllocModifyIndex: number;
  CreateTime: number; // unix nanoseconds
  ModifyTime: number;
}

/** The list view of an allocation (GET /v1/allocations, /v1/job/:id/allocations). */
export interface AllocListStub {
  ID: string;
  EvalID: string;
  Name: string;
  Namespace: string;
  NodeID: string;
  NodeName: string;
  JobID: string;
  JobType: string;
  JobVersion: number;
  TaskGroup: string;
  AllocatedResources: AllocatedResources | null;
  DesiredStatus: AllocDesiredStatus;
  DesiredDescription: string;
  ClientStatus: AllocClientStatus;
  ClientDescription: string;
  DesiredTransition: DesiredTransition;
  TaskStates: Record<string, TaskState> | null;
  DeploymentStatus: AllocDeploymentStatus | null;
  FollowupEvalID: string;
  NextAllocation: string;
  RescheduleTracker: RescheduleTracker | null;
  PreemptedAllocations: string[] | null;
  PreemptedByAllocation: string;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

export function allocTerminal(a: Pick<Allocation, 'DesiredStatus' | 'ClientStatus'>): boolean {
  return a.DesiredStatus !== 'run' || clientTerminal(a.ClientStatus);
}

export function clientTerminal(s: AllocClientStatus): boolean {
  return s === 'complete' || s === 'failed' || s === 'lost';
}

export function allocIndex(name: string): number {
  const m = /\[(\d+)\]$/.exec(name);
  return m === null ? 0 : Number(m[1]);
}

export function allocName(jobId: string, group: string, index: number): string {
  return `${jobId}.${group}[${index}]`;
}
