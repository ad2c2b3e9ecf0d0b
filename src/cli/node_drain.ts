import { commandErrorText, defineCommand } from './command.ts';
import { formatTime } from './format/time.ts';
import { CliError, errorText } from './lookup.ts';
import { findNodeId } from './node_lookup.ts';
import { monitorDrain } from './node_drain_monitor.ts';
import type { CliIO, Ui } from './ui.ts';

const DEFAULT_DEADLINE_NS = 3600e9;

export const command = defineCommand({
  name: 'node drain',
  usage: 'nomad node drain [options] <node>',
  description: `Turns drain mode on or off for a node. A draining node gets no new
allocations, and its allocations move to other nodes as their migrate blocks
allow, or are stopped at the deadline.`,
  flags: {
    enable: { kind: 'bool' },
    disable: { kind: 'bool' },
    deadline: { kind: 'duration', default: DEFAULT_DEADLINE_NS },
    'no-deadline': { kind: 'bool' },
    force: { kind: 'bool' },
    'ignore-system': { kind: 'bool' },
    'keep-ineligible': { kind: 'bool' },
    self: { kind: 'bool' },
    yes: { kind: 'bool' },
    detach: { kind: 'bool' },
    monitor: { kind: 'bool' },
    m: { kind: 'string' },
    meta: { kind: 'list' },
  },
  optionsTitle: 'Node Drain Options',
  options: [
    ['-enable', 'Turns drain mode on.'],
    ['-disable', 'Turns drain mode off.'],
    ['-deadline <duration>', 'How long allocations may take to move before they are stopped. Default = 1h'],
    ['-no-deadline', 'Waits for allocations to move, however long it takes.'],
    ['-force', 'Stops every allocation at once (no deadline).'],
    ['-ignore-system', 'Leaves system jobs running on the node.'],
    ['-keep-ineligible', 'With -disable, leaves the node ineligible for scheduling.'],
    ['-self', 'Acts on the node of the local agent.'],
    ['-yes', 'Answers "yes" to the confirmation.'],
    ['-detach', 'Returns right after changing the drain mode.'],
    ['-monitor', 'Follows a drain that is already under way.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (!flags.monitor && flags.enable === flags.disable) {
      ui.error("Either the '-enable' or '-disable' flag must be set, unless using '-monitor'");
      ui.error(commandErrorText('node drain'));
      return 1;
    }
    if ((flags.self && args.length !== 0) || (!flags.self && args.length !== 1)) {
      ui.error("Node ID must be specified if -self isn't being used");
      ui.error(commandErrorText('node drain'));
      return 1;
    }
    const api = client();
    try {
      const { id, exact } = await findNodeId(api, args[0], flags.self);
      const follow = { ignoreSystem: flags['ignore-system'], index: 0 };
      if (flags.monitor) {
        ui.output(`${formatTime(io.nowMs())}: Monitoring node "${id}": Ctrl-C to detach monitoring`);
        await monitorDrain(api, io, ui, id, follow);
        return 0;
      }
      if (!exact && !flags.yes && !(await confirm(ui, io, id, flags.enable))) return 0;
      const meta: Record<string, string> = {};
      if (flags.m !== '') meta['message'] = flags.m;
      if (flags.disable) {
        await api.nodes.updateDrain(id, null, !flags['keep-ineligible'], { meta });
        ui.output(`Node "${id}" drain strategy unset`);
        return 0;
      }
      const deadline = flags.force ? -1 : flags['no-deadline'] ? 0 : flags.deadline;
      const set = await api.nodes.updateDrain(
        id,
        { Deadline: deadline, IgnoreSystemJobs: flags['ignore-system'] },
        false,
        { meta },
      );
      if (flags.detach) {
        ui.output(`Node "${id}" drain strategy set`);
        return 0;
      }
      const now = formatTime(io.nowMs());
      ui.output(`${now}: Ctrl-C to stop monitoring: will not cancel the node drain`);
      ui.output(`${now}: Node "${id}" drain strategy set`);
      await monitorDrain(api, io, ui, id, { ...follow, index: set.meta.lastIndex });
      return 0;
    } catch (err) {
      ui.error(
        err instanceof CliError ? err.message : `Error updating drain specification: ${errorText(err)}`,
      );
      return 1;
    }
  },
});

async function confirm(ui: Ui, io: CliIO, id: string, enable: boolean): Promise<boolean> {
  io.stdout(`Are you sure you want to ${enable ? 'enable' : 'disable'} drain mode for node "${id}"? [y/N] `);
  const answer = ((await io.readLine()) ?? '').trim().toLowerCase();
  if (answer === '' || answer === 'n' || answer === 'no') {
    ui.output(`Canceling drain ${enable ? 'enable' : 'disable'}`);
    return false;
  }
  if (answer === 'y' || answer === 'yes') return true;
  throw new CliError('For confirmation, an exact ‘y’ is required.');
}
