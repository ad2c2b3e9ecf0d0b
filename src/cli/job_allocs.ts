import { commandErrorText, defineCommand } from './command.ts';
import { formatOutput } from './format/template.ts';
import { formatAllocListStubs } from './formatters.ts';
import { CliError, errorText, idLength, jobIdByPrefix } from './lookup.ts';

export const command = defineCommand({
  name: 'job allocs',
  usage: 'nomad job allocs [options] <job>',
  description: 'Lists the allocations of a job.',
  flags: { all: { kind: 'bool' }, verbose: { kind: 'bool' }, json: { kind: 'bool' }, t: { kind: 'string' } },
  optionsTitle: 'Allocs Options',
  options: [
    ['-all', 'Includes the allocations of earlier jobs with the same ID.'],
    ['-verbose', 'Shows full IDs and absolute times.'],
    ['-json', 'Prints the allocations as JSON.'],
    ['-t', 'Formats the allocations with a Go template.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job>');
      ui.error(commandErrorText('job allocs'));
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const allocs = (await api.jobs.allocations(id, flags.all, { namespace })).data ?? [];
      if (flags.json || flags.t !== '')
        ui.output(formatOutput({ json: flags.json, template: flags.t }, allocs));
      else
        ui.output(
          formatAllocListStubs(allocs, {
            verbose: flags.verbose,
            length: idLength(flags.verbose),
            nowMs: io.nowMs(),
          }),
        );
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error retrieving allocations: ${errorText(err)}`);
      return 1;
    }
  },
});
