/** server join and server force-leave: changes to the servers' gossip membership. */
import { commandErrorText, defineCommand } from './command.ts';
import { errorText } from './lookup.ts';

export const join = defineCommand({
  name: 'server join',
  usage: 'nomad server join [options] <addr> [<addr>...]',
  description: `Asks the agent's server to join other servers (by their gossip address,
host:port) into one cluster.`,
  flags: {},
  async run({ args, ui, client }) {
    if (args.length < 1) {
      ui.error('One or more node addresses must be given as arguments');
      ui.error(commandErrorText('server join'));
      return 1;
    }
    try {
      const res = await client().agent.join(args);
      if (res.error) {
        ui.error(`Error joining: ${res.error}`);
        return 1;
      }
      ui.output(`Joined ${res.num_joined} servers successfully`);
      return 0;
    } catch (err) {
      ui.error(`Error joining: ${errorText(err)}`);
      return 1;
    }
  },
});

export const forceLeave = defineCommand({
  name: 'server force-leave',
  usage: 'nomad server force-leave [options] <node>',
  description: `Moves a failed server to the left state, so the others stop trying to reach
it. With -prune, it is also removed from the membership list.`,
  flags: { prune: { kind: 'bool' } },
  optionsTitle: 'Force-Leave Options',
  options: [['-prune', 'Removes the server from the list of members as well.']],
  async run({ flags, args, ui, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <node>');
      ui.error(commandErrorText('server force-leave'));
      return 1;
    }
    try {
      await client().agent.forceLeave(args[0]!, flags.prune);
      return 0;
    } catch (err) {
      ui.error(`Error force-leaving server ${args[0]}: ${errorText(err)}`);
      return 1;
    }
  },
});
