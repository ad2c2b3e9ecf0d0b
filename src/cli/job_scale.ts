import { commandErrorText, defineCommand } from './command.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

export const command = defineCommand({
  name: 'job scale',
  usage: 'nomad job scale [options] <job> [<group>] <count>',
  description: `Changes the count of a task group. The group may be left out when the job has
only one.`,
  flags: { detach: { kind: 'bool' }, verbose: { kind: 'bool' }, 'policy-override': { kind: 'bool' } },
  optionsTitle: 'Scale Options',
  options: [
    ['-detach', 'Returns right away, printing the evaluation ID.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length < 2 || args.length > 3) {
      ui.error('This command takes two or three arguments: <job> [<group>] <count>');
      ui.error(commandErrorText('job scale'));
      return 1;
    }
    const countText = args[args.length - 1]!;
    if (!/^\d+$/.test(countText)) {
      ui.error(`Failed to parse count value "${countText}": it must be a non-negative integer`);
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      let group = args.length === 3 ? args[1]! : '';
      if (group === '') {
        const job = (await api.jobs.info(id, { namespace })).data;
        if (job.TaskGroups.length !== 1)
          throw new CliError('Group name required: the job has more than one task group');
        group = job.TaskGroups[0]!.Name;
      }
      const res = (
        await api.jobs.scale(
          id,
          {
            Count: Number(countText),
            Target: { Group: group },
            Message: 'submitted using the Nomad CLI',
            PolicyOverride: flags['policy-override'],
          },
          { namespace },
        )
      ).data;
      if (res.Warnings) ui.output(`[bold][yellow]Job Warnings:\n${res.Warnings}[reset]\n`);
      if (res.EvalID === '') return 0;
      if (flags.detach) {
        ui.output(`Evaluation ID: ${res.EvalID}`);
        return 0;
      }
      return await new EvalMonitor({ client: api, ui, io, length: monitorLength(flags.verbose) }).monitor(
        res.EvalID,
      );
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error submitting scaling request: ${errorText(err)}`);
      return 1;
    }
  },
});
