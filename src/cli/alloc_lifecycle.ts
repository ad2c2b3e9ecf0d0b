/** alloc stop, restart and signal: act on one allocation found by ID or prefix. */
import type { NomadClient } from '../api/index.ts';
import type { Allocation } from '../structs/allocation.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatAllocListStubs } from './formatters.ts';
import { byPrefix, CliError, errorText, idLength } from './lookup.ts';
import { EvalMonitor } from './monitor.ts';

async function findAlloc(api: NomadClient, id: string, nowMs: number, length: number): Promise<Allocation> {
  if (id.length === 1) throw new CliError('Alloc ID must contain at least two characters.');
  const found = await byPrefix(id, async (p) => (await api.allocations.prefixList(p)).data);
  if (found.kind === 'none') throw new CliError(`No allocation(s) with prefix or id "${id}" found`);
  if (found.kind === 'many') {
    throw new CliError(
      `Prefix matched multiple allocations\n\n${formatAllocListStubs(found.items, { verbose: false, length, nowMs })}`,
    );
  }
  return (await api.allocations.info(found.item.ID, { namespace: found.item.Namespace })).data;
}

function checkTask(alloc: Allocation, task: string): void {
  if (task === '') return;
  const group = alloc.Job?.TaskGroups.find((g) => g.Name === alloc.TaskGroup);
  if (!(group?.Tasks ?? []).some((t) => t.Name === task))
    throw new CliError(`Could not find task named: ${task}`);
}

export const stop = defineCommand({
  name: 'alloc stop',
  usage: 'nomad alloc stop [options] <allocation>',
  description: `Stops an allocation. The scheduler places a replacement, as it would if the
allocation had failed; the command follows that evaluation.`,
  flags: { detach: { kind: 'bool' }, verbose: { kind: 'bool' }, 'no-shutdown-delay': { kind: 'bool' } },
  optionsTitle: 'Stop Options',
  options: [
    ['-detach', 'Returns right away, printing the evaluation ID.'],
    ['-no-shutdown-delay', "Skips the shutdown delay of the allocation's group and tasks."],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <alloc-id>');
      ui.error(commandErrorText('alloc stop'));
      return 1;
    }
    const api = client();
    const length = idLength(flags.verbose);
    try {
      const alloc = await findAlloc(api, args[0]!, io.nowMs(), length);
      const res = (
        await api.allocations.stop(alloc.ID, {
          namespace: alloc.Namespace,
          noShutdownDelay: flags['no-shutdown-delay'],
        })
      ).data;
      if (flags.detach) {
        ui.output(res.EvalID);
        return 0;
      }
      return await new EvalMonitor({ client: api, ui, io, length }).monitor(res.EvalID);
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error stopping allocation: ${errorText(err)}`);
      return 1;
    }
  },
});

export const restart = defineCommand({
  name: 'alloc restart',
  usage: 'nomad alloc restart [options] <allocation> <task>',
  description: `Restarts the running tasks of an allocation in place, or only the task named.
With -all-tasks, tasks that already finished are started again too.`,
  flags: { 'all-tasks': { kind: 'bool' }, task: { kind: 'string' }, verbose: { kind: 'bool' } },
  optionsTitle: 'Restart Options',
  options: [
    ['-all-tasks', 'Restarts every task, including those that finished.'],
    ['-task <task-name>', 'Restarts only this task.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length < 1 || args.length > 2) {
      ui.error('This command takes one or two arguments: <alloc-id> [<task>]');
      ui.error(commandErrorText('alloc restart'));
      return 1;
    }
    const task = flags.task !== '' ? flags.task : (args[1] ?? '');
    if (task !== '' && flags['all-tasks']) {
      ui.error('The -all-tasks option is not allowed when restarting a single task');
      return 1;
    }
    const api = client();
    try {
      const alloc = await findAlloc(api, args[0]!, io.nowMs(), idLength(flags.verbose));
      checkTask(alloc, task);
      await api.allocations.restart(alloc.ID, task, flags['all-tasks'], { namespace: alloc.Namespace });
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Failed to restart allocation:\n\n${errorText(err)}`);
      return 1;
    }
  },
});

export const signal = defineCommand({
  name: 'alloc signal',
  usage: 'nomad alloc signal [options] <allocation> <task>',
  description: 'Sends a signal to the tasks of an allocation, or to the task named.',
  flags: { s: { kind: 'string', default: 'SIGKILL' }, task: { kind: 'string' }, verbose: { kind: 'bool' } },
  optionsTitle: 'Signal Options',
  options: [
    ['-s', 'The signal to send. Default = SIGKILL'],
    ['-task <task-name>', 'Signals only this task.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length < 1 || args.length > 2) {
      ui.error('This command takes one or two arguments: <alloc-id> [<task>]');
      ui.error(commandErrorText('alloc signal'));
      return 1;
    }
    const task = flags.task !== '' ? flags.task : (args[1] ?? '');
    const api = client();
    try {
      const alloc = await findAlloc(api, args[0]!, io.nowMs(), idLength(flags.verbose));
      checkTask(alloc, task);
      await api.allocations.signal(alloc.ID, task, flags.s, { namespace: alloc.Namespace });
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error signalling allocation: ${errorText(err)}`);
      return 1;
    }
  },
});
