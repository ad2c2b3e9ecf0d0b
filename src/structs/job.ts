/**
 * The job model, in Nomad's own shape: the field names are the API's (PascalCase) so that the
 * model, the log entries and the HTTP JSON are one shape with no conversion layer to drift.
 * Durations are integer nanoseconds, as in Nomad's JSON. Optional fields are filled in by
 * canonicalizeJob(); after that, readers may rely on the defaults being present.
 */

export type JobType = 'service' | 'batch' | 'system' | 'sysbatch';
export type JobStatus = 'pending' | 'running' | 'dead';

export interface Constraint {
  LTarget: string;
  RTarget: string;
  Operand: string;
}

export interface Affinity {
  LTarget: string;
  RTarget: string;
  Operand: string;
  Weight: number;
}

export interface SpreadTarget {
  Value: string;
  Percent: number;
}

export interface Spread {
  Attribute: string;
  Weight: number;
  SpreadTarget: SpreadTarget[] | null;
}

export interface UpdateStrategy {
  Stagger: number;
  MaxParallel: number;
  HealthCheck: 'checks' | 'task_states' | 'manual' | string;
  MinHealthyTime: number;
  HealthyDeadline: number;
  ProgressDeadline: number;
  AutoRevert: boolean;
  AutoPromote: boolean;
  Canary: number;
}

export interface MigrateStrategy {
  MaxParallel: number;
  HealthCheck: string;
  MinHealthyTime: number;
  HealthyDeadline: number;
}

export interface ReschedulePolicy {
  Attempts: number;
  Interval: number;
  Delay: number;
  DelayFunction: 'constant' | 'exponential' | 'fibonacci' | string;
  MaxDelay: number;
  Unlimited: boolean;
}

export interface RestartPolicy {
  Attempts: number;
  Interval: number;
  Delay: number;
  Mode: 'fail' | 'delay' | string;
  RenderTemplates: boolean;
}

export interface PeriodicConfig {
  Enabled: boolean;
  Spec: string;
  Specs: string[] | null;
  SpecType: 'cron' | string;
  ProhibitOverlap: boolean;
  TimeZone: string;
}

export interface ParameterizedJobConfig {
  Payload: 'optional' | 'required' | 'forbidden' | string;
  MetaRequired: string[] | null;
  MetaOptional: string[] | null;
}

export interface Port {
  Label: string;
  Value: number;
  To: number;
  HostNetwork: string;
}

export interface DNSConfig {
  Servers: string[] | null;
  Searches: string[] | null;
  Options: string[] | null;
}

export interface NetworkResource {
  Mode: string;
  Device: string;
  CIDR: string;
  IP: string;
  Hostname: string;
  MBits: number;
  DNS: DNSConfig | null;
  ReservedPorts: Port[] | null;
  DynamicPorts: Port[] | null;
}

export interface CheckRestart {
  Limit: number;
  Grace: number;
  IgnoreWarnings: boolean;
}

export interface ServiceCheck {
  Name: string;
  Type: string;
  Command: string;
  Args: string[] | null;
  Path: string;
  Protocol: string;
  PortLabel: string;
  Expose: boolean;
  AddressMode: string;
  Interval: number;
  Timeout: number;
  InitialStatus: string;
  Method: string;
  Header: Record<string, string[]> | null;
  Body: string;
  TLSServerName: string;
  TLSSkipVerify: boolean;
  GRPCService: string;
  GRPCUseTLS: boolean;
  TaskName: string;
  SuccessBeforePassing: number;
  FailuresBeforeCritical: number;
  FailuresBeforeWarning: number;
  OnUpdate: string;
  CheckRestart: CheckRestart | null;
}

export interface Service {
  Name: string;
  TaskName: string;
  PortLabel: string;
  AddressMode: string;
  Address: string;
  EnableTagOverride: boolean;
  Tags: string[] | null;
  CanaryTags: string[] | null;
  Checks: ServiceCheck[] | null;
  Meta: Record<string, string> | null;
  CanaryMeta: Record<string, string> | null;
  TaggedAddresses: Record<string, string> | null;
  OnUpdate: string;
  Provider: 'consul' | 'nomad' | string;
  Cluster: string;
  /** Blocks we accept and keep but do not act on (connect, identity, weights). */
  Connect?: unknown;
  Identity?: unknown;
}

export interface EphemeralDisk {
  Sticky: boolean;
  SizeMB: number;
  Migrate: boolean;
}

export interface VolumeRequest {
  Name: string;
  Type: 'host' | 'csi' | string;
  Source: string;
  ReadOnly: boolean;
  Sticky: boolean;
  AccessMode: string;
  AttachmentMode: string;
  MountOptions: { FSType: string; MountFlags: string[] | null } | null;
  PerAlloc: boolean;
}

export interface VolumeMount {
  Volume: string;
  Destination: string;
  ReadOnly: boolean;
  PropagationMode: string;
  SELinuxLabel: string;
}

export interface DisconnectStrategy {
  LostAfter: number;
  Replace: boolean | null;
  Reconcile: string;
  StopOnClientAfter: number | null;
}

export interface ScalingPolicy {
  ID: string;
  Type: string;
  Target: Record<string, string> | null;
  Min: number;
  Max: number;
  Policy: Record<string, unknown> | null;
  Enabled: boolean;
}

export interface RequestedDevice {
  Name: string;
  Count: number;
  Constraints: Constraint[] | null;
  Affinities: Affinity[] | null;
}

export interface Resources {
  CPU: number;
  Cores: number;
  MemoryMB: number;
  MemoryMaxMB: number;
  DiskMB: number;
  IOPS: number;
  SecretsMB: number;
  Networks: NetworkResource[] | null;
  Devices: RequestedDevice[] | null;
}

export interface LogConfig {
  MaxFiles: number;
  MaxFileSizeMB: number;
  Disabled: boolean;
}

export interface TaskLifecycle {
  Hook: 'prestart' | 'poststart' | 'poststop' | string;
  Sidecar: boolean;
}

export interface Template {
  SourcePath: string;
  DestPath: string;
  EmbeddedTmpl: string;
  ChangeMode: 'restart' | 'signal' | 'script' | 'noop' | string;
  ChangeSignal: string;
  ChangeScript: unknown;
  Splay: number;
  Perms: string;
  Uid: number | null;
  Gid: number | null;
  LeftDelim: string;
  RightDelim: string;
  Envvars: boolean;
  VaultGrace: number;
  Wait: { Min: number | null; Max: number | null } | null;
  ErrMissingKey: boolean;
  Once: boolean;
}

export interface TaskArtifact {
  GetterSource: string;
  GetterOptions: Record<string, string> | null;
  GetterHeaders: Record<string, string> | null;
  GetterMode: 'any' | 'file' | 'dir' | string;
  RelativeDest: string;
  Chown: boolean;
  GetterInsecure: boolean;
}

export interface DispatchPayloadConfig {
  File: string;
}

export interface Task {
  Name: string;
  Driver: string;
  User: string;
  /** The driver's own configuration, with the job file's keys (e.g. "image", "ports"). */
  Config: Record<string, unknown> | null;
  Env: Record<string, string> | null;
  Services: Service[] | null;
  Vault: Record<string, unknown> | null;
  Consul: Record<string, unknown> | null;
  Templates: Template[] | null;
  Constraints: Constraint[] | null;
  Affinities: Affinity[] | null;
  Resources: Resources;
  RestartPolicy: RestartPolicy | null;
  DispatchPayload: DispatchPayloadConfig | null;
  Lifecycle: TaskLifecycle | null;
  Meta: Record<string, string> | null;
  KillTimeout: number;
  LogConfig: LogConfig;
  Artifacts: TaskArtifact[] | null;
  Leader: boolean;
  ShutdownDelay: number;
  VolumeMounts: VolumeMount[] | null;
  KillSignal: string;
  Kind: string;
  Identity: Record<string, unknown> | null;
  Identities: Record<string, unknown>[] | null;
  ScalingPolicies: ScalingPolicy[] | null;
}

export interface TaskGroup {
  Name: string;
  Count: number;
  Update: UpdateStrategy | null;
  Migrate: MigrateStrategy | null;
  Constraints: Constraint[] | null;
  Scaling: ScalingPolicy | null;
  RestartPolicy: RestartPolicy;
  Tasks: Task[];
  EphemeralDisk: EphemeralDisk;
  Meta: Record<string, string> | null;
  ReschedulePolicy: ReschedulePolicy | null;
  Affinities: Affinity[] | null;
  Spreads: Spread[] | null;
  Networks: NetworkResource[] | null;
  Consul: Record<string, unknown> | null;
  Services: Service[] | null;
  Volumes: Record<string, VolumeRequest> | null;
  ShutdownDelay: number | null;
  StopAfterClientDisconnect: number | null;
  MaxClientDisconnect: number | null;
  PreventRescheduleOnLost: boolean;
  Disconnect: DisconnectStrategy | null;
  MaxRunDuration: number | null;
}

export interface Job {
  Region: string;
  Namespace: string;
  ID: string;
  ParentID: string;
  Name: string;
  Type: JobType;
  Priority: number;
  AllAtOnce: boolean;
  Datacenters: string[];
  NodePool: string;
  Constraints: Constraint[] | null;
  Affinities: Affinity[] | null;
  Spreads: Spread[] | null;
  TaskGroups: TaskGroup[];
  Update: UpdateStrategy;
  Multiregion: unknown;
  Periodic: PeriodicConfig | null;
  ParameterizedJob: ParameterizedJobConfig | null;
  Dispatched: boolean;
  DispatchIdempotencyToken: string;
  Payload: string | null;
  Reschedule?: ReschedulePolicy | null;
  Migrate?: MigrateStrategy | null;
  Meta: Record<string, string> | null;
  ConsulToken: string;
  VaultToken: string;
  Stop: boolean;
  Status: JobStatus;
  StatusDescription: string;
  Stable: boolean;
  Version: number;
  SubmitTime: number;
  CreateIndex: number;
  ModifyIndex: number;
  JobModifyIndex: number;
  /** Accepted and kept for the UI's sake. */
  UI?: unknown;
}

export const JOB_DEFAULT_PRIORITY = 50;
export const JOB_MIN_PRIORITY = 1;
export const JOB_MAX_PRIORITY = 100;
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_REGION = 'global';
export const DEFAULT_NODE_POOL = 'default';
