import type { Job } from '../structs/job.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { nextLaunchText } from './format/periodic.ts';
import { formatJson } from './format/template.ts';
import { JOB_FILE_FLAGS, JOB_FILE_OPTIONS, JobFileError, loadJobFile } from './job_file.ts';
import { errorText } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

// The server's refusal under -check-index, quoted inside the API error: shown on its own.
const ENFORCE_INDEX_ERROR = /\((Enforcing job modify index.*)\)/s;

export const command = defineCommand({
  name: 'job run',
  usage: 'nomad job run [options] <path>',
  description: `Registers a job from the file at <path> (HCL2 or JSON; "-" reads stdin),
creating it or updating the existing job of the same ID, then follows the
evaluation the change starts until the scheduler is done with it, and the
deployment it starts until that ends.

Exit codes: 0 when the job was placed, 2 when some allocations could not be
placed, 1 for any other error.`,
  flags: {
    ...JOB_FILE_FLAGS,
    'check-index': { kind: 'string' },
    detach: { kind: 'bool' },
    verbose: { kind: 'bool' },
    output: { kind: 'bool' },
    'policy-override': { kind: 'bool' },
    'preserve-counts': { kind: 'bool' },
    'preserve-resources': { kind: 'bool' },
    'eval-priority': { kind: 'int' },
    'consul-token': { kind: 'string' },
    'vault-token': { kind: 'string' },
    'vault-namespace': { kind: 'string' },
  },
  optionsTitle: 'Run Options',
  options: [
    [
      '-check-index',
      'Registers the job only if its job modify index still equals this value,\nas `nomad job plan` printed it. 0 means the job must not exist yet.',
    ],
    ['-detach', 'Returns right after submitting, printing the evaluation ID.'],
    ['-eval-priority', 'The priority of the evaluation the registration creates.'],
    ['-output', 'Prints the job as the API\'s JSON ({"Job": ...}) instead of submitting it.'],
    ['-policy-override', 'Overrides soft-mandatory policy failures.'],
    ['-preserve-counts', 'Keeps the current count of each existing task group.'],
    ['-verbose', 'Shows full IDs.'],
    ...JOB_FILE_OPTIONS,
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <path>');
      ui.error(commandErrorText('job run'));
      return 1;
    }
    let job: Job;
    try {
      job = await loadJobFile(
        args[0]!,
        { vars: flags.var, varFiles: flags['var-file'], json: flags.json },
        io,
      );
    } catch (err) {
      if (!(err instanceof JobFileError)) throw err;
      ui.error(err.message);
      return 1;
    }
    if (flags.output) {
      ui.output(formatJson({ Job: job }));
      return 0;
    }
    let checkIndex = 0;
    const enforce = flags.$set.has('check-index');
    if (enforce) {
      if (!/^\d+$/.test(flags['check-index'])) {
        ui.error(`Error parsing check-index value "${flags['check-index']}": must be a non-negative integer`);
        return 1;
      }
      checkIndex = Number(flags['check-index']);
    }
    const api = client();
    let evalId: string;
    let warnings: string;
    try {
      const res = await api.jobs.register(
        job,
        {
          enforceIndex: enforce,
          modifyIndex: checkIndex,
          policyOverride: flags['policy-override'],
          preserveCounts: flags['preserve-counts'],
          preserveResources: flags['preserve-resources'],
          evalPriority: flags['eval-priority'],
        },
        { region: job.Region, namespace: job.Namespace },
      );
      evalId = res.data.EvalID;
      warnings = res.data.Warnings ?? '';
    } catch (err) {
      const m = ENFORCE_INDEX_ERROR.exec(errorText(err));
      if (m !== null) {
        ui.error(m[1]!);
        ui.error('Job not updated');
        return 1;
      }
      ui.error(`Error submitting job: ${errorText(err)}`);
      return 1;
    }
    if (warnings !== '') ui.output(`[bold][yellow]Job Warnings:\n${warnings}[reset]\n`);
    const periodic = job.Periodic !== null && job.Periodic.Enabled;
    const parameterized = job.ParameterizedJob !== null;
    if (flags.detach || periodic || parameterized || evalId === '') {
      ui.output('Job registration successful');
      if (periodic && !parameterized) {
        const next = nextLaunchText(job, io.nowMs());
        if (next !== null) ui.output(`Approximate next launch time: ${next}`);
      } else if (!parameterized && evalId !== '') ui.output(`Evaluation ID: ${evalId}`);
      return 0;
    }
    return new EvalMonitor({ client: api, ui, io, length: monitorLength(flags.verbose) }).monitor(evalId);
  },
});
