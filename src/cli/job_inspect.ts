import type { Job } from '../structs/job.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatJson, formatOutput } from './format/template.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';

export const command = defineCommand({
  name: 'job inspect',
  usage: 'nomad job inspect [options] <job>',
  description: `Prints a submitted job as the API's JSON ({"Job": ...}), the form
"nomad job run" accepts back. A version of the job's history can be chosen.`,
  flags: { version: { kind: 'int', default: -1 }, json: { kind: 'bool' }, t: { kind: 'string' } },
  optionsTitle: 'Inspect Options',
  options: [
    ['-version <job version>', 'Prints this version of the job instead of the latest one.'],
    ['-json', 'Prints the job as JSON (the default).'],
    ['-t', 'Formats the job with a Go template.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job>');
      ui.error(commandErrorText('job inspect'));
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      let job: Job;
      if (flags.$set.has('version')) {
        const versions = (await api.jobs.versions(id, false, { namespace })).data.Versions;
        const found = versions.find((v) => v.Version === flags.version);
        if (found === undefined) throw new CliError(`Job "${id}" has no version ${flags.version}`);
        job = found;
      } else {
        job = (await api.jobs.info(id, { namespace })).data;
      }
      ui.output(
        flags.t !== '' ? formatOutput({ json: false, template: flags.t }, job) : formatJson({ Job: job }),
      );
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error inspecting job: ${errorText(err)}`);
      return 1;
    }
  },
});
