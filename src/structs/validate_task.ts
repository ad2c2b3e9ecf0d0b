/** Validation of a task and of the services (with their checks) of groups and tasks. */
import type { Job, Resources, Service, ServiceCheck, Task, TaskGroup, Template } from './job.ts';
import { validateAffinities, validateConstraints, validateRestart } from './validate_blocks.ts';
import type { Errors } from './validate_util.ts';
import { dur, escapesAllocDir, q } from './validate_util.ts';

export const CPU_MIN_MHZ = 1;
export const MEMORY_MIN_MB = 10;
export const CHECK_INTERVAL_MIN_NS = 1e9;
const LIFECYCLE_HOOKS = ['prestart', 'poststart', 'poststop'];
const TEMPLATE_CHANGE_MODES = ['restart', 'signal', 'script', 'noop'];
const ARTIFACT_MODES = ['any', 'file', 'dir'];
const PROPAGATION_MODES = ['private', 'host-to-task', 'bidirectional'];

interface TaskScope {
  job: Job;
  group: TaskGroup;
  e: Errors;
}

export function validateTask(t: Task, { job, group, e }: TaskScope): void {
  if (t.Name === 'alloc') e.add('task must not be named "alloc"');
  if (/[/\\]/.test(t.Name)) e.add('task name must not contain slashes');
  if (t.Name.includes('\0')) e.add('task name must not contain a null character');
  if (t.Driver === '') e.add('missing driver');
  if (t.KillTimeout < 0) e.add(`kill_timeout must be >= 0: current value is ${dur(t.KillTimeout)}`);
  const progress = group.Update?.ProgressDeadline ?? 0;
  if (progress !== 0 && t.KillTimeout > progress) {
    e.add(
      `kill_timeout (${dur(t.KillTimeout)}) must not be longer than the group's progress_deadline (${dur(progress)})`,
    );
  }
  if (t.ShutdownDelay < 0) e.add(`shutdown_delay must be >= 0: current value is ${dur(t.ShutdownDelay)}`);
  validateResources(t.Resources, e);
  validateLogs(t, group, e);
  validateConstraints(t.Constraints, e, { taskLevel: true });
  validateAffinities(t.Affinities, e, job.Type);
  if (t.RestartPolicy !== null) validateRestart(t.RestartPolicy, e.at('restart'));
  validateTaskServices(t, group, e);
  validateTemplates(t.Templates ?? [], e);
  (t.Artifacts ?? []).forEach((a, i) => {
    const ae = e.at(`artifact ${i + 1}`);
    if (a.GetterSource === '') ae.add('missing source');
    if (!ARTIFACT_MODES.includes(a.GetterMode)) {
      ae.add(`mode must be one of "any", "file", "dir": current value is ${q(a.GetterMode)}`);
    }
    if (escapesAllocDir(a.RelativeDest))
      ae.add(`destination ${q(a.RelativeDest)} escapes the allocation directory`);
  });
  if (t.DispatchPayload !== null && escapesAllocDir(t.DispatchPayload.File)) {
    e.at('dispatch_payload').add(`file ${q(t.DispatchPayload.File)} escapes the allocation directory`);
  }
  if (t.Lifecycle !== null) {
    const h = t.Lifecycle.Hook;
    if (h === '') e.at('lifecycle').add('missing hook');
    else if (!LIFECYCLE_HOOKS.includes(h)) {
      e.at('lifecycle').add(
        `hook must be one of "prestart", "poststart", "poststop": current value is ${q(h)}`,
      );
    }
  }
  (t.VolumeMounts ?? []).forEach((vm, i) => {
    const ve = e.at(`volume_mount ${i + 1}`);
    if (vm.Volume === '') ve.add('missing volume');
    else if (group.Volumes?.[vm.Volume] === undefined) ve.add(`references undefined volume ${q(vm.Volume)}`);
    if (vm.Destination === '') ve.add('missing destination');
    if (!PROPAGATION_MODES.includes(vm.PropagationMode)) {
      ve.add(
        `propagation_mode must be one of ${PROPAGATION_MODES.map(q).join(', ')}: current value is ${q(vm.PropagationMode)}`,
      );
    }
  });
}

function validateResources(r: Resources, e: Errors): void {
  if (r.Cores > 0 && r.CPU > 0) e.add('resources may ask for cpu or cores, not both');
  if (r.Cores < 0) e.add(`cores must be >= 0: current value is ${r.Cores}`);
  if (r.Cores === 0 && r.CPU < CPU_MIN_MHZ)
    e.add(`cpu must be >= ${CPU_MIN_MHZ} MHz: current value is ${r.CPU}`);
  if (r.MemoryMB < MEMORY_MIN_MB)
    e.add(`memory must be >= ${MEMORY_MIN_MB} MB: current value is ${r.MemoryMB}`);
  if (r.MemoryMaxMB !== 0 && r.MemoryMaxMB !== -1 && r.MemoryMaxMB < r.MemoryMB) {
    e.add(`memory_max must be >= memory (${r.MemoryMB} MB): current value is ${r.MemoryMaxMB}`);
  }
  if (r.DiskMB > 0)
    e.add("disk must be given in the group's ephemeral_disk block, not in the task's resources");
  if (r.SecretsMB > r.MemoryMB)
    e.add(`secrets must be <= memory (${r.MemoryMB} MB): current value is ${r.SecretsMB}`);
  if (r.SecretsMB < 0) e.add(`secrets must be >= 0: current value is ${r.SecretsMB}`);
  if (r.IOPS < 0) e.add(`iops must be >= 0: current value is ${r.IOPS}`);
  (r.Devices ?? []).forEach((d, i) => {
    const de = e.at(`device ${i + 1}`);
    if (d.Name === '') de.add('missing device name');
    if (d.Count < 0) de.add(`count must be >= 0: current value is ${d.Count}`);
  });
}

function validateLogs(t: Task, g: TaskGroup, e: Errors): void {
  const l = t.LogConfig;
  const le = e.at('logs');
  if (l.MaxFiles < 1) le.add(`max_files must be >= 1: current value is ${l.MaxFiles}`);
  if (l.MaxFileSizeMB < 1) le.add(`max_file_size must be >= 1 MB: current value is ${l.MaxFileSizeMB}`);
  const usage = l.MaxFiles * l.MaxFileSizeMB;
  if (!l.Disabled && g.EphemeralDisk.SizeMB <= usage) {
    le.add(
      `log storage (${usage} MB) must be less than the ephemeral disk size (${g.EphemeralDisk.SizeMB} MB)`,
    );
  }
}

function validateTemplates(list: Template[], e: Errors): void {
  const dests = new Map<string, number>();
  list.forEach((t, i) => {
    const te = e.at(`template ${i + 1}`);
    if (t.SourcePath === '' && t.EmbeddedTmpl === '') te.add('must give a source or data');
    if (t.DestPath === '') te.add('missing destination');
    else if (escapesAllocDir(t.DestPath))
      te.add(`destination ${q(t.DestPath)} escapes the allocation directory`);
    const other = dests.get(t.DestPath);
    if (t.DestPath !== '' && other !== undefined) te.add(`has the same destination as template ${other}`);
    else dests.set(t.DestPath, i + 1);
    if (!TEMPLATE_CHANGE_MODES.includes(t.ChangeMode)) {
      te.add(
        `change_mode must be one of ${TEMPLATE_CHANGE_MODES.map(q).join(', ')}: current value is ${q(t.ChangeMode)}`,
      );
    }
    if (t.ChangeMode === 'signal') {
      if (t.ChangeSignal === '') te.add('change_signal is required when change_mode is "signal"');
      if (t.Envvars) te.add('change_mode "signal" cannot be used with env = true');
    }
    if (t.ChangeMode === 'script') {
      const script = t.ChangeScript as { Command?: unknown } | null;
      if (script === null) te.add('change_script is required when change_mode is "script"');
      else if (typeof script.Command !== 'string' || script.Command === '')
        te.add('change_script requires a command');
    }
    if (t.Splay < 0) te.add(`splay must be >= 0: current value is ${dur(t.Splay)}`);
    if (t.Perms !== '' && !/^[0-7]{1,4}$/.test(t.Perms))
      te.add(`perms must be an octal number: current value is ${q(t.Perms)}`);
    const w = t.Wait;
    if (w !== null && w.Min !== null && w.Max !== null && w.Min > w.Max) {
      te.add(`wait min (${dur(w.Min)}) must not be greater than max (${dur(w.Max)})`);
    }
  });
}

/** The port labels a service of this task may name: the group's and the task's own. */
function portLabels(g: TaskGroup, t: Task | null): Set<string> {
  const out = new Set<string>();
  for (const n of [...(g.Networks ?? []), ...(t?.Resources.Networks ?? [])]) {
    for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])]) out.add(p.Label);
  }
  return out;
}

function validateTaskServices(t: Task, g: TaskGroup, e: Errors): void {
  const ports = portLabels(g, t);
  const seen = new Set<string>();
  (t.Services ?? []).forEach((s, i) => {
    const se = e.at(`service ${q(s.Name)}`);
    validateService(s, { ports, group: false, e: se, index: i });
    if (s.TaskName !== '' && s.TaskName !== t.Name)
      se.add(`task must be the task the service belongs to: current value is ${q(s.TaskName)}`);
    const key = `${s.Name}\0${s.PortLabel}`;
    if (seen.has(key)) se.add('service is defined more than once with the same port');
    seen.add(key);
  });
}

export function validateGroupServices(g: TaskGroup, e: Errors): void {
  const ports = portLabels(g, null);
  const tasks = new Set(g.Tasks.map((t) => t.Name));
  const providers = new Set<string>();
  const seen = new Set<string>();
  (g.Services ?? []).forEach((s, i) => {
    const se = e.at(`service ${q(s.Name)}`);
    validateService(s, { ports, group: true, e: se, index: i });
    providers.add(s.Provider);
    if (s.TaskName !== '' && !tasks.has(s.TaskName))
      se.add(`task ${q(s.TaskName)} does not exist in the group`);
    for (const c of s.Checks ?? []) {
      if (c.TaskName !== '' && !tasks.has(c.TaskName))
        se.at(`check ${q(c.Name)}`).add(`task ${q(c.TaskName)} does not exist in the group`);
      if (c.Type === 'script' && c.TaskName === '' && s.TaskName === '') {
        se.at(`check ${q(c.Name)}`).add('script checks in a group service must name a task');
      }
    }
    const key = `${s.Name}\0${s.PortLabel}`;
    if (seen.has(key)) se.add('service is defined more than once with the same port');
    seen.add(key);
  });
  for (const t of g.Tasks) for (const s of t.Services ?? []) providers.add(s.Provider);
  if (providers.size > 1) e.add('services in a group must all use the same provider');
}

const SERVICE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

function validateService(
  s: Service,
  ctx: { ports: Set<string>; group: boolean; e: Errors; index: number },
): void {
  const { e } = ctx;
  if (s.Name === '') e.add(`service ${ctx.index + 1} is missing a name`);
  else if (!s.Name.includes('${') && !SERVICE_NAME.test(s.Name)) {
    e.add('name must be valid per RFC 1123: letters, digits and dashes, at most 63 characters');
  }
  if (s.Provider !== 'consul' && s.Provider !== 'nomad') {
    e.add(`provider must be "consul" or "nomad": current value is ${q(s.Provider)}`);
  }
  const modes = ctx.group ? ['auto', 'host', 'alloc', 'alloc_ipv6'] : ['auto', 'host', 'driver'];
  if (!modes.includes(s.AddressMode)) {
    e.add(
      `address_mode must be one of ${modes.map(q).join(', ')} here: current value is ${q(s.AddressMode)}`,
    );
  }
  if (s.Address !== '' && s.AddressMode !== 'auto') e.add('address_mode must be "auto" when address is set');
  const onUpdate = ['require_healthy', 'ignore_warnings', 'ignore'];
  if (!onUpdate.includes(s.OnUpdate))
    e.add(`on_update must be one of ${onUpdate.map(q).join(', ')}: current value is ${q(s.OnUpdate)}`);
  if (
    s.PortLabel !== '' &&
    !/^\d+$/.test(s.PortLabel) &&
    !ctx.ports.has(s.PortLabel) &&
    s.AddressMode !== 'driver'
  ) {
    e.add(`port ${q(s.PortLabel)} is not defined in a network block`);
  }
  if (s.Provider === 'nomad' && s.Connect !== undefined && s.Connect !== null)
    e.add('nomad services cannot have a connect block');
  for (const c of s.Checks ?? []) validateCheck(c, s, { ...ctx, e: e.at(`check ${q(c.Name)}`) });
}

function validateCheck(c: ServiceCheck, s: Service, ctx: { ports: Set<string>; e: Errors }): void {
  const { e } = ctx;
  const type = c.Type.toLowerCase();
  const types = s.Provider === 'nomad' ? ['http', 'tcp'] : ['http', 'tcp', 'grpc', 'script'];
  if (!types.includes(type))
    return e.add(`type must be one of ${types.map(q).join(', ')}: current value is ${q(c.Type)}`);
  if (type === 'http' && c.Path === '') e.add('http checks require a path');
  if (type === 'http' && c.Path !== '' && /^[a-z]+:\/\//i.test(c.Path))
    e.add(`path must be relative: current value is ${q(c.Path)}`);
  if (type === 'script' && c.Command === '') e.add('script checks require a command');
  if (c.Interval < CHECK_INTERVAL_MIN_NS)
    e.add(`interval must be >= ${dur(CHECK_INTERVAL_MIN_NS)}: current value is ${dur(c.Interval)}`);
  if (c.Timeout < CHECK_INTERVAL_MIN_NS)
    e.add(`timeout must be >= ${dur(CHECK_INTERVAL_MIN_NS)}: current value is ${dur(c.Timeout)}`);
  if (!['', 'passing', 'warning', 'critical'].includes(c.InitialStatus)) {
    e.add(
      `initial_status must be one of "passing", "warning", "critical": current value is ${q(c.InitialStatus)}`,
    );
  }
  if (!['', 'host', 'driver', 'alloc'].includes(c.AddressMode))
    e.add(`address_mode ${q(c.AddressMode)} is not valid for a check`);
  const onUpdate = ['require_healthy', 'ignore_warnings', 'ignore'];
  if (!onUpdate.includes(c.OnUpdate))
    e.add(`on_update must be one of ${onUpdate.map(q).join(', ')}: current value is ${q(c.OnUpdate)}`);
  if (c.CheckRestart !== null) {
    if (c.CheckRestart.Limit < 0)
      e.add(`check_restart limit must be >= 0: current value is ${c.CheckRestart.Limit}`);
    if (c.CheckRestart.Grace < 0)
      e.add(`check_restart grace must be >= 0: current value is ${dur(c.CheckRestart.Grace)}`);
    if (c.CheckRestart.Limit > 0 && c.OnUpdate === 'ignore')
      e.add('on_update "ignore" is not compatible with check_restart');
  }
  const needsPort = type === 'http' || type === 'tcp' || type === 'grpc';
  const port = c.PortLabel !== '' ? c.PortLabel : s.PortLabel;
  if (needsPort && port === '' && !c.Expose)
    e.add(`check requires a port but neither the check nor service ${q(s.Name)} has one`);
  if (c.PortLabel !== '' && !/^\d+$/.test(c.PortLabel) && !ctx.ports.has(c.PortLabel)) {
    e.add(`port ${q(c.PortLabel)} is not defined in a network block`);
  }
  for (const [what, n] of [
    ['success_before_passing', c.SuccessBeforePassing],
    ['failures_before_critical', c.FailuresBeforeCritical],
    ['failures_before_warning', c.FailuresBeforeWarning],
  ] as const) {
    if (n > 0 && s.Provider === 'nomad') e.add(`${what} may only be set for Consul service checks`);
  }
}
