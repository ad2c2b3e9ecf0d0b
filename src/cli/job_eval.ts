import { commandErrorText, defineCommand } from './command.ts';
import { CliError, errorText, jobIdByPrefix, limitId } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

export const command = defineCommand({
  name: 'job eval',
  usage: 'nomad job eval [options] <job_id>',
  description: `Creates a new evaluation of a job, so that the scheduler looks at it again
(for example after nodes were added).`,
  flags: { 'force-reschedule': { kind: 'bool' }, detach: { kind: 'bool' }, verbose: { kind: 'bool' } },
  optionsTitle: 'Eval Options',
  options: [
    ['-force-reschedule', 'Reschedules failed allocations even when their reschedule policy would not.'],
    ['-detach', 'Returns right away, printing the evaluation ID.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job_id>');
      ui.error(commandErrorText('job eval'));
      return 1;
    }
    const api = client();
    const length = monitorLength(flags.verbose);
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const res = (await api.jobs.forceEvaluate(id, flags['force-reschedule'], { namespace })).data;
      if (flags.detach) {
        ui.output(`Created eval ID: "${limitId(res.EvalID, length)}" `);
        return 0;
      }
      return await new EvalMonitor({ client: api, ui, io, length }).monitor(res.EvalID);
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error evaluating job: ${errorText(err)}`);
      return 1;
    }
  },
});
