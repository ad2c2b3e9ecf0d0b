import { commandErrorText, defineCommand } from './command.ts';
import { formatTime } from './format/time.ts';
import { CliError, errorText, jobIdByPrefix, limitId } from './lookup.ts';
import { monitorLength } from './monitor.ts';

export const command = defineCommand({
  name: 'job restart',
  usage: 'nomad job restart [options] <job>',
  description: `Restarts the running allocations of a job in place, one batch at a time, or
with -reschedule stops them so the scheduler places replacements.`,
  flags: {
    'all-tasks': { kind: 'bool' },
    task: { kind: 'list' },
    group: { kind: 'list' },
    reschedule: { kind: 'bool' },
    'batch-size': { kind: 'int', default: 1 },
    'batch-wait': { kind: 'duration' },
    yes: { kind: 'bool' },
    verbose: { kind: 'bool' },
  },
  optionsTitle: 'Restart Options',
  options: [
    ['-all-tasks', 'Restarts every task, including those that finished.'],
    ['-task <task-name>', 'Restarts only this task. Repeat it for more tasks.'],
    ['-group <group-name>', "Restarts only this group's allocations. Repeat it for more groups."],
    ['-reschedule', 'Stops the allocations so that they are placed again.'],
    ['-batch-size <n>', 'How many allocations restart at the same time. Default = 1'],
    ['-batch-wait <duration>', 'How long to wait between batches.'],
    ['-yes', 'Answers "yes" to confirmations.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job>');
      ui.error(commandErrorText('job restart'));
      return 1;
    }
    if (flags['batch-size'] < 1) {
      ui.error(`Invalid -batch-size value ${flags['batch-size']}: it must be at least 1`);
      return 1;
    }
    const api = client();
    const length = monitorLength(flags.verbose);
    const ts = (): string => formatTime(io.nowMs());
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const allocs = ((await api.jobs.allocations(id, false, { namespace })).data ?? []).filter(
        (a) =>
          a.ClientStatus === 'running' &&
          a.DesiredStatus === 'run' &&
          (flags.group.length === 0 || flags.group.includes(a.TaskGroup)),
      );
      const noun = allocs.length === 1 ? 'allocation' : 'allocations';
      ui.output(`==> ${ts()}: Restarting ${allocs.length} ${noun}`);
      for (let i = 0; i < allocs.length; i += flags['batch-size']) {
        if (i > 0 && flags['batch-wait'] > 0) await io.sleep(flags['batch-wait'] / 1e6);
        for (const a of allocs.slice(i, i + flags['batch-size'])) {
          if (flags.reschedule) {
            ui.output(
              `    ${ts()}: Rescheduling allocation "${limitId(a.ID, length)}" for group "${a.TaskGroup}"`,
            );
            await api.allocations.stop(a.ID, { namespace });
            continue;
          }
          const what = flags['all-tasks'] ? 'all tasks' : 'running tasks';
          ui.output(
            `    ${ts()}: Restarting ${what} in allocation "${limitId(a.ID, length)}" for group "${a.TaskGroup}"`,
          );
          const tasks = flags.task.length === 0 ? [''] : flags.task;
          for (const task of tasks)
            await api.allocations.restart(a.ID, task, flags['all-tasks'], { namespace });
        }
      }
      ui.output(`==> ${ts()}: Finished job restart`);
      ui.output(`\nAll allocations ${flags.reschedule ? 'rescheduled' : 'restarted'} successfully!`);
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error restarting job: ${errorText(err)}`);
      return 1;
    }
  },
});
