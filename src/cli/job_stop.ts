import { commandErrorText, defineCommand } from './command.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';
import type { CliIO, Ui } from './ui.ts';

export const command = defineCommand({
  name: 'job stop',
  usage: 'nomad job stop [options] <job>...',
  description: `Stops the named jobs (by ID or a prefix of it): their allocations are
stopped, then the command follows the evaluation that stops them. With
-purge, the job is also removed, with its history.`,
  flags: {
    detach: { kind: 'bool' },
    purge: { kind: 'bool' },
    yes: { kind: 'bool' },
    global: { kind: 'bool' },
    'no-shutdown-delay': { kind: 'bool' },
    'eval-priority': { kind: 'int' },
    verbose: { kind: 'bool' },
  },
  optionsTitle: 'Stop Options',
  options: [
    ['-detach', 'Returns right away, printing the evaluation ID.'],
    ['-eval-priority', 'The priority of the evaluation the stop creates.'],
    ['-purge', 'Removes the job from the cluster for good, history included.'],
    ['-global', 'Stops a multi-region job in every region.'],
    ['-no-shutdown-delay', "Skips the shutdown delay of the job's groups and tasks."],
    ['-yes', 'Answers "yes" to the confirmation a prefix match asks for.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length === 0) {
      ui.error('This command takes at least one argument: <job>');
      ui.error(commandErrorText('job stop'));
      return 1;
    }
    let code = 0;
    for (const prefix of args) {
      const api = client();
      try {
        const { id, namespace } = await jobIdByPrefix(api, prefix.trim());
        if (id !== prefix.trim() && !flags.yes && !(await confirm(ui, io, id))) continue;
        const res = await api.jobs.deregister(
          id,
          {
            purge: flags.purge,
            global: flags.global,
            evalPriority: flags['eval-priority'],
            noShutdownDelay: flags['no-shutdown-delay'],
          },
          { namespace },
        );
        const evalId = res.data.EvalID;
        // A periodic or parameterized job has nothing running to stop: no evaluation.
        if (evalId === '') continue;
        if (flags.detach) {
          ui.output(evalId);
          continue;
        }
        const result = await new EvalMonitor({
          client: api,
          ui,
          io,
          length: monitorLength(flags.verbose),
        }).monitor(evalId);
        code = Math.max(code, result);
      } catch (err) {
        ui.error(err instanceof CliError ? err.message : `Error deregistering job: ${errorText(err)}`);
        code = 1;
      }
    }
    return code;
  },
});

async function confirm(ui: Ui, io: CliIO, jobId: string): Promise<boolean> {
  io.stdout(`Are you sure you want to stop job "${jobId}"? [y/N] `);
  const answer = ((await io.readLine()) ?? '').trim().toLowerCase();
  if (answer === '' || answer === 'n' || answer === 'no') {
    ui.output('Cancelling job stop');
    return false;
  }
  if (answer === 'y' || answer === 'yes') return true;
  throw new CliError('For confirmation, an exact ‘y’ is required.');
}
