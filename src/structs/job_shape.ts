/**
 * The shape of a Job in Nomad's API JSON, field by field, for job_codec.ts to check bodies
 * against: each field's JSON type, so that a wrong type or an unknown field is named by its path.
 * Fields Nomad sends that nomad-ts does not model are listed in IGNORED_WHEN_EMPTY: accepted when
 * empty (as `nomad job inspect` prints them), refused when they carry a value.
 */

export type Shape =
  | 'string'
  | 'number'
  | 'bool'
  | 'any'
  | { list: Shape }
  | { map: Shape }
  | { obj: Readonly<Record<string, Shape>>; name: string };

const S = 'string';
const N = 'number';
const B = 'bool';
const list = (of: Shape): Shape => ({ list: of });
const map = (of: Shape): Shape => ({ map: of });
const obj = (name: string, fields: Record<string, Shape>): Shape => ({ obj: fields, name });

const CONSTRAINT = obj('Constraint', { LTarget: S, RTarget: S, Operand: S });
const AFFINITY = obj('Affinity', { LTarget: S, RTarget: S, Operand: S, Weight: N });
const SPREAD = obj('Spread', {
  Attribute: S,
  Weight: N,
  SpreadTarget: list(obj('SpreadTarget', { Value: S, Percent: N })),
});
const UPDATE = obj('UpdateStrategy', {
  Stagger: N,
  MaxParallel: N,
  HealthCheck: S,
  MinHealthyTime: N,
  HealthyDeadline: N,
  ProgressDeadline: N,
  AutoRevert: B,
  AutoPromote: B,
  Canary: N,
});
const MIGRATE = obj('MigrateStrategy', {
  MaxParallel: N,
  HealthCheck: S,
  MinHealthyTime: N,
  HealthyDeadline: N,
});
const RESCHEDULE = obj('ReschedulePolicy', {
  Attempts: N,
  Interval: N,
  Delay: N,
  DelayFunction: S,
  MaxDelay: N,
  Unlimited: B,
});
const RESTART = obj('RestartPolicy', { Attempts: N, Interval: N, Delay: N, Mode: S, RenderTemplates: B });
const PORT = obj('Port', { Label: S, Value: N, To: N, HostNetwork: S });
const NETWORK = obj('NetworkResource', {
  Mode: S,
  Device: S,
  CIDR: S,
  IP: S,
  Hostname: S,
  MBits: N,
  DNS: obj('DNSConfig', { Servers: list(S), Searches: list(S), Options: list(S) }),
  ReservedPorts: list(PORT),
  DynamicPorts: list(PORT),
});
const CHECK_RESTART = obj('CheckRestart', { Limit: N, Grace: N, IgnoreWarnings: B });
const CHECK = obj('ServiceCheck', {
  Name: S,
  Type: S,
  Command: S,
  Args: list(S),
  Path: S,
  Protocol: S,
  PortLabel: S,
  Expose: B,
  AddressMode: S,
  Interval: N,
  Timeout: N,
  InitialStatus: S,
  Method: S,
  Header: map(list(S)),
  Body: S,
  TLSServerName: S,
  TLSSkipVerify: B,
  GRPCService: S,
  GRPCUseTLS: B,
  TaskName: S,
  SuccessBeforePassing: N,
  FailuresBeforeCritical: N,
  FailuresBeforeWarning: N,
  OnUpdate: S,
  CheckRestart: CHECK_RESTART,
});
const SERVICE = obj('Service', {
  Name: S,
  TaskName: S,
  PortLabel: S,
  AddressMode: S,
  Address: S,
  EnableTagOverride: B,
  Tags: list(S),
  CanaryTags: list(S),
  Checks: list(CHECK),
  Meta: map(S),
  CanaryMeta: map(S),
  TaggedAddresses: map(S),
  OnUpdate: S,
  Provider: S,
  Cluster: S,
  Connect: 'any',
  Identity: 'any',
});
const SCALING = obj('ScalingPolicy', {
  ID: S,
  Type: S,
  Target: map(S),
  Min: N,
  Max: N,
  Policy: 'any',
  Enabled: B,
});
const TEMPLATE = obj('Template', {
  SourcePath: S,
  DestPath: S,
  EmbeddedTmpl: S,
  ChangeMode: S,
  ChangeSignal: S,
  ChangeScript: 'any',
  Splay: N,
  Perms: S,
  Uid: N,
  Gid: N,
  LeftDelim: S,
  RightDelim: S,
  Envvars: B,
  VaultGrace: N,
  Wait: obj('WaitConfig', { Min: N, Max: N }),
  ErrMissingKey: B,
  Once: B,
});
const ARTIFACT = obj('TaskArtifact', {
  GetterSource: S,
  GetterOptions: map(S),
  GetterHeaders: map(S),
  GetterMode: S,
  RelativeDest: S,
  Chown: B,
  GetterInsecure: B,
});
const RESOURCES = obj('Resources', {
  CPU: N,
  Cores: N,
  MemoryMB: N,
  MemoryMaxMB: N,
  DiskMB: N,
  IOPS: N,
  SecretsMB: N,
  Networks: list(NETWORK),
  Devices: list(
    obj('RequestedDevice', { Name: S, Count: N, Constraints: list(CONSTRAINT), Affinities: list(AFFINITY) }),
  ),
});
const TASK = obj('Task', {
  Name: S,
  Driver: S,
  User: S,
  Config: 'any',
  Env: map(S),
  Services: list(SERVICE),
  Vault: 'any',
  Consul: 'any',
  Templates: list(TEMPLATE),
  Constraints: list(CONSTRAINT),
  Affinities: list(AFFINITY),
  Resources: RESOURCES,
  RestartPolicy: RESTART,
  DispatchPayload: obj('DispatchPayloadConfig', { File: S }),
  Lifecycle: obj('TaskLifecycle', { Hook: S, Sidecar: B }),
  Meta: map(S),
  KillTimeout: N,
  LogConfig: obj('LogConfig', { MaxFiles: N, MaxFileSizeMB: N, Disabled: B }),
  Artifacts: list(ARTIFACT),
  Leader: B,
  ShutdownDelay: N,
  VolumeMounts: list(
    obj('VolumeMount', { Volume: S, Destination: S, ReadOnly: B, PropagationMode: S, SELinuxLabel: S }),
  ),
  KillSignal: S,
  Kind: S,
  Identity: 'any',
  Identities: list('any'),
  ScalingPolicies: list(SCALING),
});
const VOLUME = obj('VolumeRequest', {
  Name: S,
  Type: S,
  Source: S,
  ReadOnly: B,
  Sticky: B,
  AccessMode: S,
  AttachmentMode: S,
  MountOptions: obj('CSIMountOptions', { FSType: S, MountFlags: list(S) }),
  PerAlloc: B,
});
const GROUP = obj('TaskGroup', {
  Name: S,
  Count: N,
  Update: UPDATE,
  Migrate: MIGRATE,
  Constraints: list(CONSTRAINT),
  Scaling: SCALING,
  RestartPolicy: RESTART,
  Tasks: list(TASK),
  EphemeralDisk: obj('EphemeralDisk', { Sticky: B, SizeMB: N, Migrate: B }),
  Meta: map(S),
  ReschedulePolicy: RESCHEDULE,
  Affinities: list(AFFINITY),
  Spreads: list(SPREAD),
  Networks: list(NETWORK),
  Consul: 'any',
  Services: list(SERVICE),
  Volumes: map(VOLUME),
  ShutdownDelay: N,
  StopAfterClientDisconnect: N,
  MaxClientDisconnect: N,
  PreventRescheduleOnLost: B,
  Disconnect: obj('DisconnectStrategy', { LostAfter: N, Replace: B, Reconcile: S, StopOnClientAfter: N }),
  MaxRunDuration: N,
});

export const JOB_SHAPE: Shape = obj('Job', {
  Region: S,
  Namespace: S,
  ID: S,
  ParentID: S,
  Name: S,
  Type: S,
  Priority: N,
  AllAtOnce: B,
  Datacenters: list(S),
  NodePool: S,
  Constraints: list(CONSTRAINT),
  Affinities: list(AFFINITY),
  Spreads: list(SPREAD),
  TaskGroups: list(GROUP),
  Update: UPDATE,
  Multiregion: 'any',
  Periodic: obj('PeriodicConfig', {
    Enabled: B,
    Spec: S,
    Specs: list(S),
    SpecType: S,
    ProhibitOverlap: B,
    TimeZone: S,
  }),
  ParameterizedJob: obj('ParameterizedJobConfig', {
    Payload: S,
    MetaRequired: list(S),
    MetaOptional: list(S),
  }),
  Dispatched: B,
  DispatchIdempotencyToken: S,
  Payload: S,
  Reschedule: RESCHEDULE,
  Migrate: MIGRATE,
  Meta: map(S),
  ConsulToken: S,
  VaultToken: S,
  Stop: B,
  Status: S,
  StatusDescription: S,
  Stable: B,
  Version: N,
  SubmitTime: N,
  CreateIndex: N,
  ModifyIndex: N,
  JobModifyIndex: N,
  UI: 'any',
});

/** Fields of Nomad's JSON that nomad-ts does not model, by object name: fine when empty. */
export const IGNORED_WHEN_EMPTY: Readonly<Record<string, readonly string[]>> = {
  Job: ['ConsulNamespace', 'VaultNamespace', 'NomadTokenID', 'VersionTag'],
  Task: ['CSIPluginConfig', 'Secrets', 'Actions', 'Schedule'],
  Resources: ['NUMA'],
  NetworkResource: ['CNI'],
  Port: ['IgnoreCollision'],
  Service: ['Namespace', 'Kind', 'Weights'],
  ServiceCheck: ['Notes', 'Advertise'],
  LogConfig: ['Enabled'],
};
