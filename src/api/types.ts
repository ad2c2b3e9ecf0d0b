/**
 * The HTTP API's wire shapes that are not model objects: list stubs, requests and responses of the
 * endpoints, agent and client views. Field names are Nomad's (its api package), so the server side
 * (src/http) and this client share one definition. Model objects come from src/structs.
 */
import type { AllocMetric } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { DrainSpec, DriverInfo, NodeReservedResources, NodeResources } from '../structs/node.ts';
import type { PlanAnnotations } from '../structs/plan.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';

export type { JobListStub } from '../structs/list_stubs.ts';

export interface NodeListStub {
  Address: string;
  ID: string;
  Attributes?: Record<string, string>;
  Datacenter: string;
  Name: string;
  NodeClass: string;
  NodePool: string;
  Version: string;
  Drain: boolean;
  SchedulingEligibility: string;
  Status: string;
  StatusDescription: string;
  Drivers: Record<string, DriverInfo>;
  NodeResources?: NodeResources;
  ReservedResources?: NodeReservedResources | null;
  LastDrain: unknown;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface JobRegisterRequest {
  Job: Job;
  EnforceIndex?: boolean;
  JobModifyIndex?: number;
  PolicyOverride?: boolean;
  PreserveCounts?: boolean;
  PreserveResources?: boolean;
  EvalPriority?: number;
  Submission?: unknown;
}

export interface JobRegisterResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  Warnings: string;
  Index: number;
}

export interface JobDeregisterResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  Index: number;
}

export interface JobsParseRequest {
  JobHCL: string;
  Variables?: string;
  Canonicalize?: boolean;
}

export interface JobValidateResponse {
  DriverConfigValidated: boolean;
  ValidationErrors: string[];
  Error: string;
  Warnings: string;
}

export interface JobPlanResponse {
  JobModifyIndex: number;
  CreatedEvals: Evaluation[] | null;
  /** A JobDiff (src/structs/diff.ts) when the request asked for one. */
  Diff: unknown;
  Annotations: PlanAnnotations | null;
  FailedTGAllocs: Record<string, AllocMetric> | null;
  /** RFC 3339; the zero time when the job is not periodic. */
  NextPeriodicLaunch: string;
  Warnings: string;
  Index: number;
}

export interface JobVersionsResponse {
  Versions: Job[];
  /** JobDiffs (src/structs/diff.ts) between consecutive versions, with ?diffs=true. */
  Diffs: unknown[] | null;
}

export interface JobEvaluateResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  Index: number;
}

export interface PeriodicForceResponse {
  EvalID: string;
  EvalCreateIndex: number;
  Index: number;
}

export interface JobDispatchRequest {
  JobID?: string;
  /** Base64, as Go encodes []byte. */
  Payload?: string | null;
  Meta?: Record<string, string> | null;
  IdPrefixTemplate?: string;
  Priority?: number;
}

export interface JobDispatchResponse {
  DispatchedJobID: string;
  EvalID: string;
  EvalCreateIndex: number;
  JobCreateIndex: number;
  Index: number;
}

export interface JobRevertRequest {
  JobID?: string;
  JobVersion: number;
  EnforcePriorVersion?: number | null;
}

export interface JobStabilityRequest {
  JobID?: string;
  JobVersion: number;
  Stable: boolean;
}

export interface JobStabilityResponse {
  JobModifyIndex: number;
  Index: number;
}

export interface ScalingRequest {
  Count?: number | null;
  Target: Record<string, string>;
  Message?: string;
  Error?: boolean;
  Meta?: Record<string, unknown> | null;
  PolicyOverride?: boolean;
}

export interface TaskGroupScaleStatus {
  Desired: number;
  Placed: number;
  Running: number;
  Healthy: number;
  Unhealthy: number;
  Events: unknown[] | null;
}

export interface JobScaleStatusResponse {
  JobID: string;
  Namespace: string;
  JobCreateIndex: number;
  JobModifyIndex: number;
  JobStopped: boolean;
  TaskGroups: Record<string, TaskGroupScaleStatus>;
}

export interface AllocStopResponse {
  EvalID: string;
  Index: number;
}

export interface AllocSignalRequest {
  Task: string;
  Signal: string;
}

export interface AllocRestartRequest {
  TaskName: string;
  AllTasks: boolean;
}

export interface DeploymentUpdateResponse {
  EvalID: string;
  EvalCreateIndex: number;
  DeploymentModifyIndex: number;
  RevertedJobVersion: number | null;
  Index: number;
}

export interface DeploymentPromoteRequest {
  DeploymentID?: string;
  All: boolean;
  Groups: string[] | null;
}

export interface DeploymentPauseRequest {
  DeploymentID?: string;
  Pause: boolean;
}

export interface NodeUpdateDrainRequest {
  NodeID?: string;
  DrainSpec: DrainSpec | null;
  MarkEligible: boolean;
  Meta?: Record<string, string> | null;
}

export interface NodeUpdateEligibilityRequest {
  NodeID?: string;
  Eligibility: 'eligible' | 'ineligible';
}

export interface NodeUpdateResponse {
  NodeModifyIndex: number;
  EvalIDs: string[] | null;
  EvalCreateIndex: number;
  Index: number;
}

export interface AgentMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: string;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

export interface ServerMembers {
  ServerName: string;
  ServerRegion: string;
  ServerDC: string;
  Members: AgentMember[];
}

export interface AgentSelf {
  config: Record<string, unknown>;
  member: AgentMember | null;
  stats: Record<string, Record<string, string>>;
}

export interface AgentHealth {
  ok: boolean;
  message: string;
}

export interface AgentHealthResponse {
  client?: AgentHealth;
  server?: AgentHealth;
}

export interface JoinResponse {
  num_joined: number;
  error: string;
}

export type SearchContext = 'jobs' | 'evals' | 'allocs' | 'nodes' | 'deployment' | 'namespaces' | 'all';

export interface SearchRequest {
  Prefix: string;
  Context: SearchContext;
  Namespace?: string;
}

export interface SearchResponse {
  Matches: Record<string, string[]>;
  Truncations: Record<string, boolean>;
  Index: number;
}

export interface AllocFileInfo {
  Name: string;
  IsDir: boolean;
  Size: number;
  FileMode: string;
  /** RFC 3339. */
  ModTime: string;
  ContentType: string;
}

/** One frame of a log or file stream; Data is base64 as Go encodes []byte. */
export interface StreamFrame {
  Offset?: number;
  Data?: string;
  File?: string;
  FileEvent?: string;
}

export interface MemoryStats {
  RSS: number;
  Cache: number;
  Swap: number;
  Usage: number;
  MaxUsage: number;
  KernelUsage: number;
  KernelMaxUsage: number;
  Measured: string[] | null;
}

export interface CpuStats {
  SystemMode: number;
  UserMode: number;
  TotalTicks: number;
  ThrottledPeriods: number;
  ThrottledTime: number;
  Percent: number;
  Measured: string[] | null;
}

export interface ResourceUsage {
  MemoryStats: MemoryStats;
  CpuStats: CpuStats;
  DeviceStats: unknown[] | null;
}

export interface TaskResourceUsage {
  ResourceUsage: ResourceUsage;
  /** Unix nanoseconds. */
  Timestamp: number;
  Pids: Record<string, ResourceUsage> | null;
}

export interface AllocResourceUsage {
  ResourceUsage: ResourceUsage;
  Tasks: Record<string, TaskResourceUsage>;
  Timestamp: number;
}

export interface HostMemoryStats {
  Total: number;
  Available: number;
  Used: number;
  Free: number;
}

export interface HostCpuStats {
  CPU: string;
  User: number;
  System: number;
  Idle: number;
}

export interface HostDiskStats {
  Device: string;
  Mountpoint: string;
  Size: number;
  Used: number;
  Available: number;
  UsedPercent: number;
  InodesUsedPercent: number;
}

export interface HostStats {
  Memory: HostMemoryStats | null;
  CPU: HostCpuStats[] | null;
  DiskStats: HostDiskStats[] | null;
  AllocDirStats: HostDiskStats | null;
  DeviceStats: unknown[] | null;
  Uptime: number;
  CPUTicksConsumed: number;
  /** Unix nanoseconds. */
  Timestamp: number;
}

export interface GaugeValue {
  Name: string;
  Value: number;
  Labels: Record<string, string>;
}

export interface SampledValue {
  Name: string;
  Count: number;
  Rate: number;
  Sum: number;
  Min: number;
  Max: number;
  Mean: number;
  Stddev: number;
  Labels: Record<string, string>;
}

export interface MetricsSummary {
  Timestamp: string;
  Gauges: GaugeValue[];
  Points: { Name: string; Points: number[] }[];
  Counters: SampledValue[];
  Samples: SampledValue[];
}

export interface SchedulerConfigurationResponse {
  SchedulerConfig: SchedulerConfiguration;
  Index: number;
}

export interface SchedulerSetConfigurationResponse {
  Updated: boolean;
  Index: number;
}

export interface NamespaceInfo {
  Name: string;
  Description: string;
  Meta: Record<string, string> | null;
  CreateIndex: number;
  ModifyIndex: number;
}

/** One event of the event stream (/v1/event/stream). */
export interface StreamEvent {
  Topic: string;
  Type: string;
  Key: string;
  Namespace: string;
  FilterKeys: string[] | null;
  Index: number;
  Payload: Record<string, unknown>;
}

/** One line of the event stream: the events of one index. Heartbeats ({}) are not surfaced. */
export interface StreamEvents {
  Index: number;
  Events: StreamEvent[];
}

/** One server in the raft configuration, as /v1/operator/raft/configuration lists it. */
export interface RaftServerInfo {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
  RaftProtocol: string;
}

/** /v1/operator/raft/configuration. */
export interface RaftConfiguration {
  Servers: RaftServerInfo[];
  Index: number;
}

/** Autopilot's settings, in Nomad's JSON (durations as Go duration strings). */
export interface AutopilotConfiguration {
  CleanupDeadServers: boolean;
  LastContactThreshold: string;
  MaxTrailingLogs: number;
  MinQuorum: number;
  ServerStabilizationTime: string;
  EnableRedundancyZones: boolean;
  DisableUpgradeMigration: boolean;
  EnableCustomUpgrades: boolean;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface ServerHealthInfo {
  ID: string;
  Name: string;
  Address: string;
  SerfStatus: string;
  Version: string;
  Leader: boolean;
  LastContact: string;
  LastTerm: number;
  LastIndex: number;
  Healthy: boolean;
  Voter: boolean;
  StableSince: string;
}

export interface OperatorHealthReply {
  Healthy: boolean;
  FailureTolerance: number;
  Leader: string;
  Voters: string[];
  Servers: ServerHealthInfo[];
}
