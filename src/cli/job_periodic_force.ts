import { commandErrorText, defineCommand } from './command.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

export const command = defineCommand({
  name: 'job periodic force',
  usage: 'nomad job periodic force [options] <job id>',
  description: 'Launches a periodic job now, whatever its schedule says.',
  flags: { detach: { kind: 'bool' }, verbose: { kind: 'bool' } },
  optionsTitle: 'Periodic Force Options',
  options: [
    ['-detach', 'Returns right away, printing the evaluation ID.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job id>');
      ui.error(commandErrorText('job periodic force'));
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const job = (await api.jobs.info(id, { namespace })).data;
      if (job.Periodic === null || !job.Periodic.Enabled || job.ParameterizedJob !== null) {
        throw new CliError(`Job "${id}" is not a periodic job`);
      }
      const res = (await api.jobs.periodicForce(id, { namespace })).data;
      if (flags.detach) {
        ui.output('Force periodic successful');
        ui.output(`Evaluation ID: ${res.EvalID}`);
        return 0;
      }
      return await new EvalMonitor({ client: api, ui, io, length: monitorLength(flags.verbose) }).monitor(
        res.EvalID,
      );
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error forcing periodic job: ${errorText(err)}`);
      return 1;
    }
  },
});
