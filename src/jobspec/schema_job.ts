/** The job, group and task blocks and what only they contain (services, templates, resources, ...). */
import type { Schema } from './schema.ts';
import {
  AFFINITY,
  CONSTRAINT,
  CONSUL,
  IDENTITY,
  MIGRATE,
  NETWORK,
  PARAMETERIZED,
  PERIODIC,
  RESCHEDULE,
  RESTART,
  SPREAD,
  UI,
  UPDATE,
  a,
  labeled,
  many,
  one,
} from './schema.ts';

const CHECK_RESTART: Schema = {
  name: 'check_restart',
  attrs: {
    limit: a('Limit', 'int'),
    grace: a('Grace', 'duration'),
    ignore_warnings: a('IgnoreWarnings', 'bool'),
  },
  blocks: {},
};

const CHECK: Schema = {
  name: 'check',
  attrs: {
    name: a('Name', 'string'),
    type: a('Type', 'string'),
    command: a('Command', 'string'),
    args: a('Args', 'stringList'),
    path: a('Path', 'string'),
    protocol: a('Protocol', 'string'),
    port: a('PortLabel', 'string'),
    expose: a('Expose', 'bool'),
    address_mode: a('AddressMode', 'string'),
    interval: a('Interval', 'duration'),
    timeout: a('Timeout', 'duration'),
    initial_status: a('InitialStatus', 'string'),
    method: a('Method', 'string'),
    body: a('Body', 'string'),
    tls_server_name: a('TLSServerName', 'string'),
    tls_skip_verify: a('TLSSkipVerify', 'bool'),
    grpc_service: a('GRPCService', 'string'),
    grpc_use_tls: a('GRPCUseTLS', 'bool'),
    task: a('TaskName', 'string'),
    success_before_passing: a('SuccessBeforePassing', 'int'),
    failures_before_critical: a('FailuresBeforeCritical', 'int'),
    failures_before_warning: a('FailuresBeforeWarning', 'int'),
    on_update: a('OnUpdate', 'string'),
  },
  blocks: {
    header: one('Header', 'stringListMap'),
    check_restart: one('CheckRestart', CHECK_RESTART),
  },
};

export const SERVICE: Schema = {
  name: 'service',
  attrs: {
    name: a('Name', 'string'),
    tags: a('Tags', 'stringList'),
    canary_tags: a('CanaryTags', 'stringList'),
    enable_tag_override: a('EnableTagOverride', 'bool'),
    port: a('PortLabel', 'string'),
    address_mode: a('AddressMode', 'string'),
    address: a('Address', 'string'),
    task: a('TaskName', 'string'),
    on_update: a('OnUpdate', 'string'),
    provider: a('Provider', 'string'),
    cluster: a('Cluster', 'string'),
  },
  blocks: {
    check: many('Checks', CHECK),
    check_restart: one('CheckRestart', CHECK_RESTART),
    meta: one('Meta', 'stringMap'),
    canary_meta: one('CanaryMeta', 'stringMap'),
    tagged_addresses: one('TaggedAddresses', 'stringMap'),
    connect: one('Connect', 'freeform'),
    identity: one('Identity', IDENTITY),
  },
};

const CHANGE_SCRIPT: Schema = {
  name: 'change_script',
  attrs: {
    command: a('Command', 'string'),
    args: a('Args', 'stringList'),
    timeout: a('Timeout', 'duration'),
    fail_on_error: a('FailOnError', 'bool'),
    run_on_first_render: a('RunOnFirstRender', 'bool'),
  },
  blocks: {},
};

const TEMPLATE: Schema = {
  name: 'template',
  attrs: {
    source: a('SourcePath', 'string'),
    destination: a('DestPath', 'string'),
    data: a('EmbeddedTmpl', 'string'),
    change_mode: a('ChangeMode', 'string'),
    change_signal: a('ChangeSignal', 'string'),
    once: a('Once', 'bool'),
    splay: a('Splay', 'duration'),
    perms: a('Perms', 'string'),
    uid: a('Uid', 'int'),
    gid: a('Gid', 'int'),
    left_delimiter: a('LeftDelim', 'string'),
    right_delimiter: a('RightDelim', 'string'),
    env: a('Envvars', 'bool'),
    vault_grace: a('VaultGrace', 'duration'),
    error_on_missing_key: a('ErrMissingKey', 'bool'),
  },
  blocks: {
    change_script: one('ChangeScript', CHANGE_SCRIPT),
    wait: one('Wait', {
      name: 'wait',
      attrs: { min: a('Min', 'duration'), max: a('Max', 'duration') },
      blocks: {},
    }),
  },
};

const ARTIFACT: Schema = {
  name: 'artifact',
  attrs: {
    source: a('GetterSource', 'string'),
    destination: a('RelativeDest', 'string'),
    mode: a('GetterMode', 'string'),
    chown: a('Chown', 'bool'),
    insecure: a('GetterInsecure', 'bool'),
  },
  blocks: { options: one('GetterOptions', 'stringMap'), headers: one('GetterHeaders', 'stringMap') },
};

const DEVICE: Schema = {
  name: 'device',
  attrs: { count: a('Count', 'int') },
  blocks: { constraint: many('Constraints', CONSTRAINT), affinity: many('Affinities', AFFINITY) },
};

const RESOURCES: Schema = {
  name: 'resources',
  attrs: {
    cpu: a('CPU', 'int'),
    cores: a('Cores', 'int'),
    memory: a('MemoryMB', 'int'),
    memory_max: a('MemoryMaxMB', 'int'),
    disk: a('DiskMB', 'int'),
    iops: a('IOPS', 'int'),
    secrets: a('SecretsMB', 'int'),
  },
  blocks: { network: many('Networks', NETWORK), device: labeled('Devices', DEVICE, 'Name') },
};

const VAULT: Schema = {
  name: 'vault',
  attrs: {
    policies: a('Policies', 'stringList'),
    role: a('Role', 'string'),
    namespace: a('Namespace', 'string'),
    cluster: a('Cluster', 'string'),
    env: a('Env', 'bool'),
    disable_file: a('DisableFile', 'bool'),
    change_mode: a('ChangeMode', 'string'),
    change_signal: a('ChangeSignal', 'string'),
    allow_token_expiration: a('AllowTokenExpiration', 'bool'),
  },
  blocks: {},
};

const SCALING: Schema = {
  name: 'scaling',
  attrs: {
    min: a('Min', 'int'),
    max: a('Max', 'int'),
    enabled: a('Enabled', 'bool'),
    type: a('Type', 'string'),
  },
  blocks: { policy: one('Policy', 'freeform') },
};

const VOLUME_MOUNT: Schema = {
  name: 'volume_mount',
  attrs: {
    volume: a('Volume', 'string'),
    destination: a('Destination', 'string'),
    read_only: a('ReadOnly', 'bool'),
    propagation_mode: a('PropagationMode', 'string'),
    selinux_label: a('SELinuxLabel', 'string'),
  },
  blocks: {},
};

export const TASK: Schema = {
  name: 'task',
  attrs: {
    driver: a('Driver', 'string'),
    user: a('User', 'string'),
    kill_timeout: a('KillTimeout', 'duration'),
    kill_signal: a('KillSignal', 'string'),
    leader: a('Leader', 'bool'),
    shutdown_delay: a('ShutdownDelay', 'duration'),
    kind: a('Kind', 'string'),
    env: a('Env', 'stringMap'),
    meta: a('Meta', 'stringMap'),
  },
  blocks: {
    config: one('Config', 'freeform'),
    env: one('Env', 'stringMap'),
    meta: one('Meta', 'stringMap'),
    constraint: many('Constraints', CONSTRAINT),
    affinity: many('Affinities', AFFINITY),
    service: many('Services', SERVICE),
    resources: one('Resources', RESOURCES),
    restart: one('RestartPolicy', RESTART),
    logs: one('LogConfig', {
      name: 'logs',
      attrs: {
        max_files: a('MaxFiles', 'int'),
        max_file_size: a('MaxFileSizeMB', 'int'),
        disabled: a('Disabled', 'bool'),
        enabled: a('Enabled', 'bool'),
      },
      blocks: {},
    }),
    artifact: many('Artifacts', ARTIFACT),
    template: many('Templates', TEMPLATE),
    lifecycle: one('Lifecycle', {
      name: 'lifecycle',
      attrs: { hook: a('Hook', 'string'), sidecar: a('Sidecar', 'bool') },
      blocks: {},
    }),
    dispatch_payload: one('DispatchPayload', {
      name: 'dispatch_payload',
      attrs: { file: a('File', 'string') },
      blocks: {},
    }),
    volume_mount: many('VolumeMounts', VOLUME_MOUNT),
    vault: one('Vault', VAULT),
    consul: one('Consul', CONSUL),
    identity: many('Identities', IDENTITY),
    // The label ("cpu" or "mem") becomes the policy's type in decode_post.ts.
    scaling: { field: 'ScalingPolicies', mode: 'labeledList', body: SCALING },
  },
};

const VOLUME: Schema = {
  name: 'volume',
  attrs: {
    type: a('Type', 'string'),
    source: a('Source', 'string'),
    read_only: a('ReadOnly', 'bool'),
    sticky: a('Sticky', 'bool'),
    access_mode: a('AccessMode', 'string'),
    attachment_mode: a('AttachmentMode', 'string'),
    per_alloc: a('PerAlloc', 'bool'),
  },
  blocks: {
    mount_options: one('MountOptions', {
      name: 'mount_options',
      attrs: { fs_type: a('FSType', 'string'), mount_flags: a('MountFlags', 'stringList') },
      blocks: {},
    }),
  },
};

const DISCONNECT: Schema = {
  name: 'disconnect',
  attrs: {
    lost_after: a('LostAfter', 'duration'),
    stop_on_client_after: a('StopOnClientAfter', 'duration'),
    replace: a('Replace', 'bool'),
    reconcile: a('Reconcile', 'string'),
  },
  blocks: {},
};

export const GROUP: Schema = {
  name: 'group',
  attrs: {
    count: a('Count', 'int'),
    shutdown_delay: a('ShutdownDelay', 'duration'),
    max_run_duration: a('MaxRunDuration', 'duration'),
    stop_after_client_disconnect: a('StopAfterClientDisconnect', 'duration'),
    max_client_disconnect: a('MaxClientDisconnect', 'duration'),
    prevent_reschedule_on_lost: a('PreventRescheduleOnLost', 'bool'),
    meta: a('Meta', 'stringMap'),
  },
  blocks: {
    constraint: many('Constraints', CONSTRAINT),
    affinity: many('Affinities', AFFINITY),
    spread: many('Spreads', SPREAD),
    task: labeled('Tasks', TASK, 'Name'),
    volume: { field: 'Volumes', mode: 'labeledMap', body: VOLUME, label: 'Name' },
    restart: one('RestartPolicy', RESTART),
    disconnect: one('Disconnect', DISCONNECT),
    reschedule: one('ReschedulePolicy', RESCHEDULE),
    ephemeral_disk: one('EphemeralDisk', {
      name: 'ephemeral_disk',
      attrs: { size: a('SizeMB', 'int'), sticky: a('Sticky', 'bool'), migrate: a('Migrate', 'bool') },
      blocks: {},
    }),
    update: one('Update', UPDATE),
    migrate: one('Migrate', MIGRATE),
    network: many('Networks', NETWORK),
    meta: one('Meta', 'stringMap'),
    service: many('Services', SERVICE),
    scaling: one('Scaling', SCALING),
    consul: one('Consul', CONSUL),
  },
};

export const JOB: Schema = {
  name: 'job',
  attrs: {
    region: a('Region', 'string'),
    namespace: a('Namespace', 'string'),
    id: a('ID', 'string'),
    name: a('Name', 'string'),
    type: a('Type', 'string'),
    priority: a('Priority', 'int'),
    all_at_once: a('AllAtOnce', 'bool'),
    datacenters: a('Datacenters', 'stringList'),
    node_pool: a('NodePool', 'string'),
    vault_token: a('VaultToken', 'string'),
    consul_token: a('ConsulToken', 'string'),
    meta: a('Meta', 'stringMap'),
  },
  blocks: {
    constraint: many('Constraints', CONSTRAINT),
    affinity: many('Affinities', AFFINITY),
    spread: many('Spreads', SPREAD),
    group: labeled('TaskGroups', GROUP, 'Name'),
    update: one('Update', UPDATE),
    periodic: one('Periodic', PERIODIC),
    parameterized: one('ParameterizedJob', PARAMETERIZED),
    reschedule: one('Reschedule', RESCHEDULE),
    migrate: one('Migrate', MIGRATE),
    meta: one('Meta', 'stringMap'),
    ui: one('UI', UI),
  },
};
