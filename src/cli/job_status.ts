import type { NomadClient } from '../api/index.ts';
import type { AllocListStub } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import { formatAllocMetrics } from './alloc_metrics.ts';
import { defineCommand } from './command.ts';
import { formatKV, formatList } from './format/columns.ts';
import { nextLaunchText } from './format/periodic.ts';
import { formatOutput } from './format/template.ts';
import { formatTime, nsToMs, prettyTimeDiff, rfc3339ToMs } from './format/time.ts';
import { formatAllocListStubs, formatLatestDeployment } from './formatters.ts';
import {
  CliError,
  errorText,
  formatJobList,
  idLength,
  jobIdByPrefix,
  jobStatusString,
  limitId,
} from './lookup.ts';
import type { Ui } from './ui.ts';

export interface JobStatusOptions {
  verbose: boolean;
  evals: boolean;
  allAllocs: boolean;
  short: boolean;
  nowMs: number;
}

export const JOB_STATUS_FLAGS = {
  'all-allocs': { kind: 'bool' },
  evals: { kind: 'bool' },
  short: { kind: 'bool' },
  verbose: { kind: 'bool' },
  json: { kind: 'bool' },
  t: { kind: 'string' },
  ui: { kind: 'bool' },
} as const;

export const command = defineCommand({
  name: 'job status',
  usage: 'nomad job status [options] <job>',
  description: `Shows a job: its settings, the state of its allocations per task group, its
latest deployment and its allocations. Without a job, lists every job.`,
  flags: JOB_STATUS_FLAGS,
  optionsTitle: 'Status Options',
  options: [
    ['-short', "Shows only the job's settings."],
    ['-evals', "Also lists the job's evaluations."],
    ['-all-allocs', 'Lists allocations of every version, not only the current one.'],
    ['-verbose', 'Shows full IDs and absolute times.'],
    ['-json', 'Prints the job as JSON.'],
    ['-t', 'Formats the job with a Go template.'],
  ],
  async run({ flags, args, ui, io, client }) {
    const api = client();
    const opts: JobStatusOptions = {
      verbose: flags.verbose,
      evals: flags.evals,
      allAllocs: flags['all-allocs'],
      short: flags.short,
      nowMs: io.nowMs(),
    };
    try {
      if (args.length === 0) return await listJobs(api, ui, { json: flags.json, template: flags.t });
      if (args.length > 1) {
        ui.error('This command takes either no arguments or one: <job>');
        return 1;
      }
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const job = (await api.jobs.info(id, { namespace })).data;
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput({ json: flags.json, template: flags.t }, job));
        return 0;
      }
      await outputJobStatus(api, ui, job, opts);
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : errorText(err));
      return 1;
    }
  },
});

export async function listJobs(
  api: NomadClient,
  ui: Ui,
  output: { json: boolean; template: string },
): Promise<number> {
  let jobs;
  try {
    jobs = (await api.jobs.list()).data ?? [];
  } catch (err) {
    throw new CliError(`Error querying jobs: ${errorText(err)}`);
  }
  if (output.json || output.template !== '') {
    ui.output(formatOutput(output, jobs));
    return 0;
  }
  ui.output(jobs.length === 0 ? 'No running jobs' : formatJobList(jobs, false));
  return 0;
}

export async function outputJobStatus(
  api: NomadClient,
  ui: Ui,
  job: Job,
  opts: JobStatusOptions,
): Promise<void> {
  // Nomad's IsPeriodic and IsParameterized: a dispatched child carries its parent's block but is
  // an ordinary job with its own summary and allocations.
  const periodic = job.Periodic !== null;
  const parameterized = job.ParameterizedJob !== null && !job.Dispatched;
  const basic = [
    `ID|${job.ID}`,
    `Name|${job.Name}`,
    `Submit Date|${formatTime(nsToMs(job.SubmitTime))}`,
    `Type|${job.Type}`,
    `Priority|${job.Priority}`,
    `Datacenters|${job.Datacenters.join(',')}`,
    `Namespace|${job.Namespace}`,
    `Node Pool|${job.NodePool}`,
    `Status|${jobStatusString(job.Status, job.Stop)}`,
    `Periodic|${periodic}`,
    `Parameterized|${parameterized}`,
  ];
  if (job.DispatchIdempotencyToken !== '') basic.push(`Idempotency Token|${job.DispatchIdempotencyToken}`);
  if (periodic && !parameterized) {
    const next = job.Stop ? 'none (job stopped)' : nextLaunchText(job, opts.nowMs);
    if (next !== null) basic.push(`Next Periodic Launch|${next}`);
  }
  ui.output(formatKV(basic));
  if (opts.short) return;
  const q = { namespace: job.Namespace };
  const summary = (await api.jobs.summary(job.ID, q)).data;
  if (!periodic && !parameterized && summary !== null) {
    const rows = ['Task Group|Queued|Starting|Running|Failed|Complete|Lost|Unknown'];
    for (const tg of Object.keys(summary.Summary).sort()) {
      const s = summary.Summary[tg]!;
      rows.push([tg, s.Queued, s.Starting, s.Running, s.Failed, s.Complete, s.Lost, s.Unknown].join('|'));
    }
    ui.output('\n[bold]Summary[reset]');
    ui.output(formatList(rows));
  }
  const children = summary?.Children;
  if (children && (periodic || parameterized || children.Pending + children.Running + children.Dead > 0)) {
    ui.output(
      parameterized ? '\n[bold]Parameterized Job Summary[reset]' : '\n[bold]Children Job Summary[reset]',
    );
    ui.output(
      formatList(['Pending|Running|Dead', `${children.Pending}|${children.Running}|${children.Dead}`]),
    );
  }
  if (periodic || parameterized) {
    await outputChildren(api, ui, job, parameterized);
    return;
  }
  const length = idLength(opts.verbose);
  const allocs = (await api.jobs.allocations(job.ID, opts.allAllocs, q)).data ?? [];
  const evals = (await api.jobs.evaluations(job.ID, q)).data ?? [];
  const latest = (await api.jobs.latestDeployment(job.ID, q)).data;
  outputEvaluations(ui, evals, opts, length);
  await outputReschedulingEvals(api, ui, allocs, opts, length);
  if (latest !== null) {
    ui.output('\n[bold]Latest Deployment[reset]');
    ui.output(formatLatestDeployment(latest, length));
  }
  ui.output('\n[bold]Allocations[reset]');
  ui.output(formatAllocListStubs(allocs, { verbose: opts.verbose, length, nowMs: opts.nowMs }));
}

function outputEvaluations(
  ui: Ui,
  evals: readonly Evaluation[],
  opts: JobStatusOptions,
  length: number,
): void {
  const failures = (e: Evaluation): string =>
    e.Status === 'blocked' ? 'N/A - In Progress' : String(Object.keys(e.FailedTGAllocs ?? {}).length > 0);
  if (opts.verbose || opts.evals) {
    const rows = ['ID|Priority|Triggered By|Status|Placement Failures'];
    for (const e of evals)
      rows.push([limitId(e.ID, length), e.Priority, e.TriggeredBy, e.Status, failures(e)].join('|'));
    ui.output('\n[bold]Evaluations[reset]');
    ui.output(formatList(rows));
  }
  const blocked = evals.some((e) => e.Status === 'blocked');
  const failed = evals
    .filter((e) => Object.keys(e.FailedTGAllocs ?? {}).length > 0)
    .sort((a, b) => b.CreateIndex - a.CreateIndex)[0];
  if (!blocked || failed === undefined) return;
  ui.output('\n[bold]Placement Failure[reset]');
  const groups = Object.keys(failed.FailedTGAllocs!).sort();
  groups.forEach((tg, i) => {
    ui.output(`Task Group "${tg}":`);
    ui.output(formatAllocMetrics(failed.FailedTGAllocs![tg]!, { scores: false, prefix: '  ' }));
    if (i !== groups.length - 1) ui.output('');
  });
}

async function outputReschedulingEvals(
  api: NomadClient,
  ui: Ui,
  allocs: readonly AllocListStub[],
  opts: JobStatusOptions,
  length: number,
): Promise<void> {
  const latest = new Map<string, AllocListStub>();
  for (const a of allocs) {
    const cur = latest.get(a.TaskGroup);
    if (cur === undefined || a.ModifyTime > cur.ModifyTime) latest.set(a.TaskGroup, a);
  }
  const rows: string[] = [];
  for (const tg of [...latest.keys()].sort()) {
    const evalId = latest.get(tg)!.FollowupEvalID;
    if (evalId === '') continue;
    const e = await api.evaluations.info(evalId).then(
      (r) => r.data,
      () => null, // The follow-up's time is a nicety: a missing evaluation leaves the row out.
    );
    const waitUntilMs = rfc3339ToMs(e?.WaitUntil);
    if (waitUntilMs === 0 || waitUntilMs < opts.nowMs) continue;
    rows.push(`${tg}|${limitId(evalId, length)}|${prettyTimeDiff(waitUntilMs, opts.nowMs)}`);
  }
  if (rows.length === 0) return;
  ui.output('\n[bold]Future Rescheduling Attempts[reset]');
  ui.output(formatList(['Task Group|Eval ID|Eval Time', ...rows]));
}

async function outputChildren(api: NomadClient, ui: Ui, job: Job, parameterized: boolean): Promise<void> {
  const prefix = `${job.ID}${parameterized ? '/dispatch-' : '/periodic-'}`;
  const children = ((await api.jobs.prefixList(prefix, { namespace: job.Namespace })).data ?? []).filter(
    (c) => c.ParentID === job.ID,
  );
  if (children.length === 0) {
    ui.output(
      parameterized
        ? '\nNo dispatched instances of parameterized job found'
        : '\nNo instances of periodic job found',
    );
    return;
  }
  ui.output(parameterized ? '\n[bold]Dispatched Jobs[reset]' : '\n[bold]Previously Launched Jobs[reset]');
  ui.output(formatList(['ID|Status', ...children.map((c) => `${c.ID}|${c.Status}`)]));
}
