/**
 * Canonicalization: fills in Nomad's defaults so that every reader of a Job can rely on them.
 * What a job file or an API body gives is a JobInput (any field may be missing); what comes out
 * is a complete Job in the shape Nomad's API shows after registration. The rules follow Nomad's
 * two passes (the API client's Canonicalize, then the server's): the job's update, migrate and
 * reschedule blocks are pushed down into each group, restart and reschedule defaults depend on
 * the job type, and empty arrays and maps become null, as Nomad's JSON shows them.
 *
 * Canonicalizing a canonical job gives the same job (tested), so the function is safe to apply
 * at every edge (CLI, HTTP, server endpoint).
 */
import type {
  EphemeralDisk,
  Job,
  JobType,
  MigrateStrategy,
  ParameterizedJobConfig,
  PeriodicConfig,
  ReschedulePolicy,
  RestartPolicy,
  ScalingPolicy,
  Spread,
  TaskGroup,
  UpdateStrategy,
} from './job.ts';
import { DEFAULT_NAMESPACE, DEFAULT_NODE_POOL, DEFAULT_REGION, JOB_DEFAULT_PRIORITY } from './job.ts';
import { canonicalizeNetworks, canonicalizeServices, canonicalizeTask } from './canonicalize_task.ts';
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

export type { DeepPartial } from './canonicalize_util.ts';
export { or, fill } from './canonicalize_util.ts';

/** What a job file or an API body gives: any field may be missing (undefined or null). */
export type JobInput = DeepPartial<Job>;
export type TaskGroupInput = DeepPartial<TaskGroup>;

const SECOND_NS = 1e9;
const MINUTE_NS = 60 * SECOND_NS;
const HOUR_NS = 60 * MINUTE_NS;

export const DEFAULT_UPDATE_STRATEGY: Readonly<UpdateStrategy> = {
  Stagger: 30 * SECOND_NS,
  MaxParallel: 1,
  HealthCheck: 'checks',
  MinHealthyTime: 10 * SECOND_NS,
  HealthyDeadline: 5 * MINUTE_NS,
  ProgressDeadline: 10 * MINUTE_NS,
  AutoRevert: false,
  AutoPromote: false,
  Canary: 0,
};

/** The job-level update strategy of a job that has none (batch and sysbatch jobs). */
const EMPTY_UPDATE_STRATEGY: Readonly<UpdateStrategy> = {
  Stagger: 0,
  MaxParallel: 0,
  HealthCheck: '',
  MinHealthyTime: 0,
  HealthyDeadline: 0,
  ProgressDeadline: 0,
  AutoRevert: false,
  AutoPromote: false,
  Canary: 0,
};

export const DEFAULT_MIGRATE_STRATEGY: Readonly<MigrateStrategy> = {
  MaxParallel: 1,
  HealthCheck: 'checks',
  MinHealthyTime: 10 * SECOND_NS,
  HealthyDeadline: 5 * MINUTE_NS,
};

export const DEFAULT_SERVICE_RESTART_POLICY: Readonly<RestartPolicy> = {
  Attempts: 2,
  Interval: 30 * MINUTE_NS,
  Delay: 15 * SECOND_NS,
  Mode: 'fail',
  RenderTemplates: false,
};

export const DEFAULT_BATCH_RESTART_POLICY: Readonly<RestartPolicy> = {
  Attempts: 3,
  Interval: 24 * HOUR_NS,
  Delay: 15 * SECOND_NS,
  Mode: 'fail',
  RenderTemplates: false,
};

export const DEFAULT_SERVICE_RESCHEDULE_POLICY: Readonly<ReschedulePolicy> = {
  Attempts: 0,
  Interval: 0,
  Delay: 30 * SECOND_NS,
  DelayFunction: 'exponential',
  MaxDelay: HOUR_NS,
  Unlimited: true,
};

export const DEFAULT_BATCH_RESCHEDULE_POLICY: Readonly<ReschedulePolicy> = {
  Attempts: 1,
  Interval: 24 * HOUR_NS,
  Delay: 5 * SECOND_NS,
  DelayFunction: 'constant',
  MaxDelay: 0,
  Unlimited: false,
};

/** What fills a reschedule block that a system or sysbatch job gives (Nomad then refuses it). */
const ZERO_RESCHEDULE_POLICY: Readonly<ReschedulePolicy> = {
  Attempts: 0,
  Interval: 0,
  Delay: 0,
  DelayFunction: '',
  MaxDelay: 0,
  Unlimited: false,
};

export const DEFAULT_EPHEMERAL_DISK_MB = 300;

/** Overlays the fields a partial gives onto another partial (Nomad's Merge). */
function merge<T extends object>(
  base: DeepPartial<T> | null | undefined,
  over: DeepPartial<T> | null | undefined,
) {
  const out: Record<string, unknown> = { ...(base ?? {}) };
  for (const [k, v] of Object.entries(over ?? {})) if (v !== undefined && v !== null) out[k] = v;
  return out as DeepPartial<T>;
}

export function canonicalizeJob(input: JobInput): Job {
  const type = or(input.Type, 'service') as JobType;
  const id = or(input.ID, '');
  const name = or(input.Name, id);
  const namespace = input.Namespace === undefined || input.Namespace === null || input.Namespace === '';
  const jobUpdate = jobUpdateInput(input.Update, type);
  const ctx: GroupContext = {
    type,
    jobName: name,
    jobId: id,
    namespace: namespace ? DEFAULT_NAMESPACE : input.Namespace!,
    update: jobUpdate,
    migrate: input.Migrate,
    reschedule: input.Reschedule,
  };
  const datacenters = (input.Datacenters ?? []).filter(present);
  const priority = or(input.Priority, 0);
  const job: Job = {
    Region: or(input.Region, DEFAULT_REGION),
    Namespace: ctx.namespace,
    ID: id,
    ParentID: or(input.ParentID, ''),
    Name: name,
    Type: type,
    Priority: priority === 0 ? JOB_DEFAULT_PRIORITY : priority,
    AllAtOnce: or(input.AllAtOnce, false),
    Datacenters: datacenters.length === 0 ? ['*'] : datacenters,
    NodePool:
      input.NodePool === undefined || input.NodePool === null || input.NodePool === ''
        ? DEFAULT_NODE_POOL
        : input.NodePool,
    Constraints: canonicalizeConstraints(input.Constraints),
    Affinities: canonicalizeAffinities(input.Affinities),
    Spreads: canonicalizeSpreads(input.Spreads),
    TaskGroups: (input.TaskGroups ?? []).filter(present).map((g) => canonicalizeGroup(g, ctx)),
    Update: jobLevelUpdate(jobUpdate),
    Multiregion: or(input.Multiregion, null),
    Periodic: present(input.Periodic) ? canonicalizePeriodic(input.Periodic) : null,
    ParameterizedJob: present(input.ParameterizedJob)
      ? canonicalizeParameterized(input.ParameterizedJob)
      : null,
    Dispatched: or(input.Dispatched, false),
    DispatchIdempotencyToken: or(input.DispatchIdempotencyToken, ''),
    Payload: or(input.Payload, null),
    Meta: orNullMap(stringMap(input.Meta)),
    ConsulToken: or(input.ConsulToken, ''),
    VaultToken: or(input.VaultToken, ''),
    Stop: or(input.Stop, false),
    Status: or(input.Status, 'pending'),
    StatusDescription: or(input.StatusDescription, ''),
    Stable: or(input.Stable, false),
    Version: or(input.Version, 0),
    SubmitTime: or(input.SubmitTime, 0),
    CreateIndex: or(input.CreateIndex, 0),
    ModifyIndex: or(input.ModifyIndex, 0),
    JobModifyIndex: or(input.JobModifyIndex, 0),
  };
  if (present(input.UI)) job.UI = input.UI;
  return job;
}

/** The job's update block as the groups inherit it: service and system jobs get the default. */
function jobUpdateInput(update: DeepPartial<UpdateStrategy> | null | undefined, type: JobType) {
  if (present(update)) return fillUpdateHead(update);
  if (type === 'service' || type === 'system')
    return { ...DEFAULT_UPDATE_STRATEGY } as DeepPartial<UpdateStrategy>;
  return null;
}

/** Nomad's first pass fills only these fields of a job's own update block. */
function fillUpdateHead(u: DeepPartial<UpdateStrategy>): DeepPartial<UpdateStrategy> {
  const d = DEFAULT_UPDATE_STRATEGY;
  return {
    ...u,
    MaxParallel: or(u.MaxParallel, d.MaxParallel),
    Stagger: or(u.Stagger, d.Stagger),
    HealthCheck: or(u.HealthCheck, d.HealthCheck),
    HealthyDeadline: or(u.HealthyDeadline, d.HealthyDeadline),
    ProgressDeadline: or(u.ProgressDeadline, d.ProgressDeadline),
  };
}

/** After the groups inherit it, Nomad keeps only stagger and max_parallel at the job level. */
function jobLevelUpdate(update: DeepPartial<UpdateStrategy> | null): UpdateStrategy {
  if (update === null || !(or(update.MaxParallel, 0) > 0)) return { ...EMPTY_UPDATE_STRATEGY };
  return { ...EMPTY_UPDATE_STRATEGY, Stagger: or(update.Stagger, 0), MaxParallel: or(update.MaxParallel, 0) };
}

function updateIsEmpty(u: DeepPartial<UpdateStrategy>): boolean {
  return (
    !u.Stagger &&
    !u.MaxParallel &&
    !u.HealthCheck &&
    !u.MinHealthyTime &&
    !u.HealthyDeadline &&
    !u.ProgressDeadline &&
    !u.AutoRevert &&
    !u.AutoPromote &&
    !u.Canary
  );
}

interface GroupContext {
  type: JobType;
  jobName: string;
  jobId: string;
  namespace: string;
  update: DeepPartial<UpdateStrategy> | null;
  migrate: DeepPartial<MigrateStrategy> | null | undefined;
  reschedule: DeepPartial<ReschedulePolicy> | null | undefined;
}

function canonicalizeGroup(g: TaskGroupInput, ctx: GroupContext): TaskGroup {
  const name = or(g.Name, '');
  let count = present(g.Count) ? g.Count : present(g.Scaling?.Min) ? g.Scaling.Min : 1;
  if (ctx.type === 'system' && count === 0) count = 1;
  const restart = fill<RestartPolicy>(
    g.RestartPolicy,
    ctx.type === 'service' || ctx.type === 'system'
      ? DEFAULT_SERVICE_RESTART_POLICY
      : DEFAULT_BATCH_RESTART_POLICY,
  );
  const taskCtx = {
    jobName: ctx.jobName,
    jobId: ctx.jobId,
    namespace: ctx.namespace,
    groupName: name,
    groupRestart: restart,
  };
  return {
    Name: name,
    Count: count,
    Update: groupUpdate(g.Update, ctx.update),
    Migrate: groupMigrate(g.Migrate, ctx),
    Constraints: canonicalizeConstraints(g.Constraints),
    Scaling: present(g.Scaling) ? canonicalizeScaling(g.Scaling, { ...ctx, groupName: name, count }) : null,
    RestartPolicy: restart,
    Tasks: (g.Tasks ?? []).filter(present).map((t) => canonicalizeTask(t, taskCtx)),
    EphemeralDisk: fill<EphemeralDisk>(g.EphemeralDisk, {
      Sticky: false,
      Migrate: false,
      SizeMB: DEFAULT_EPHEMERAL_DISK_MB,
    }),
    Meta: orNullMap(stringMap(g.Meta)),
    ReschedulePolicy: groupReschedule(g.ReschedulePolicy, ctx),
    Affinities: canonicalizeAffinities(g.Affinities),
    Spreads: canonicalizeSpreads(g.Spreads),
    Networks: canonicalizeNetworks(g.Networks),
    Consul: (or(g.Consul, null) as Record<string, unknown> | null) ?? null,
    Services: canonicalizeServices(g.Services, { jobName: ctx.jobName, groupName: name, taskName: null }),
    Volumes: canonicalizeVolumes(g.Volumes),
    ShutdownDelay: or(g.ShutdownDelay, null),
    StopAfterClientDisconnect: or(g.StopAfterClientDisconnect, null),
    MaxClientDisconnect: or(g.MaxClientDisconnect, null),
    PreventRescheduleOnLost: or(g.PreventRescheduleOnLost, false),
    Disconnect: present(g.Disconnect)
      ? {
          LostAfter: or(g.Disconnect.LostAfter, 0),
          Replace: or(g.Disconnect.Replace, true),
          Reconcile: or(g.Disconnect.Reconcile, 'best_score'),
          StopOnClientAfter: or(g.Disconnect.StopOnClientAfter, null),
        }
      : null,
    MaxRunDuration: or(g.MaxRunDuration, null),
  };
}

function groupUpdate(
  own: DeepPartial<UpdateStrategy> | null | undefined,
  job: DeepPartial<UpdateStrategy> | null,
): UpdateStrategy | null {
  let merged: DeepPartial<UpdateStrategy> | null = null;
  if (job !== null && present(own)) merged = merge(job, own);
  else if (job !== null && !updateIsEmpty(job)) merged = { ...job };
  else if (present(own)) merged = own;
  return merged === null ? null : fill<UpdateStrategy>(merged, DEFAULT_UPDATE_STRATEGY);
}

function groupMigrate(own: DeepPartial<MigrateStrategy> | null | undefined, ctx: GroupContext) {
  let merged: DeepPartial<MigrateStrategy> | null = null;
  if (present(ctx.migrate) || present(own)) merged = merge(ctx.migrate, own);
  if (merged === null && ctx.type === 'service') merged = {};
  return merged === null ? null : fill<MigrateStrategy>(merged, DEFAULT_MIGRATE_STRATEGY);
}

function groupReschedule(own: DeepPartial<ReschedulePolicy> | null | undefined, ctx: GroupContext) {
  let merged: DeepPartial<ReschedulePolicy> | null = null;
  if (present(ctx.reschedule) || present(own)) merged = merge(ctx.reschedule, own);
  if (merged === null) {
    if (ctx.type === 'system' || ctx.type === 'sysbatch') return null;
    merged = {};
  }
  const defaults =
    ctx.type === 'service'
      ? DEFAULT_SERVICE_RESCHEDULE_POLICY
      : ctx.type === 'batch'
        ? DEFAULT_BATCH_RESCHEDULE_POLICY
        : ZERO_RESCHEDULE_POLICY;
  return fill<ReschedulePolicy>(merged, defaults);
}

function canonicalizeScaling(
  s: DeepPartial<ScalingPolicy>,
  ctx: { namespace: string; jobId: string; groupName: string; count: number },
): ScalingPolicy {
  return {
    ID: or(s.ID, ''),
    Type: or(s.Type, 'horizontal'),
    Target: orNullMap(stringMap(s.Target)) ?? {
      Namespace: ctx.namespace,
      Job: ctx.jobId,
      Group: ctx.groupName,
    },
    Min: or(s.Min, ctx.count),
    Max: or(s.Max, 0),
    Policy: (or(s.Policy, null) as Record<string, unknown> | null) ?? null,
    Enabled: or(s.Enabled, true),
  };
}

function canonicalizeSpreads(list: (DeepPartial<Spread> | undefined)[] | null | undefined) {
  return orNullList(
    (list ?? []).filter(present).map((s) => ({
      Attribute: or(s.Attribute, ''),
      Weight: or(s.Weight, 50),
      SpreadTarget: orNullList(
        (s.SpreadTarget ?? [])
          .filter(present)
          .map((t) => ({ Value: or(t.Value, ''), Percent: or(t.Percent, 0) })),
      ),
    })),
  );
}

function canonicalizePeriodic(p: DeepPartial<PeriodicConfig>): PeriodicConfig {
  return {
    Enabled: or(p.Enabled, true),
    Spec: or(p.Spec, ''),
    Specs: (p.Specs ?? []).filter(present),
    SpecType: or(p.SpecType, 'cron'),
    ProhibitOverlap: or(p.ProhibitOverlap, false),
    TimeZone: p.TimeZone === undefined || p.TimeZone === null || p.TimeZone === '' ? 'UTC' : p.TimeZone,
  };
}

function canonicalizeParameterized(p: DeepPartial<ParameterizedJobConfig>): ParameterizedJobConfig {
  return {
    Payload: p.Payload === undefined || p.Payload === null || p.Payload === '' ? 'optional' : p.Payload,
    MetaRequired: orNullList((p.MetaRequired ?? []).filter(present)),
    MetaOptional: orNullList((p.MetaOptional ?? []).filter(present)),
  };
}

function canonicalizeVolumes(volumes: TaskGroupInput['Volumes']): TaskGroup['Volumes'] {
  if (!present(volumes)) return null;
  const out: NonNullable<TaskGroup['Volumes']> = {};
  for (const [key, v] of Object.entries(volumes)) {
    if (!present(v)) continue;
    out[key] = {
      Name: or(v.Name, key),
      Type: or(v.Type, ''),
      Source: or(v.Source, ''),
      ReadOnly: or(v.ReadOnly, false),
      Sticky: or(v.Sticky, false),
      AccessMode: or(v.AccessMode, ''),
      AttachmentMode: or(v.AttachmentMode, ''),
      MountOptions: present(v.MountOptions)
        ? {
            FSType: or(v.MountOptions.FSType, ''),
            MountFlags: orNullList((v.MountOptions.MountFlags ?? []).filter(present)),
          }
        : null,
      PerAlloc: or(v.PerAlloc, false),
    };
  }
  return Object.keys(out).length === 0 ? null : out;
}
