/** Canonicalization of a task and of the blocks that groups and tasks share (networks, services). */
import type {
  LogConfig,
  NetworkResource,
  Port,
  RequestedDevice,
  Resources,
  RestartPolicy,
  Service,
  ServiceCheck,
  Task,
  TaskArtifact,
  Template,
  VolumeMount,
} from './job.ts';
import type { DeepPartial } from './canonicalize_util.ts';
import {
  canonicalizeAffinities,
  canonicalizeConstraints,
  fill,
  or,
  orNullList,
  orNullMap,
  present,
  stringMap,
} from './canonicalize_util.ts';

type TaskInput = DeepPartial<Task>;

const SECOND_NS = 1e9;
export const DEFAULT_KILL_TIMEOUT_NS = 5 * SECOND_NS;
export const DEFAULT_CPU_MHZ = 100;
export const DEFAULT_MEMORY_MB = 300;
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false };
const DEFAULT_IDENTITY_AUDIENCE = 'nomadproject.io';

function plainObject(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export interface TaskContext {
  jobName: string;
  jobId: string;
  namespace: string;
  groupName: string;
  groupRestart: RestartPolicy;
}

export function canonicalizeTask(t: TaskInput, ctx: TaskContext): Task {
  const name = or(t.Name, '');
  const identities = (t.Identities ?? []).filter(present).map((i) => ({ ...(i as Record<string, unknown>) }));
  let identity = plainObject(t.Identity);
  const defaultIdx = identities.findIndex(
    (i) => i['Name'] === undefined || i['Name'] === '' || i['Name'] === 'default',
  );
  if (defaultIdx >= 0) {
    identity = identities[defaultIdx]!;
    identities.splice(defaultIdx, 1);
  }
  return {
    Name: name,
    Driver: or(t.Driver, ''),
    User: or(t.User, ''),
    Config: orNullMap(plainObject(t.Config)),
    Env: orNullMap(stringMap(t.Env)),
    Services: canonicalizeServices(t.Services, {
      jobName: ctx.jobName,
      groupName: ctx.groupName,
      taskName: name,
    }),
    Vault: present(t.Vault) ? canonicalizeVault(t.Vault) : null,
    Consul: plainObject(t.Consul),
    Templates: orNullList((t.Templates ?? []).filter(present).map(canonicalizeTemplate)),
    Constraints: canonicalizeConstraints(t.Constraints),
    Affinities: canonicalizeAffinities(t.Affinities),
    Resources: canonicalizeResources(t.Resources),
    RestartPolicy: fill<RestartPolicy>(t.RestartPolicy, ctx.groupRestart),
    DispatchPayload: present(t.DispatchPayload) ? { File: or(t.DispatchPayload.File, '') } : null,
    Lifecycle: present(t.Lifecycle)
      ? { Hook: or(t.Lifecycle.Hook, ''), Sidecar: or(t.Lifecycle.Sidecar, false) }
      : null,
    Meta: orNullMap(stringMap(t.Meta)),
    KillTimeout: or(t.KillTimeout, 0) === 0 ? DEFAULT_KILL_TIMEOUT_NS : t.KillTimeout!,
    LogConfig: fill<LogConfig>(t.LogConfig, DEFAULT_LOG_CONFIG),
    Artifacts: orNullList((t.Artifacts ?? []).filter(present).map(canonicalizeArtifact)),
    Leader: or(t.Leader, false),
    ShutdownDelay: or(t.ShutdownDelay, 0),
    VolumeMounts: orNullList((t.VolumeMounts ?? []).filter(present).map(canonicalizeVolumeMount)),
    KillSignal: or(t.KillSignal, ''),
    Kind: or(t.Kind, ''),
    Identity: canonicalizeIdentity(identity),
    Identities: orNullList(identities.map(canonicalizeIdentity)),
    ScalingPolicies: orNullList(
      (t.ScalingPolicies ?? []).filter(present) as Task['ScalingPolicies'] & object,
    ),
  };
}

function canonicalizeIdentity(i: Record<string, unknown> | null): Record<string, unknown> {
  const given = i ?? {};
  const audience = given['Audience'];
  return {
    ...given,
    Name: typeof given['Name'] === 'string' && given['Name'] !== '' ? given['Name'] : 'default',
    Audience: Array.isArray(audience) && audience.length > 0 ? audience : [DEFAULT_IDENTITY_AUDIENCE],
    ChangeMode: or(given['ChangeMode'], ''),
    ChangeSignal: or(given['ChangeSignal'], ''),
    Env: or(given['Env'], false),
    File: or(given['File'], false),
    Filepath: or(given['Filepath'], ''),
    ServiceName: or(given['ServiceName'], ''),
    TTL: or(given['TTL'], 0),
  };
}

function canonicalizeVault(v: unknown): Record<string, unknown> {
  const given = plainObject(v) ?? {};
  return {
    ...given,
    Policies: or(given['Policies'], null),
    Role: or(given['Role'], ''),
    Namespace: or(given['Namespace'], ''),
    Cluster: or(given['Cluster'], '') === '' ? 'default' : given['Cluster'],
    Env: or(given['Env'], true),
    DisableFile: or(given['DisableFile'], false),
    ChangeMode: or(given['ChangeMode'], 'restart'),
    ChangeSignal: or(given['ChangeSignal'], 'SIGHUP'),
    AllowTokenExpiration: or(given['AllowTokenExpiration'], false),
  };
}

function canonicalizeResources(r: DeepPartial<Resources> | null | undefined): Resources {
  const given = r ?? {};
  // Nomad defaults cpu to 100 MHz only when cores are not asked for: cores replace cpu.
  const coresGiven = present(given.Cores);
  return {
    CPU: or(given.CPU, coresGiven ? 0 : DEFAULT_CPU_MHZ),
    Cores: or(given.Cores, 0),
    MemoryMB: or(given.MemoryMB, DEFAULT_MEMORY_MB),
    MemoryMaxMB: or(given.MemoryMaxMB, 0),
    DiskMB: or(given.DiskMB, 0),
    IOPS: or(given.IOPS, 0),
    SecretsMB: or(given.SecretsMB, 0),
    Networks: canonicalizeNetworks(given.Networks),
    Devices: orNullList((given.Devices ?? []).filter(present).map(canonicalizeDevice)),
  };
}

function canonicalizeDevice(d: DeepPartial<RequestedDevice>): RequestedDevice {
  return {
    Name: or(d.Name, ''),
    Count: or(d.Count, 1),
    Constraints: canonicalizeConstraints(d.Constraints),
    Affinities: canonicalizeAffinities(d.Affinities),
  };
}

export function canonicalizeNetworks(
  list: (DeepPartial<NetworkResource> | undefined)[] | null | undefined,
): NetworkResource[] | null {
  return orNullList(
    (list ?? []).filter(present).map((n) => ({
      Mode: or(n.Mode, ''),
      Device: or(n.Device, ''),
      CIDR: or(n.CIDR, ''),
      IP: or(n.IP, ''),
      Hostname: or(n.Hostname, ''),
      MBits: or(n.MBits, 0),
      DNS: present(n.DNS)
        ? {
            Servers: orNullList((n.DNS.Servers ?? []).filter(present)),
            Searches: orNullList((n.DNS.Searches ?? []).filter(present)),
            Options: orNullList((n.DNS.Options ?? []).filter(present)),
          }
        : null,
      ReservedPorts: canonicalizePorts(n.ReservedPorts),
      DynamicPorts: canonicalizePorts(n.DynamicPorts),
    })),
  );
}

function canonicalizePorts(list: (DeepPartial<Port> | undefined)[] | null | undefined): Port[] | null {
  return orNullList(
    (list ?? []).filter(present).map((p) => ({
      Label: or(p.Label, ''),
      Value: or(p.Value, 0),
      To: or(p.To, 0),
      HostNetwork: or(p.HostNetwork, '') === '' ? 'default' : p.HostNetwork!,
    })),
  );
}

export interface ServiceContext {
  jobName: string;
  groupName: string;
  /** null for a group's services. */
  taskName: string | null;
}

export function canonicalizeServices(
  list: (DeepPartial<Service> | undefined)[] | null | undefined,
  ctx: ServiceContext,
): Service[] | null {
  return orNullList((list ?? []).filter(present).map((s) => canonicalizeService(s, ctx)));
}

function canonicalizeService(s: DeepPartial<Service>, ctx: ServiceContext): Service {
  const base =
    ctx.taskName === null
      ? `${ctx.jobName}-${ctx.groupName}`
      : `${ctx.jobName}-${ctx.groupName}-${ctx.taskName}`;
  const rawName = or(s.Name, '') === '' ? base : s.Name!;
  // Nomad expands these runtime-free names when it registers the job.
  const name = rawName
    .replaceAll('${JOB}', ctx.jobName)
    .replaceAll('${TASKGROUP}', ctx.groupName)
    .replaceAll('${TASK}', ctx.taskName ?? 'group')
    .replaceAll('${BASE}', `${ctx.jobName}-${ctx.groupName}-${ctx.taskName ?? 'group'}`);
  const taskName = or(s.TaskName, '') === '' ? (ctx.taskName ?? '') : s.TaskName!;
  const onUpdate = or(s.OnUpdate, '') === '' ? 'require_healthy' : s.OnUpdate!;
  const out: Service = {
    Name: name,
    TaskName: taskName,
    PortLabel: or(s.PortLabel, ''),
    AddressMode: or(s.AddressMode, '') === '' ? 'auto' : s.AddressMode!,
    Address: or(s.Address, ''),
    EnableTagOverride: or(s.EnableTagOverride, false),
    Tags: orNullList((s.Tags ?? []).filter(present)),
    CanaryTags: orNullList((s.CanaryTags ?? []).filter(present)),
    Checks: orNullList(
      (s.Checks ?? [])
        .filter(present)
        .map((c) => canonicalizeCheck(c, { service: name, taskName, onUpdate })),
    ),
    Meta: orNullMap(stringMap(s.Meta)),
    CanaryMeta: orNullMap(stringMap(s.CanaryMeta)),
    TaggedAddresses: orNullMap(stringMap(s.TaggedAddresses)),
    OnUpdate: onUpdate,
    Provider: or(s.Provider, '') === '' ? 'consul' : s.Provider!,
    Cluster: or(s.Cluster, '') === '' ? 'default' : s.Cluster!,
  };
  if (present(s.Connect)) out.Connect = s.Connect;
  if (present(s.Identity)) out.Identity = s.Identity;
  return out;
}

function canonicalizeCheck(
  c: DeepPartial<ServiceCheck>,
  ctx: { service: string; taskName: string; onUpdate: string },
): ServiceCheck {
  const header = stringMap(c.Header as Record<string, string[] | undefined> | null | undefined);
  return {
    Name: or(c.Name, '') === '' ? `service: "${ctx.service}" check` : c.Name!,
    Type: or(c.Type, ''),
    Command: or(c.Command, ''),
    Args: orNullList((c.Args ?? []).filter(present)),
    Path: or(c.Path, ''),
    Protocol: or(c.Protocol, ''),
    PortLabel: or(c.PortLabel, ''),
    Expose: or(c.Expose, false),
    AddressMode: or(c.AddressMode, ''),
    Interval: or(c.Interval, 0),
    Timeout: or(c.Timeout, 0),
    InitialStatus: or(c.InitialStatus, ''),
    Method: or(c.Method, ''),
    Header: orNullMap(header),
    Body: or(c.Body, ''),
    TLSServerName: or(c.TLSServerName, ''),
    TLSSkipVerify: or(c.TLSSkipVerify, false),
    GRPCService: or(c.GRPCService, ''),
    GRPCUseTLS: or(c.GRPCUseTLS, false),
    TaskName: or(c.TaskName, '') === '' ? ctx.taskName : c.TaskName!,
    SuccessBeforePassing: Math.max(0, or(c.SuccessBeforePassing, 0)),
    FailuresBeforeCritical: Math.max(0, or(c.FailuresBeforeCritical, 0)),
    FailuresBeforeWarning: Math.max(0, or(c.FailuresBeforeWarning, 0)),
    OnUpdate: or(c.OnUpdate, '') === '' ? ctx.onUpdate : c.OnUpdate!,
    CheckRestart: present(c.CheckRestart)
      ? {
          Limit: or(c.CheckRestart.Limit, 0),
          Grace: or(c.CheckRestart.Grace, SECOND_NS),
          IgnoreWarnings: or(c.CheckRestart.IgnoreWarnings, false),
        }
      : null,
  };
}

function canonicalizeTemplate(t: DeepPartial<Template>): Template {
  const changeMode = or(t.ChangeMode, 'restart');
  const script = plainObject(t.ChangeScript);
  return {
    SourcePath: or(t.SourcePath, ''),
    DestPath: or(t.DestPath, ''),
    EmbeddedTmpl: or(t.EmbeddedTmpl, ''),
    ChangeMode: changeMode,
    ChangeSignal: present(t.ChangeSignal)
      ? t.ChangeSignal.toUpperCase()
      : changeMode === 'signal'
        ? 'SIGHUP'
        : '',
    ChangeScript:
      script === null
        ? null
        : {
            ...script,
            Command: or(script['Command'], ''),
            Args: or(script['Args'], []),
            Timeout: or(script['Timeout'], 5 * SECOND_NS),
            FailOnError: or(script['FailOnError'], false),
            RunOnFirstRender: or(script['RunOnFirstRender'], false),
          },
    Splay: or(t.Splay, 5 * SECOND_NS),
    Perms: or(t.Perms, '0644'),
    Uid: or(t.Uid, null),
    Gid: or(t.Gid, null),
    LeftDelim: or(t.LeftDelim, '{{'),
    RightDelim: or(t.RightDelim, '}}'),
    Envvars: or(t.Envvars, false),
    VaultGrace: or(t.VaultGrace, 0),
    Wait: present(t.Wait) ? { Min: or(t.Wait.Min, null), Max: or(t.Wait.Max, null) } : null,
    ErrMissingKey: or(t.ErrMissingKey, false),
    Once: or(t.Once, false),
  };
}

function canonicalizeArtifact(a: DeepPartial<TaskArtifact>): TaskArtifact {
  const mode = or(a.GetterMode, 'any');
  const source = or(a.GetterSource, '');
  let dest = or(a.RelativeDest, '');
  if (!present(a.RelativeDest)) {
    // A single file lands under local/ with its own name; anything else unpacks into local/.
    dest =
      mode === 'file'
        ? `local/${
            source
              .replace(/[?#].*$/, '')
              .split('/')
              .pop() ?? ''
          }`
        : 'local/';
  }
  return {
    GetterSource: source,
    GetterOptions: orNullMap(stringMap(a.GetterOptions)),
    GetterHeaders: orNullMap(stringMap(a.GetterHeaders)),
    GetterMode: mode,
    RelativeDest: dest,
    Chown: or(a.Chown, false),
    GetterInsecure: or(a.GetterInsecure, false),
  };
}

function canonicalizeVolumeMount(v: DeepPartial<VolumeMount>): VolumeMount {
  return {
    Volume: or(v.Volume, ''),
    Destination: or(v.Destination, ''),
    ReadOnly: or(v.ReadOnly, false),
    PropagationMode: or(v.PropagationMode, '') === '' ? 'private' : v.PropagationMode!,
    SELinuxLabel: or(v.SELinuxLabel, ''),
  };
}
