/**
 * `nomad agent`: the one door from the CLI into the agent. The agent's module graph (server,
 * client, drivers, state) is loaded only here, so that every other command starts fast.
 */
import type { Command } from './command.ts';

/** How long the process may linger after the agent shut down before it exits anyway. */
export const AGENT_EXIT_GRACE_MS = 1_000;

export const command: Command = {
  name: 'agent',
  help: () =>
    [
      'Usage: nomad agent [options]',
      '  Starts a Nomad agent: a server, a client, or both (-dev), and runs until it is\n  interrupted. Its options are listed by the agent itself:\n\n    nomad agent -dev\n    nomad agent -config=<path>',
    ].join('\n\n'),
  async run(args) {
    const { runAgent } = await import('../agent/agent.ts');
    const code = await runAgent([...args]);
    // The agent has shut down: whatever a peer left open (a connection, a timer) must not keep
    // the process alive. A clean exit comes first if nothing is left.
    setTimeout(() => process.exit(code), AGENT_EXIT_GRACE_MS).unref();
    return code;
  },
};
