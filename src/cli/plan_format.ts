/**
 * `job plan`'s text: the annotated diff with its markers ("+", "-", "+/-") and alignment, the
 * scheduler's dry-run summary, and the check-index hint. Markup ([bold], [green], ...) is left
 * in; the Ui turns it into colour or strips it.
 */
import type { AllocMetric } from '../structs/allocation.ts';
import type { FieldDiff, JobDiff, ObjectDiff, TaskDiff, TaskGroupDiff } from '../structs/diff.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { PlanAnnotations } from '../structs/plan.ts';
import { formatAllocMetrics } from './alloc_metrics.ts';
import { formatDurationNs, formatTime, prettyTimeDiff } from './format/time.ts';

type DiffType = JobDiff['Type'];

function marker(type: DiffType): [string, number] {
  switch (type) {
    case 'Added':
      return ['[green]+[reset] ', 2];
    case 'Deleted':
      return ['[red]-[reset] ', 2];
    case 'Edited':
      return ['[light_yellow]+/-[reset] ', 4];
    default:
      return ['', 0];
  }
}

const ANNOTATION_COLORS: Readonly<Record<string, string>> = {
  'forces create': 'green',
  'forces destroy': 'red',
  'forces in-place update': 'cyan',
  'forces create/destroy update': 'yellow',
};

function colorAnnotations(annotations: readonly string[]): string {
  return annotations
    .map((a) => (ANNOTATION_COLORS[a] === undefined ? a : `[${ANNOTATION_COLORS[a]}]${a}[reset]`))
    .join(', ');
}

const UPDATE_COLORS: Readonly<Record<string, string>> = {
  create: '[green]',
  destroy: '[red]',
  migrate: '[blue]',
  'in-place update': '[cyan]',
  'create/destroy update': '[yellow]',
  canary: '[light_yellow]',
};

const sp = (n: number): string => ' '.repeat(Math.max(0, n));

/** The whole diff; verbose expands added and removed groups and tasks and unchanged job fields. */
export function formatJobDiff(job: JobDiff, verbose: boolean): string {
  const [m] = marker(job.Type);
  let out = `${m}[bold]Job: ${JSON.stringify(job.ID)}\n`;
  const [longestField, fieldMarker] = longestPrefixes(job.Fields, job.Objects);
  const longestMarker = Math.max(fieldMarker, ...job.TaskGroups.map((tg) => marker(tg.Type)[1]));
  if (job.Type === 'Edited' || verbose) {
    const fo = alignedFieldsAndObjects(job.Fields, job.Objects, 0, longestField, longestMarker);
    out += fo;
    if (fo.length > 0) out += '\n';
  }
  for (const tg of job.TaskGroups) {
    out += `${formatTaskGroupDiff(tg, longestMarker - marker(tg.Type)[1], verbose)}\n`;
  }
  return out;
}

function formatTaskGroupDiff(tg: TaskGroupDiff, tgPrefix: number, verbose: boolean): string {
  const [m] = marker(tg.Type);
  let out = `${m}${sp(tgPrefix)}[bold]Task Group: ${JSON.stringify(tg.Name)}[reset]`;
  const updates = Object.keys(tg.Updates ?? {}).sort();
  if (updates.length > 0) {
    const parts = updates.map((u) => `[reset]${UPDATE_COLORS[u] ?? ''}${tg.Updates[u]} ${u}`);
    out += ` (${parts.join(', ')}[reset])\n`;
  } else {
    out += '[reset]\n';
  }
  const [longestField, fieldMarker] = longestPrefixes(tg.Fields, tg.Objects);
  const longestMarker = Math.max(fieldMarker, ...tg.Tasks.map((t) => marker(t.Type)[1]));
  const subStart = tgPrefix + 2;
  if (tg.Type === 'Edited' || verbose) {
    const fo = alignedFieldsAndObjects(tg.Fields, tg.Objects, subStart, longestField, longestMarker);
    out += fo;
    if (fo.length > 0) out += '\n';
  }
  for (const t of tg.Tasks) {
    out += `${formatTaskDiff(t, subStart, longestMarker - marker(t.Type)[1], verbose)}\n`;
  }
  return out;
}

function formatTaskDiff(task: TaskDiff, start: number, taskPrefix: number, verbose: boolean): string {
  const [m] = marker(task.Type);
  let out = `${sp(start)}${m}${sp(taskPrefix)}[bold]Task: ${JSON.stringify(task.Name)}`;
  if ((task.Annotations ?? []).length > 0) out += ` [reset](${colorAnnotations(task.Annotations!)})`;
  if (task.Type === 'None') return out;
  if ((task.Type === 'Deleted' || task.Type === 'Added') && !verbose) return out;
  out += '\n';
  const [longestField, longestMarker] = longestPrefixes(task.Fields, task.Objects);
  return out + alignedFieldsAndObjects(task.Fields, task.Objects, start + 2, longestField, longestMarker);
}

function formatObjectDiff(diff: ObjectDiff, start: number, keyPrefix: number): string {
  const [m, markerLength] = marker(diff.Type);
  let out = `${sp(start)}${m}${sp(keyPrefix)}${diff.Name} {\n`;
  const [longestField, longestMarker] = longestPrefixes(diff.Fields, diff.Objects);
  out += alignedFieldsAndObjects(
    diff.Fields,
    diff.Objects,
    start + keyPrefix + 2,
    longestField,
    longestMarker,
  );
  return `${out}\n${sp(start + markerLength + keyPrefix)}}`;
}

function formatFieldDiff(diff: FieldDiff, start: number, keyPrefix: number, valuePrefix: number): string {
  const [m] = marker(diff.Type);
  let out = `${sp(start)}${m}${sp(keyPrefix)}${diff.Name}: ${sp(valuePrefix)}`;
  const q = (s: string): string => goQuote(s);
  switch (diff.Type) {
    case 'Added':
      out += q(diff.New);
      break;
    case 'Deleted':
      out += q(diff.Old);
      break;
    case 'Edited':
      out += `${q(diff.Old)} => ${q(diff.New)}`;
      break;
    default:
      out += q(diff.New);
  }
  if ((diff.Annotations ?? []).length > 0) out += ` (${colorAnnotations(diff.Annotations!)})`;
  return out;
}

function alignedFieldsAndObjects(
  fields: readonly FieldDiff[],
  objects: readonly ObjectDiff[],
  start: number,
  longestField: number,
  longestMarker: number,
): string {
  let out = '';
  fields.forEach((f, i) => {
    out += formatFieldDiff(f, start, longestMarker - marker(f.Type)[1], longestField - f.Name.length);
    if (i + 1 !== fields.length || objects.length > 0) out += '\n';
  });
  objects.forEach((o, i) => {
    out += formatObjectDiff(o, start, longestMarker - marker(o.Type)[1]);
    if (i + 1 !== objects.length) out += '\n';
  });
  return out;
}

function longestPrefixes(fields: readonly FieldDiff[], objects: readonly ObjectDiff[]): [number, number] {
  let longestField = 0;
  let longestMarker = 0;
  for (const f of fields) {
    longestField = Math.max(longestField, f.Name.length);
    longestMarker = Math.max(longestMarker, marker(f.Type)[1]);
  }
  for (const o of objects) longestMarker = Math.max(longestMarker, marker(o.Type)[1]);
  return [longestField, longestMarker];
}

/** Go's %q for the strings a diff holds: JSON's quoting is the same for printable text. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

export interface DryRunInput {
  failedTGAllocs: Readonly<Record<string, AllocMetric>> | null;
  createdEvals: readonly Evaluation[] | null;
  jobType: string;
  /** Unix ms of the next periodic launch, 0 when none. */
  nextPeriodicLaunchMs: number;
  parameterized: boolean;
  nowMs: number;
}

/** The lines under "Scheduler dry-run:". */
export function formatDryRun(input: DryRunInput): string {
  const rolling = (input.createdEvals ?? []).filter((e) => e.TriggeredBy === 'rolling-update').at(-1);
  const failed = input.failedTGAllocs ?? {};
  let out: string;
  if (Object.keys(failed).length === 0) {
    out = '[bold][green]- All tasks successfully allocated.[reset]\n';
  } else {
    out =
      input.jobType === 'system'
        ? '[bold][yellow]- WARNING: Failed to place allocations on all nodes.[reset]\n'
        : '[bold][yellow]- WARNING: Failed to place all allocations.[reset]\n';
    for (const tg of Object.keys(failed).sort()) {
      const metric = failed[tg]!;
      const noun = metric.CoalescedFailures > 0 ? 'allocations' : 'allocation';
      out += `  [yellow]Task Group ${JSON.stringify(tg)} (failed to place ${metric.CoalescedFailures + 1} ${noun}):\n[reset]`;
      out += `[yellow]${formatAllocMetrics(metric, { scores: false, prefix: '    ' })}[reset]\n\n`;
    }
    if (rolling === undefined) out = out.replace(/\n$/, '');
  }
  if (rolling !== undefined) {
    out += `[green]- Rolling update, next evaluation will be in ${formatDurationNs(rolling.Wait)}.\n`;
  }
  if (input.nextPeriodicLaunchMs > 0 && !input.parameterized) {
    const at = formatTime(input.nextPeriodicLaunchMs);
    const from = prettyTimeDiff(input.nextPeriodicLaunchMs, input.nowMs).replace(/ from now$| ago$/, '');
    out += `[green]- If submitted now, next periodic launch would be at ${at} (${from} from now).\n`;
  }
  return out.replace(/\n$/, '');
}

/** The hint after a plan: how to submit exactly what was planned. */
export function formatJobModifyIndex(jobModifyIndex: number, runArgs: string, path: string): string {
  return [
    `[reset][bold]Job Modify Index: ${jobModifyIndex}[reset]`,
    'To submit the job with version verification run:',
    '',
    `nomad job run -check-index ${jobModifyIndex} ${runArgs}${path}`,
    '',
    'When running the job with the check-index flag, the job will only be run if the',
    'server side version matches the job modify index returned. If the index has',
    "changed, another user has modified the job and the plan's results are",
    'potentially invalid.',
  ].join('\n');
}

/** Plan's exit code: 1 when allocations would be created, destroyed, migrated or replaced. */
export function planExitCode(diff: Pick<JobDiff, 'Type'>, annotations: PlanAnnotations | null): number {
  if (diff.Type === 'None') return 0;
  for (const d of Object.values(annotations?.DesiredTGUpdates ?? {})) {
    if (d.Stop + d.Place + d.Migrate + d.DestructiveUpdate + d.Canary > 0) return 1;
  }
  return 0;
}

export interface PlanOutputInput extends DryRunInput {
  diff: JobDiff;
  showDiff: boolean;
  verbose: boolean;
  warnings: string;
}

/** Everything `job plan` prints before the check-index hint, as one block of text. */
export function formatPlan(input: PlanOutputInput): string {
  const parts: string[] = [];
  if (input.showDiff) parts.push(`${formatJobDiff(input.diff, input.verbose).trim()}\n`);
  parts.push('[bold]Scheduler dry-run:[reset]');
  parts.push(formatDryRun(input));
  parts.push('');
  if (input.warnings !== '') parts.push(`[bold][yellow]Job Warnings:\n${input.warnings}[reset]\n`);
  return parts.join('\n');
}
