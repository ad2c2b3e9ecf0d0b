import { commandErrorText, defineCommand } from './command.ts';
import { CliError, errorText } from './lookup.ts';
import { findNodeId } from './node_lookup.ts';

export const command = defineCommand({
  name: 'node eligibility',
  usage: 'nomad node eligibility [options] <node>',
  description: `Marks a node eligible or ineligible for new allocations. Allocations already
on it keep running.`,
  flags: { enable: { kind: 'bool' }, disable: { kind: 'bool' }, self: { kind: 'bool' } },
  optionsTitle: 'Node Eligibility Options',
  options: [
    ['-enable', 'Makes the node eligible for scheduling.'],
    ['-disable', 'Makes the node ineligible for scheduling.'],
    ['-self', 'Acts on the node of the local agent.'],
  ],
  async run({ flags, args, ui, client }) {
    if (flags.enable === flags.disable) {
      ui.error("Either the '-enable' or '-disable' flag must be set");
      ui.error(commandErrorText('node eligibility'));
      return 1;
    }
    if ((flags.self && args.length !== 0) || (!flags.self && args.length !== 1)) {
      ui.error("Node ID must be specified if -self isn't being used");
      ui.error(commandErrorText('node eligibility'));
      return 1;
    }
    const api = client();
    try {
      const { id } = await findNodeId(api, args[0], flags.self);
      await api.nodes.toggleEligibility(id, flags.enable);
      ui.output(
        `Node "${id}" scheduling eligibility set: ${flags.enable ? 'eligible' : 'ineligible'} for scheduling`,
      );
      return 0;
    } catch (err) {
      ui.error(
        err instanceof CliError ? err.message : `Error updating scheduling eligibility: ${errorText(err)}`,
      );
      return 1;
    }
  },
});
