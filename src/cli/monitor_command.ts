import { jsonLines } from '../api/client.ts';
import type { StreamFrame } from '../api/index.ts';
import { frameData } from '../api/index.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { errorText } from './lookup.ts';

const FRAME_BYTES_MAX = 4 * 1024 * 1024;
const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

export const command = defineCommand({
  name: 'monitor',
  usage: 'nomad monitor [options]',
  description: `Streams the log of a Nomad agent (the local one unless -node-id or -server-id
names another) until interrupted.`,
  flags: {
    'log-level': { kind: 'string', default: 'info' },
    'node-id': { kind: 'string' },
    'server-id': { kind: 'string' },
    json: { kind: 'bool' },
    'log-include-location': { kind: 'bool' },
  },
  optionsTitle: 'Monitor Options',
  options: [
    ['-log-level <level>', 'The lowest level to show: trace, debug, info, warn or error. Default = info'],
    ['-node-id <node-id>', 'Streams the log of this client node.'],
    ['-server-id <server-id>', 'Streams the log of this server.'],
    ['-json', 'Streams the log as JSON lines.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      ui.error(commandErrorText('monitor'));
      return 1;
    }
    const level = flags['log-level'].toLowerCase();
    if (!LOG_LEVELS.has(level)) {
      ui.error(
        `Invalid log level "${flags['log-level']}": it must be one of trace, debug, info, warn, error`,
      );
      return 1;
    }
    const params: Record<string, string> = { log_level: level, log_json: String(flags.json) };
    if (flags['node-id'] !== '') params['node_id'] = flags['node-id'];
    if (flags['server-id'] !== '') params['server_id'] = flags['server-id'];
    try {
      const res = await client().transport.stream('/v1/agent/monitor', { params, signal: io.signal });
      const decoder = new TextDecoder();
      for await (const frame of jsonLines(res, FRAME_BYTES_MAX)) {
        io.stdout(decoder.decode(frameData(frame as StreamFrame), { stream: true }));
      }
      return 0;
    } catch (err) {
      if (io.signal.aborted) return 0;
      ui.error(`Error starting monitor: ${errorText(err)}`);
      return 1;
    }
  },
});
