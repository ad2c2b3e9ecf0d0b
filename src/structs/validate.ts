/**
 * Job validation: every rule Nomad applies to a job, its groups and tasks, with every error
 * collected (not just the first) and each named by its path, e.g.
 * `group "cache" task "redis": memory must be >= 10 MB: current value is 4`.
 * validateJob() takes a canonical job (see canonicalize.ts) and is pure; driver configuration is
 * checked by the drivers themselves.
 */
import type { Job, NetworkResource, TaskGroup } from './job.ts';
import { JOB_MAX_PRIORITY, JOB_MIN_PRIORITY } from './job.ts';
import {
  validateAffinities,
  validateConstraints,
  validateDisconnect,
  validateGroupScaling,
  validateMigrate,
  validateParameterized,
  validatePeriodic,
  validateReschedule,
  validateRestart,
  validateSpreads,
  validateUpdate,
} from './validate_blocks.ts';
import { validateGroupServices, validateTask } from './validate_task.ts';
import { Errors, dur, q } from './validate_util.ts';

export const JOB_TYPES: readonly string[] = ['service', 'batch', 'system', 'sysbatch'];
export const EPHEMERAL_DISK_MIN_MB = 10;
export const PORT_MAX = 65535;
/** Job and group names become parts of allocation names, paths and DNS labels: keep them sane. */
export const JOB_ID_LENGTH_MAX = 128;
export const GROUP_COUNT_MAX = 100_000;

/** Returns every problem with the job, each named by its path; an empty list means valid. */
export function validateJob(job: Job): string[] {
  const e = new Errors();
  validateJobFields(job, e);
  validateConstraints(job.Constraints, e);
  validateAffinities(job.Affinities, e, job.Type);
  validateSpreads(job.Spreads, e, job.Type);
  if (job.Periodic !== null) validatePeriodic(job.Periodic, e, job.Type);
  if (job.ParameterizedJob !== null) validateParameterized(job.ParameterizedJob, e, job.Type);
  if (job.TaskGroups.length === 0) e.add('job must have at least one group');
  const seen = new Map<string, number>();
  job.TaskGroups.forEach((g, i) => {
    if (g.Name === '') return e.add(`group ${i + 1} is missing a name`);
    const first = seen.get(g.Name);
    if (first !== undefined) e.add(`group ${i + 1} redefines ${q(g.Name)} from group ${first + 1}`);
    else seen.set(g.Name, i);
  });
  job.TaskGroups.forEach((g, i) =>
    validateGroup(job, g, e.at(g.Name === '' ? `group ${i + 1}` : `group ${q(g.Name)}`)),
  );
  return e.list;
}

function validateJobFields(job: Job, e: Errors): void {
  if (job.Region === '') e.add('missing job region');
  validateName('job ID', job.ID, e);
  if (job.Name === '') e.add('missing job name');
  else if (job.Name.includes('\0')) e.add('job name must not contain a null character');
  if (job.Namespace === '') e.add('missing job namespace');
  if (!JOB_TYPES.includes(job.Type)) {
    e.add(
      `job type must be one of "service", "batch", "system", "sysbatch": current value is ${q(job.Type)}`,
    );
  }
  if (!Number.isInteger(job.Priority) || job.Priority < JOB_MIN_PRIORITY || job.Priority > JOB_MAX_PRIORITY) {
    e.add(
      `priority must be between ${JOB_MIN_PRIORITY} and ${JOB_MAX_PRIORITY}: current value is ${job.Priority}`,
    );
  }
  if (job.Datacenters.length === 0) e.add('missing job datacenters');
  job.Datacenters.forEach((dc, i) => {
    if (dc === '') e.add(`datacenter ${i + 1} must be a non-empty string`);
  });
  if (job.NodePool === '') e.add('missing job node pool');
}

function validateName(what: string, value: string, e: Errors): void {
  if (value === '') return e.add(`missing ${what}`);
  if (value.includes(' ')) e.add(`${what} must not contain a space: current value is ${q(value)}`);
  if (value.includes('\0')) e.add(`${what} must not contain a null character`);
  if (value.length > JOB_ID_LENGTH_MAX) {
    e.add(`${what} must be at most ${JOB_ID_LENGTH_MAX} characters: current length is ${value.length}`);
  }
}

function validateGroup(job: Job, g: TaskGroup, e: Errors): void {
  if (g.Name.includes('\0')) e.add('group name must not contain a null character');
  if (!Number.isInteger(g.Count) || g.Count < 0) e.add(`count must be >= 0: current value is ${g.Count}`);
  else if (g.Count > GROUP_COUNT_MAX)
    e.add(`count must be <= ${GROUP_COUNT_MAX}: current value is ${g.Count}`);
  if (job.Type === 'system' && g.Count > 1) {
    e.add(`count must not exceed 1 for a system job: current value is ${g.Count}`);
  }
  if (g.Tasks.length === 0) e.add('group must have at least one task');
  if (g.ShutdownDelay !== null && g.ShutdownDelay < 0) {
    e.add(`shutdown_delay must be >= 0: current value is ${dur(g.ShutdownDelay)}`);
  }
  if (g.MaxRunDuration !== null) {
    if (g.MaxRunDuration <= 0)
      e.add(`max_run_duration must be > 0: current value is ${dur(g.MaxRunDuration)}`);
    if (job.Type !== 'batch' && job.Type !== 'sysbatch') {
      e.add(`max_run_duration is only allowed in "batch" and "sysbatch" jobs: job type is ${q(job.Type)}`);
    }
  }
  if (g.Disconnect !== null) validateDisconnect(g.Disconnect, e.at('disconnect'));
  validateConstraints(g.Constraints, e);
  validateAffinities(g.Affinities, e, job.Type);
  validateSpreads(g.Spreads, e, job.Type);
  validateRestart(g.RestartPolicy, e.at('restart'));
  validateGroupPolicies(job, g, e);
  if (g.EphemeralDisk.SizeMB < EPHEMERAL_DISK_MIN_MB) {
    e.at('ephemeral_disk').add(
      `size must be >= ${EPHEMERAL_DISK_MIN_MB} MB: current value is ${g.EphemeralDisk.SizeMB}`,
    );
  }
  if (g.Scaling !== null) validateGroupScaling(g.Scaling, g.Count, e.at('scaling'));
  validateGroupTasks(g, e);
  validateVolumes(job, g, e);
  validateNetworks(g, e);
  validateGroupServices(g, e);
  for (const t of g.Tasks) validateTask(t, { job, group: g, e: e.at(`task ${q(t.Name)}`) });
}

function validateGroupPolicies(job: Job, g: TaskGroup, e: Errors): void {
  if (g.ReschedulePolicy !== null) {
    if (job.Type === 'system' || job.Type === 'sysbatch') {
      e.add(`reschedule is not allowed in ${q(job.Type)} jobs`);
    } else validateReschedule(g.ReschedulePolicy, e.at('reschedule'));
  }
  if (g.Update !== null) {
    if (job.Type !== 'service' && job.Type !== 'system')
      e.add(`update is not allowed in ${q(job.Type)} jobs`);
    validateUpdate(g.Update, e.at('update'));
  }
  if (g.Migrate !== null) {
    if (job.Type !== 'service') e.add(`migrate is not allowed in ${q(job.Type)} jobs`);
    else validateMigrate(g.Migrate, e.at('migrate'));
  }
}

function validateGroupTasks(g: TaskGroup, e: Errors): void {
  const seen = new Map<string, number>();
  let leaders = 0;
  let mains = 0;
  g.Tasks.forEach((t, i) => {
    if (t.Name === '') e.add(`task ${i + 1} is missing a name`);
    else if (seen.has(t.Name))
      e.add(`task ${i + 1} redefines ${q(t.Name)} from task ${seen.get(t.Name)! + 1}`);
    else seen.set(t.Name, i);
    if (t.Leader) leaders++;
    if (t.Lifecycle === null || t.Lifecycle.Hook === '') mains++;
  });
  if (leaders > 1) e.add(`only one task may be the leader: ${leaders} are`);
  if (g.Tasks.length > 0 && mains === 0)
    e.add('group must have at least one main task (a task without a lifecycle block)');
}

function validateVolumes(job: Job, g: TaskGroup, e: Errors): void {
  for (const [name, v] of Object.entries(g.Volumes ?? {})) {
    const ve = e.at(`volume ${q(name)}`);
    if (v.Type !== 'host' && v.Type !== 'csi')
      ve.add(`type must be "host" or "csi": current value is ${q(v.Type)}`);
    if (v.Source === '') ve.add('missing source');
    if (v.Type === 'csi') {
      if (v.AccessMode === '') ve.add('csi volumes require access_mode');
      if (v.AttachmentMode === '') ve.add('csi volumes require attachment_mode');
      const canaries = g.Update?.Canary ?? 0;
      if (v.PerAlloc && canaries > 0) ve.add('per_alloc volumes cannot be used with canaries');
    } else if (v.Type === 'host') {
      if (v.PerAlloc) ve.add('per_alloc is only allowed for csi volumes');
      if (v.MountOptions !== null) ve.add('mount_options is only allowed for csi volumes');
    }
    if (v.Sticky && job.Type === 'system') ve.add('sticky volumes are not allowed in "system" jobs');
  }
}

const PORT_LABEL = /^[A-Za-z0-9_]+$/;

function validateNetworks(g: TaskGroup, e: Errors): void {
  if ((g.Networks ?? []).length > 1) e.add(`only one network block is allowed: found ${g.Networks!.length}`);
  const labels = new Map<string, string>();
  const statics = new Map<string, string>();
  const check = (nets: NetworkResource[] | null, owner: string, ne: Errors) => {
    for (const n of nets ?? []) {
      validateNetworkMode(n, ne);
      for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])]) {
        const pe = ne.at(`port ${q(p.Label)}`);
        if (p.Label === '') ne.add('port is missing a label');
        else if (!PORT_LABEL.test(p.Label)) pe.add('label must contain only letters, digits and underscores');
        const other = labels.get(p.Label);
        if (other !== undefined) pe.add(`label is already used by ${other}`);
        else labels.set(p.Label, owner);
        if (p.Value < 0 || p.Value > PORT_MAX)
          pe.add(`static must be between 0 and ${PORT_MAX}: current value is ${p.Value}`);
        else if (p.Value !== 0) {
          const key = `${p.HostNetwork}:${p.Value}`;
          const taken = statics.get(key);
          if (taken !== undefined) pe.add(`static port ${p.Value} is already reserved by ${taken}`);
          else statics.set(key, `${owner} port ${q(p.Label)}`);
        }
        if (p.To < -1 || p.To > PORT_MAX)
          pe.add(`to must be between -1 and ${PORT_MAX}: current value is ${p.To}`);
      }
    }
  };
  check(g.Networks, 'the group network', e.at('network'));
  for (const t of g.Tasks)
    check(t.Resources.Networks, `task ${q(t.Name)}`, e.at(`task ${q(t.Name)} network`));
}

function validateNetworkMode(n: NetworkResource, e: Errors): void {
  const m = n.Mode;
  if (m === '' || m === 'host' || m === 'bridge' || m === 'none' || /^cni\/.+/.test(m)) return;
  e.add(`mode must be one of "host", "bridge", "none", "cni/<name>": current value is ${q(m)}`);
}
