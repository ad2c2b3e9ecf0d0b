import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandErrorText, defineCommand } from './command.ts';
import { formatKV } from './format/columns.ts';
import { CliError, errorText, jobIdByPrefix, limitId } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

/** Nomad's limit on a dispatch payload. */
export const DISPATCH_PAYLOAD_BYTES_MAX = 16 * 1024;

export const command = defineCommand({
  name: 'job dispatch',
  usage: 'nomad job dispatch [options] <parameterized job> [input source]',
  description: `Starts an instance of a parameterized job, with an optional payload read from
a file ("-" for stdin) and metadata given with -meta.`,
  flags: {
    meta: { kind: 'list' },
    detach: { kind: 'bool' },
    verbose: { kind: 'bool' },
    'idempotency-token': { kind: 'string' },
    'id-prefix-template': { kind: 'string' },
    priority: { kind: 'int' },
  },
  optionsTitle: 'Dispatch Options',
  options: [
    ['-meta <key>=<value>', 'Metadata for the dispatched job. Repeat it for more keys.'],
    ['-detach', 'Returns right away, printing the dispatched job and evaluation IDs.'],
    ['-idempotency-token', 'Dispatches only once per token.'],
    ['-id-prefix-template', "A prefix for the dispatched job's ID."],
    ['-priority', 'The priority of the dispatched job.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length < 1 || args.length > 2) {
      ui.error('This command takes one or two arguments: <parameterized job> [input source]');
      ui.error(commandErrorText('job dispatch'));
      return 1;
    }
    const meta: Record<string, string> = {};
    for (const m of flags.meta) {
      const eq = m.indexOf('=');
      if (eq <= 0) {
        ui.error(`Error parsing meta value "${m}": it must be key=value`);
        return 1;
      }
      meta[m.slice(0, eq)] = m.slice(eq + 1);
    }
    let payload: Buffer | null = null;
    if (args.length === 2) {
      try {
        payload = args[1] === '-' ? readFileSync(0) : readFileSync(resolve(io.cwd, args[1]!));
      } catch (err) {
        ui.error(`Error reading input data: ${errorText(err)}`);
        return 1;
      }
      if (payload.length > DISPATCH_PAYLOAD_BYTES_MAX) {
        ui.error(`Payload is ${payload.length} bytes: at most ${DISPATCH_PAYLOAD_BYTES_MAX} are allowed`);
        return 1;
      }
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const res = (
        await api.jobs.dispatch(
          id,
          {
            Payload: payload === null ? null : payload.toString('base64'),
            Meta: meta,
            IdPrefixTemplate: flags['id-prefix-template'],
            Priority: flags.priority,
          },
          { namespace, idempotencyToken: flags['idempotency-token'] },
        )
      ).data;
      const length = monitorLength(flags.verbose);
      const rows = [`Dispatched Job ID|${res.DispatchedJobID}`];
      if (res.EvalID !== '') rows.push(`Evaluation ID|${limitId(res.EvalID, length)}`);
      ui.output(formatKV(rows));
      if (flags.detach || res.EvalID === '') return 0;
      ui.output('');
      return await new EvalMonitor({ client: api, ui, io, length }).monitor(res.EvalID);
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Failed to dispatch job: ${errorText(err)}`);
      return 1;
    }
  },
});
