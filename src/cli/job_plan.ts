import type { JobPlanResponse } from '../api/index.ts';
import type { JobDiff } from '../structs/diff.ts';
import type { Job } from '../structs/job.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatOutput } from './format/template.ts';
import { rfc3339ToMs } from './format/time.ts';
import { JOB_FILE_FLAGS, JOB_FILE_OPTIONS, JobFileError, loadJobFile } from './job_file.ts';
import { errorText } from './lookup.ts';
import { formatJobModifyIndex, formatPlan, planExitCode } from './plan_format.ts';

const PLAN_ERROR_EXIT = 255;

export const command = defineCommand({
  name: 'job plan',
  usage: 'nomad job plan [options] <path>',
  description: `Asks the scheduler what submitting the job file at <path> would do, without
changing anything: the difference from the running version, what each change
forces (create, destroy, in-place update, create/destroy update), and whether
every allocation would find a place. It prints the job modify index to pass to
"nomad job run -check-index", so that the job only changes if nobody changed
it in between.

Exit codes: 0 when no allocation would be created or destroyed, 1 when some
would, 255 on an error.`,
  flags: {
    ...JOB_FILE_FLAGS,
    diff: { kind: 'bool', default: true },
    'policy-override': { kind: 'bool' },
    verbose: { kind: 'bool' },
    'json-output': { kind: 'bool' },
    t: { kind: 'string' },
    'vault-namespace': { kind: 'string' },
  },
  optionsTitle: 'Plan Options',
  options: [
    ['-diff', 'Prints the difference from the submitted job. On by default.'],
    ['-policy-override', 'Overrides soft-mandatory policy failures.'],
    ['-verbose', 'Expands added and removed groups and tasks, and shows unchanged job fields.'],
    ['-json-output', 'Prints the plan response as JSON.'],
    ['-t', 'Formats the plan response with a Go template.'],
    ...JOB_FILE_OPTIONS,
  ],
  async run({ flags, args, ui, io, client, clientConfig }) {
    if (flags['json-output'] && flags.t !== '') {
      ui.error('Both -json-output and -t formatting are not allowed');
      return PLAN_ERROR_EXIT;
    }
    if (args.length !== 1) {
      ui.error('This command takes one argument: <path>');
      ui.error(commandErrorText('job plan'));
      return PLAN_ERROR_EXIT;
    }
    const path = args[0]!;
    let job: Job;
    try {
      job = await loadJobFile(path, { vars: flags.var, varFiles: flags['var-file'], json: flags.json }, io);
    } catch (err) {
      if (!(err instanceof JobFileError)) throw err;
      ui.error(err.message);
      return PLAN_ERROR_EXIT;
    }
    let resp: JobPlanResponse;
    try {
      const opts = { region: job.Region, namespace: job.Namespace, policyOverride: flags['policy-override'] };
      resp = (await client().jobs.plan(job, true, opts)).data;
    } catch (err) {
      ui.error(`Error during plan: ${errorText(err)}`);
      return PLAN_ERROR_EXIT;
    }
    const diff = resp.Diff as JobDiff;
    if (flags['json-output'] || flags.t !== '') {
      try {
        ui.output(formatOutput({ json: flags['json-output'], template: flags.t }, resp));
      } catch (err) {
        ui.error(errorText(err));
        return PLAN_ERROR_EXIT;
      }
      return planExitCode(diff, resp.Annotations);
    }
    ui.output(
      formatPlan({
        diff,
        showDiff: flags.diff,
        verbose: flags.verbose,
        warnings: resp.Warnings ?? '',
        failedTGAllocs: resp.FailedTGAllocs,
        createdEvals: resp.CreatedEvals,
        jobType: job.Type,
        nextPeriodicLaunchMs: rfc3339ToMs(resp.NextPeriodicLaunch),
        parameterized: job.ParameterizedJob !== null,
        nowMs: io.nowMs(),
      }),
    );
    ui.output(formatJobModifyIndex(resp.JobModifyIndex, runArgs(flags, clientConfig.namespace), path));
    return planExitCode(diff, resp.Annotations);
  },
});

/** The flags the suggested `job run -check-index` needs to read the file the same way. */
function runArgs(
  flags: { var: string[]; 'var-file': string[]; 'hcl2-strict': boolean },
  namespace: string,
): string {
  let out = '';
  for (const v of flags.var) out += `-var=${JSON.stringify(v)} `;
  for (const f of flags['var-file']) out += `-var-file=${JSON.stringify(f)} `;
  if (namespace !== '') out += `-namespace=${JSON.stringify(namespace)} `;
  if (!flags['hcl2-strict']) out += '-hcl2-strict=false ';
  return out;
}
