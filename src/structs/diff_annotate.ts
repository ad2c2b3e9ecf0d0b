/**
 * Annotations on a job diff, for people reading `job plan`: what each group's allocations will go
 * through (from the scheduler's dry run), and what each change forces. The rules are Nomad's
 * (scheduler/annotate.go): a count going up forces create, down forces destroy; a task change is an
 * in-place update only when it touches nothing but the kill timeout, services, constraints,
 * affinities, spreads or the log settings (other than turning logging on or off); anything else
 * replaces the allocation (create/destroy).
 */
import type { JobDiff, TaskDiff, TaskGroupDiff } from './diff.ts';
import type { DesiredUpdates, PlanAnnotations } from './plan.ts';

export const ANNOTATIONS = {
  forcesCreate: 'forces create',
  forcesDestroy: 'forces destroy',
  forcesInplaceUpdate: 'forces in-place update',
  forcesDestructiveUpdate: 'forces create/destroy update',
} as const;

/** The names of the counts shown beside a task group, e.g. "(2 create, 1 in-place update)". */
export const UPDATE_TYPES = {
  ignore: 'ignore',
  create: 'create',
  destroy: 'destroy',
  migrate: 'migrate',
  canary: 'canary',
  inplaceUpdate: 'in-place update',
  destructiveUpdate: 'create/destroy update',
} as const;

const UPDATE_COUNTS: readonly [keyof DesiredUpdates, string][] = [
  ['Ignore', UPDATE_TYPES.ignore],
  ['Place', UPDATE_TYPES.create],
  ['Migrate', UPDATE_TYPES.migrate],
  ['Stop', UPDATE_TYPES.destroy],
  ['Canary', UPDATE_TYPES.canary],
  ['InPlaceUpdate', UPDATE_TYPES.inplaceUpdate],
  ['DestructiveUpdate', UPDATE_TYPES.destructiveUpdate],
];

// Object changes a running task takes without being replaced.
const INPLACE_OBJECTS: ReadonlySet<string> = new Set(['Service', 'Constraint', 'Affinity', 'Spread']);
// Primitive task fields whose change is applied in place.
const INPLACE_FIELDS: ReadonlySet<string> = new Set(['KillTimeout']);

/** Annotates the diff in place (it is the caller's fresh value) and returns it. */
export function annotateJobDiff(diff: JobDiff, annotations: PlanAnnotations | null): JobDiff {
  for (const tg of diff.TaskGroups) annotateTaskGroup(tg, annotations);
  return diff;
}

function annotateTaskGroup(tg: TaskGroupDiff, annotations: PlanAnnotations | null): void {
  const desired = annotations?.DesiredTGUpdates[tg.Name];
  if (desired !== undefined) {
    for (const [key, name] of UPDATE_COUNTS) {
      const count = desired[key];
      if (count !== 0) tg.Updates[name] = count;
    }
  }
  annotateCountChange(tg);
  for (const task of tg.Tasks) annotateTask(task, tg);
}

function annotateCountChange(tg: TaskGroupDiff): void {
  const count = tg.Fields.find((f) => f.Name === 'Count');
  if (count === undefined) return;
  const oldCount = count.Old === '' ? 0 : Number(count.Old);
  const newCount = count.New === '' ? 0 : Number(count.New);
  if (oldCount < newCount) count.Annotations = [...(count.Annotations ?? []), ANNOTATIONS.forcesCreate];
  else if (newCount < oldCount) count.Annotations = [...(count.Annotations ?? []), ANNOTATIONS.forcesDestroy];
}

function annotateTask(task: TaskDiff, parent: TaskGroupDiff): void {
  if (task.Type === 'None') return;
  const annotations = task.Annotations ?? [];
  task.Annotations = annotations;
  // A whole group coming or going takes its tasks with it.
  if (parent.Type === 'Added' || parent.Type === 'Deleted') {
    if (task.Type === 'Added') {
      annotations.push(ANNOTATIONS.forcesCreate);
      return;
    }
    if (task.Type === 'Deleted') {
      annotations.push(ANNOTATIONS.forcesDestroy);
      return;
    }
  }
  annotations.push(
    taskChangeDestructive(task) ? ANNOTATIONS.forcesDestructiveUpdate : ANNOTATIONS.forcesInplaceUpdate,
  );
}

/** Whether a task's change needs a new allocation (true) or can be applied to the running one. */
export function taskChangeDestructive(task: Pick<TaskDiff, 'Fields' | 'Objects'>): boolean {
  if (task.Fields.some((f) => f.Type !== 'None' && !INPLACE_FIELDS.has(f.Name))) return true;
  for (const o of task.Objects) {
    if (o.Type === 'None' || INPLACE_OBJECTS.has(o.Name)) continue;
    if (o.Name === 'LogConfig') {
      // Turning logging on or off changes how the task is started; the rotation settings do not.
      if (o.Fields.some((f) => f.Name === 'Disabled' && f.Type !== 'None')) return true;
      continue;
    }
    return true;
  }
  return false;
}
