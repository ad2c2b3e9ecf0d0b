import type { JobValidateResponse } from '../api/index.ts';
import { MultiError } from '../lib/errors.ts';
import { canonicalizeJob } from '../structs/canonicalize.ts';
import type { Job } from '../structs/job.ts';
import { validateJob } from '../structs/validate.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { JOB_FILE_FLAGS, JOB_FILE_OPTIONS, JobFileError, loadJobFile } from './job_file.ts';

export const command = defineCommand({
  name: 'job validate',
  usage: 'nomad job validate [options] <path>',
  description: `Checks the job file at <path> for syntax errors and for what the job
specification forbids. When an agent answers, it validates the job too
(including the drivers' configuration); without one, the job is checked here.`,
  flags: { ...JOB_FILE_FLAGS },
  optionsTitle: 'Validate Options',
  options: JOB_FILE_OPTIONS,
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <path>');
      ui.error(commandErrorText('job validate'));
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
    let result: JobValidateResponse;
    try {
      result = (await client().jobs.validate(job, { region: job.Region, namespace: job.Namespace })).data;
    } catch {
      // No agent to ask (or it refused the request): check the job here instead.
      result = validateLocally(job);
    }
    if (!result.DriverConfigValidated) {
      ui.output(
        "[bold][yellow]Driver configuration not validated since connection to Nomad agent couldn't be established.[reset]\n",
      );
    }
    if (result.Error !== '' || (result.ValidationErrors ?? []).length > 0) {
      ui.error('[bold][red]Job validation errors:[reset]');
      ui.error(result.Error !== '' ? result.Error : MultiError.format(result.ValidationErrors));
      return 1;
    }
    if ((result.Warnings ?? '') !== '') ui.output(`[bold][yellow]Job Warnings:\n${result.Warnings}[reset]\n`);
    ui.output('[bold][green]Job validation successful[reset]');
    return 0;
  },
});

function validateLocally(job: Job): JobValidateResponse {
  const errors = validateJob(canonicalizeJob(job));
  return {
    DriverConfigValidated: false,
    ValidationErrors: errors,
    Error: errors.length === 0 ? '' : MultiError.format(errors),
    Warnings: '',
  };
}
