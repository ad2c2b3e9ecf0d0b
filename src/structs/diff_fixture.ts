/**
 * A fully populated example job (the one `nomad job init` writes, canonicalized by hand) for tests of
 * the diff and of the CLI's plan printer. Tests copy it with structuredClone() and edit the copy.
 */
import type { Job, Task, TaskGroup } from './job.ts';

const SECOND_NS = 1e9;

export function exampleTask(): Task {
  return {
    Name: 'redis',
    Driver: 'docker',
    User: '',
    Config: { image: 'redis:3.2', port_map: [{ db: 6379 }] },
    Env: null,
    Services: null,
    Vault: null,
    Consul: null,
    Templates: null,
    Constraints: null,
    Affinities: null,
    Resources: {
      CPU: 500,
      Cores: 0,
      MemoryMB: 256,
      MemoryMaxMB: 0,
      DiskMB: 0,
      IOPS: 0,
      SecretsMB: 0,
      Networks: null,
      Devices: null,
    },
    RestartPolicy: null,
    DispatchPayload: null,
    Lifecycle: null,
    Meta: null,
    KillTimeout: 5 * SECOND_NS,
    LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false },
    Artifacts: null,
    Leader: false,
    ShutdownDelay: 0,
    VolumeMounts: null,
    KillSignal: '',
    Kind: '',
    Identity: null,
    Identities: null,
    ScalingPolicies: null,
  };
}

export function exampleGroup(): TaskGroup {
  return {
    Name: 'cache',
    Count: 1,
    Update: {
      Stagger: 30 * SECOND_NS,
      MaxParallel: 1,
      HealthCheck: 'checks',
      MinHealthyTime: 10 * SECOND_NS,
      HealthyDeadline: 180 * SECOND_NS,
      ProgressDeadline: 600 * SECOND_NS,
      AutoRevert: false,
      AutoPromote: false,
      Canary: 0,
    },
    Migrate: {
      MaxParallel: 1,
      HealthCheck: 'checks',
      MinHealthyTime: 10 * SECOND_NS,
      HealthyDeadline: 300 * SECOND_NS,
    },
    Constraints: null,
    Scaling: null,
    RestartPolicy: {
      Attempts: 2,
      Interval: 1800 * SECOND_NS,
      Delay: 15 * SECOND_NS,
      Mode: 'fail',
      RenderTemplates: false,
    },
    Tasks: [exampleTask()],
    EphemeralDisk: { Sticky: false, SizeMB: 300, Migrate: false },
    Meta: null,
    ReschedulePolicy: null,
    Affinities: null,
    Spreads: null,
    Networks: [
      {
        Mode: '',
        Device: '',
        CIDR: '',
        IP: '',
        Hostname: '',
        MBits: 0,
        DNS: null,
        ReservedPorts: null,
        DynamicPorts: [{ Label: 'db', Value: 0, To: 6379, HostNetwork: 'default' }],
      },
    ],
    Consul: null,
    Services: null,
    Volumes: null,
    ShutdownDelay: null,
    StopAfterClientDisconnect: null,
    MaxClientDisconnect: null,
    PreventRescheduleOnLost: false,
    Disconnect: null,
    MaxRunDuration: null,
  };
}

export function exampleJob(): Job {
  const group = exampleGroup();
  return {
    Region: 'global',
    Namespace: 'default',
    ID: 'example',
    ParentID: '',
    Name: 'example',
    Type: 'service',
    Priority: 50,
    AllAtOnce: false,
    Datacenters: ['dc1'],
    NodePool: 'default',
    Constraints: null,
    Affinities: null,
    Spreads: null,
    TaskGroups: [group],
    Update: group.Update!,
    Multiregion: null,
    Periodic: null,
    ParameterizedJob: null,
    Dispatched: false,
    DispatchIdempotencyToken: '',
    Payload: null,
    Meta: null,
    ConsulToken: '',
    VaultToken: '',
    Stop: false,
    Status: 'running',
    StatusDescription: '',
    Stable: true,
    Version: 0,
    SubmitTime: 1567292320000000000,
    CreateIndex: 7,
    ModifyIndex: 9,
    JobModifyIndex: 7,
  };
}
