import type { NomadClient } from '../api/index.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatTime } from './format/time.ts';
import { CliError, errorText } from './lookup.ts';
import { findNodeId } from './node_lookup.ts';
import type { CliIO, Ui } from './ui.ts';

const DEFAULT_DEADLINE_NS = 3600e9;
const DRAIN_POLL_WAIT_MS = 5000;

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
      ui.error('This command takes either one argument: <node> or the -self flag');
      ui.error(commandErrorText('node drain'));
      return 1;
    }
    const api = client();
    try {
      const { id, exact } = await findNodeId(api, args[0], flags.self);
      if (flags.monitor) return await monitorDrain(api, ui, io, id);
      if (!exact && !flags.yes && !(await confirm(ui, io, id, flags.enable))) return 0;
      const meta: Record<string, string> = {};
      if (flags.m !== '') meta['message'] = flags.m;
      if (flags.disable) {
        await api.nodes.updateDrain(id, null, !flags['keep-ineligible'], { meta });
        ui.output(`Node "${id}" drain strategy unset`);
        return 0;
      }
      const deadline = flags.force ? -1 : flags['no-deadline'] ? 0 : flags.deadline;
      await api.nodes.updateDrain(
        id,
        { Deadline: deadline, IgnoreSystemJobs: flags['ignore-system'] },
        false,
        { meta },
      );
      ui.output(`Node "${id}" drain strategy set`);
      if (flags.detach) return 0;
      return await monitorDrain(api, ui, io, id);
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

/** Waits until the node's drain is over and its allocations have stopped. */
async function monitorDrain(api: NomadClient, ui: Ui, io: CliIO, id: string): Promise<number> {
  const ts = (): string => formatTime(io.nowMs());
  const short = id.slice(0, 8);
  ui.output(`==> ${ts()}: Monitoring node "${short}": Ctrl-C to detach monitoring`);
  let waitIndex = 0;
  let drainDone = false;
  while (!io.signal.aborted) {
    const res = await api.nodes.info(id, { waitIndex, waitTimeMs: DRAIN_POLL_WAIT_MS, signal: io.signal });
    waitIndex = res.meta.lastIndex;
    if (!drainDone && res.data.DrainStrategy === null) {
      drainDone = true;
      ui.output(`==> ${ts()}: Drain complete for node "${short}"`);
    }
    if (drainDone) {
      const allocs = (await api.nodes.allocations(id)).data ?? [];
      // System jobs stay when the drain ignores them; they are not waited for.
      const running = allocs.filter(
        (a) =>
          (a.ClientStatus === 'running' || a.ClientStatus === 'pending') &&
          a.DesiredStatus === 'run' &&
          a.Job?.Type !== 'system',
      );
      if (running.length === 0) {
        ui.output(`==> ${ts()}: All allocations on node "${short}" have stopped`);
        return 0;
      }
      await io.sleep(DRAIN_POLL_WAIT_MS / 10);
    }
  }
  return 0;
}
