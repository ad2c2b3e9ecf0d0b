import { commandErrorText, defineCommand } from './command.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

export const command = defineCommand({
  name: 'job revert',
  usage: 'nomad job revert [options] <job> <version>',
  description: `Reverts a job to one of its earlier versions: that version is submitted again,
as a new version, and the command follows the evaluation it starts.`,
  flags: {
    detach: { kind: 'bool' },
    verbose: { kind: 'bool' },
    'consul-token': { kind: 'string' },
    'vault-token': { kind: 'string' },
  },
  optionsTitle: 'Revert Options',
  options: [
    ['-detach', 'Returns right away, printing the evaluation ID.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 2) {
      ui.error('This command takes two arguments: <job> <version>');
      ui.error(commandErrorText('job revert'));
      return 1;
    }
    if (!/^\d+$/.test(args[1]!)) {
      ui.error(`The job version to revert to must be a number: current value is "${args[1]}"`);
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const res = (await api.jobs.revert(id, Number(args[1]), null, { namespace })).data;
      if (res.EvalID === '') return 0;
      if (flags.detach) {
        ui.output(`Evaluation ID: ${res.EvalID}`);
        return 0;
      }
      return await new EvalMonitor({ client: api, ui, io, length: monitorLength(flags.verbose) }).monitor(
        res.EvalID,
      );
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error retrieving job versions: ${errorText(err)}`);
      return 1;
    }
  },
});
