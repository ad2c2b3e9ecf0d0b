/**
 * `nomad agent`: the one door from the CLI into the agent. The agent's module graph (server,
 * client, drivers, state) is loaded only here, so that every other command starts fast.
 */
import type { Command } from './command.ts';

export const command: Command = {
  name: 'agent',
  help: () =>
    [
      'Usage: nomad agent [options]',
      '  Starts a Nomad agent: a server, a client, or both (-dev), and runs until it is\n  interrupted. Its options are listed by the agent itself:\n\n    nomad agent -dev\n    nomad agent -config=<path>',
    ].join('\n\n'),
  async run(args) {
    const { runAgent } = await import('../agent/agent.ts');
    return runAgent([...args]);
  },
};
