import { commandErrorText, defineCommand } from './command.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

export const command = defineCommand({
  name: 'job promote',
  usage: 'nomad job promote [options] <job id>',
  description: `Promotes the canaries of a job's latest deployment, so that the rolling update
continues. Without -group, every group is promoted.`,
  flags: { group: { kind: 'list' }, detach: { kind: 'bool' }, verbose: { kind: 'bool' } },
  optionsTitle: 'Promote Options',
  options: [
    ['-group', "Promotes only this group's canaries. Repeat it for more groups."],
    ['-detach', 'Returns right away instead of following the evaluation.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job id>');
      ui.error(commandErrorText('job promote'));
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const d = (await api.jobs.latestDeployment(id, { namespace })).data;
      if (d === null) throw new CliError(`Job "${id}" has no deployment to promote`);
      const res =
        flags.group.length === 0
          ? (await api.deployments.promoteAll(d.ID, { namespace })).data
          : (await api.deployments.promoteGroups(d.ID, flags.group, { namespace })).data;
      if (flags.detach || res.EvalID === '') return 0;
      return await new EvalMonitor({ client: api, ui, io, length: monitorLength(flags.verbose) }).monitor(
        res.EvalID,
      );
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error promoting deployment: ${errorText(err)}`);
      return 1;
    }
  },
});
