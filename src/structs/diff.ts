/**
 * The structured difference between two versions of a job, in Nomad's shape (nomad/structs/diff.go):
 * what `job plan` prints, and what the plan endpoint returns as `Diff`. Fields are flattened to
 * text ("Count": "1" => "3"); blocks are objects with fields of their own; groups and tasks are
 * matched by name. In contextual mode an edited block keeps its unchanged fields beside the changed
 * ones, so the reader sees what the change sits next to.
 */
import { NomadError } from '../lib/errors.ts';
import {
  deepEqual,
  fieldDiffs,
  flattenPrimitive,
  mapDiff,
  positionalDiffs,
  primitiveObjectDiff,
  primitiveObjectSetDiff,
  stringSetDiff,
  blockDiff,
  type DiffType,
  type FieldDiff,
  type ObjectDiff,
} from './diff_fields.ts';
import {
  disconnectDiff,
  freeformDiff,
  networkResourceDiffs,
  resourcesDiff,
  scalingDiff,
  serviceDiffs,
  templateDiffs,
  volumeDiffs,
  volumeMountDiffs,
} from './diff_blocks.ts';
import type { Job, Task, TaskGroup } from './job.ts';

export type { DiffType, FieldDiff, ObjectDiff } from './diff_fields.ts';
export { annotateJobDiff, ANNOTATIONS, UPDATE_TYPES } from './diff_annotate.ts';

export interface TaskDiff {
  Type: DiffType;
  Name: string;
  Fields: FieldDiff[];
  Objects: ObjectDiff[];
  Annotations: string[] | null;
}

export interface TaskGroupDiff {
  Type: DiffType;
  Name: string;
  Fields: FieldDiff[];
  Objects: ObjectDiff[];
  Tasks: TaskDiff[];
  /** Filled in by annotateJobDiff(): "create", "ignore", "in-place update", ... -> count. */
  Updates: Record<string, number>;
}

export interface JobDiff {
  Type: DiffType;
  ID: string;
  Fields: FieldDiff[];
  Objects: ObjectDiff[];
  TaskGroups: TaskGroupDiff[];
}

export interface DiffOptions {
  /** Keep unchanged fields next to changed ones inside edited blocks. */
  contextual: boolean;
}

// Bookkeeping that changes on every registration, and the update block (diffed per group instead).
const JOB_IGNORED_FIELDS = [
  'ID',
  'Status',
  'StatusDescription',
  'Version',
  'Stable',
  'CreateIndex',
  'ModifyIndex',
  'JobModifyIndex',
  'Update',
  'SubmitTime',
  'NomadTokenID',
  'VaultToken',
  'Payload',
];

/** Diffs two versions of one job; null on either side means the job is being added or removed. */
export function diffJobs(oldJob: Job | null, newJob: Job | null, opts: DiffOptions): JobDiff {
  const diff: JobDiff = { Type: 'None', ID: '', Fields: [], Objects: [], TaskGroups: [] };
  if (oldJob === null && newJob === null) return diff;
  if (oldJob !== null && newJob !== null && oldJob.ID !== newJob.ID) {
    throw new NomadError(
      'bad_request',
      `Cannot diff jobs with different IDs: "${oldJob.ID}" and "${newJob.ID}"`,
    );
  }
  const { contextual } = opts;
  diff.Type = oldJob === null ? 'Added' : newJob === null ? 'Deleted' : 'None';
  diff.ID = (newJob ?? oldJob)!.ID;
  const o: Partial<Job> = oldJob ?? {};
  const n: Partial<Job> = newJob ?? {};
  diff.Fields = fieldDiffs(
    oldJob === null ? null : flattenPrimitive(oldJob, JOB_IGNORED_FIELDS),
    newJob === null ? null : flattenPrimitive(newJob, JOB_IGNORED_FIELDS),
    false,
  );
  const dcs = stringSetDiff(o.Datacenters, n.Datacenters, 'Datacenters', contextual);
  if (dcs !== null && dcs.Type !== 'None') diff.Objects.push(dcs);
  diff.Objects.push(...primitiveObjectSetDiff(o.Constraints, n.Constraints, 'Constraint', contextual));
  diff.Objects.push(...primitiveObjectSetDiff(o.Affinities, n.Affinities, 'Affinity', contextual));
  diff.TaskGroups = taskGroupDiffs(o.TaskGroups ?? [], n.TaskGroups ?? [], contextual);
  const periodic = blockDiff(o.Periodic, n.Periodic, 'Periodic', {
    contextual,
    nested: (a, b) => {
      const specs = stringSetDiff(a.Specs, b.Specs, 'Specs', contextual);
      return [specs !== null && specs.Type !== 'None' ? specs : null];
    },
  });
  const parameterized = blockDiff(o.ParameterizedJob, n.ParameterizedJob, 'ParameterizedJob', {
    contextual,
    nested: (a, b) => [
      stringSetDiff(a.MetaOptional, b.MetaOptional, 'MetaOptional', contextual),
      stringSetDiff(a.MetaRequired, b.MetaRequired, 'MetaRequired', contextual),
    ],
  });
  for (const d of [periodic, parameterized]) if (d !== null) diff.Objects.push(d);
  if (diff.Type === 'None' && changed(diff.Fields, diff.Objects, diff.TaskGroups)) diff.Type = 'Edited';
  return diff;
}

function changed(...lists: readonly (readonly { Type: DiffType }[])[]): boolean {
  return lists.some((l) => l.some((d) => d.Type !== 'None'));
}

function byName<T extends { Name: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((i) => [i.Name, i]));
}

function matchByName<T extends { Name: string }, D extends { Name: string }>(
  olds: readonly T[],
  news: readonly T[],
  diff: (o: T | null, n: T | null) => D,
): D[] {
  const oldMap = byName(olds);
  const newMap = byName(news);
  const out: D[] = [];
  for (const [name, o] of oldMap) out.push(diff(o, newMap.get(name) ?? null));
  for (const [name, n] of newMap) if (!oldMap.has(name)) out.push(diff(null, n));
  return out.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function taskGroupDiffs(
  olds: readonly TaskGroup[],
  news: readonly TaskGroup[],
  contextual: boolean,
): TaskGroupDiff[] {
  return matchByName(olds, news, (o, n) => diffTaskGroups(o, n, { contextual }));
}

export function diffTaskGroups(
  oldTg: TaskGroup | null,
  newTg: TaskGroup | null,
  opts: DiffOptions,
): TaskGroupDiff {
  const { contextual } = opts;
  const type: DiffType =
    oldTg === null ? 'Added' : newTg === null ? 'Deleted' : deepEqual(oldTg, newTg) ? 'None' : 'Edited';
  const o: Partial<TaskGroup> = oldTg ?? {};
  const n: Partial<TaskGroup> = newTg ?? {};
  const objects: (ObjectDiff | null)[] = [
    ...primitiveObjectSetDiff(o.Constraints, n.Constraints, 'Constraint', contextual),
    ...primitiveObjectSetDiff(o.Affinities, n.Affinities, 'Affinity', contextual),
    primitiveObjectDiff(o.RestartPolicy, n.RestartPolicy, 'RestartPolicy', { contextual }),
    primitiveObjectDiff(o.Migrate, n.Migrate, 'Migrate', { contextual }),
    primitiveObjectDiff(o.ReschedulePolicy, n.ReschedulePolicy, 'ReschedulePolicy', { contextual }),
    primitiveObjectDiff(o.EphemeralDisk, n.EphemeralDisk, 'EphemeralDisk', { contextual }),
    primitiveObjectDiff(o.Consul, n.Consul, 'Consul', { contextual }),
    primitiveObjectDiff(o.Update, n.Update, 'Update', { contextual, filter: ['Stagger'] }),
    disconnectDiff(o.Disconnect, n.Disconnect, contextual),
    ...networkResourceDiffs(o.Networks, n.Networks, contextual),
    scalingDiff(o.Scaling, n.Scaling, contextual),
    ...serviceDiffs(o.Services, n.Services, contextual),
    ...volumeDiffs(o.Volumes, n.Volumes, contextual),
  ];
  return {
    Type: type,
    Name: (newTg ?? oldTg)?.Name ?? '',
    Fields: fieldDiffs(
      oldTg === null ? null : flattenPrimitive(oldTg, ['Name']),
      newTg === null ? null : flattenPrimitive(newTg, ['Name']),
      false,
    ),
    Objects: objects.filter((d) => d !== null),
    Tasks: matchByName(o.Tasks ?? [], n.Tasks ?? [], (a, b) => diffTasks(a, b, { contextual })),
    Updates: {},
  };
}

export function diffTasks(oldTask: Task | null, newTask: Task | null, opts: DiffOptions): TaskDiff {
  const { contextual } = opts;
  const type: DiffType =
    oldTask === null
      ? 'Added'
      : newTask === null
        ? 'Deleted'
        : deepEqual(oldTask, newTask)
          ? 'None'
          : 'Edited';
  const o: Partial<Task> = oldTask ?? {};
  const n: Partial<Task> = newTask ?? {};
  const objects: (ObjectDiff | null)[] = [
    ...primitiveObjectSetDiff(o.Constraints, n.Constraints, 'Constraint', contextual),
    ...primitiveObjectSetDiff(o.Affinities, n.Affinities, 'Affinity', contextual),
    mapDiff(o.Config, n.Config, 'Config', contextual),
    resourcesDiff(o.Resources, n.Resources, contextual),
    primitiveObjectDiff(o.LogConfig, n.LogConfig, 'LogConfig', { contextual }),
    primitiveObjectDiff(o.DispatchPayload, n.DispatchPayload, 'DispatchPayload', { contextual }),
    // Nomad leaves the lifecycle block out of the diff; we show it, so its change is not silent.
    primitiveObjectDiff(o.Lifecycle, n.Lifecycle, 'Lifecycle', { contextual }),
    ...primitiveObjectSetDiff(o.Artifacts, n.Artifacts, 'Artifact', contextual),
    ...serviceDiffs(o.Services, n.Services, contextual),
    freeformDiff(o.Vault, n.Vault, 'Vault', contextual),
    primitiveObjectDiff(o.Consul, n.Consul, 'Consul', { contextual }),
    ...templateDiffs(o.Templates, n.Templates, contextual),
    freeformDiff(o.Identity, n.Identity, 'Identity', contextual),
    ...positionalDiffs(o.Identities, n.Identities, (a, b) => freeformDiff(a, b, 'Identity', contextual)),
    ...volumeMountDiffs(o.VolumeMounts, n.VolumeMounts, contextual),
  ];
  return {
    Type: type,
    Name: (newTask ?? oldTask)?.Name ?? '',
    Fields: fieldDiffs(
      oldTask === null ? null : flattenPrimitive(oldTask, ['Name']),
      newTask === null ? null : flattenPrimitive(newTask, ['Name']),
      false,
    ),
    Objects: objects.filter((d) => d !== null),
    Annotations: null,
  };
}
