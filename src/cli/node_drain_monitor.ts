/**
 * Follows a node's drain as Nomad's `node drain` does (api MonitorDrain): one loop blocks on the
 * node and says when the drain is over, another blocks on the node's allocations and says what
 * happens to each ("marked for migration", "draining", "status running -> complete") until none
 * of them runs. Every line starts with the time; the command ends when both loops are done, an
 * error stops it, or the user interrupts.
 */
import type { NomadClient } from '../api/index.ts';
import type { Allocation } from '../structs/allocation.ts';
import { formatTime } from './format/time.ts';
import { errorText } from './lookup.ts';
import type { CliIO, Ui } from './ui.ts';

/** How long one blocking query waits for a change before asking again. */
export const DRAIN_MONITOR_WAIT_MS = 30_000;

type Level = 'info' | 'normal' | 'warn' | 'error';

interface DrainMonitorOptions {
  ignoreSystem: boolean;
  /** The node's modify index when the drain was set: the node loop waits for what comes after. */
  index: number;
}

export async function monitorDrain(
  api: NomadClient,
  io: CliIO,
  ui: Ui,
  nodeId: string,
  opts: DrainMonitorOptions,
): Promise<void> {
  const stop = new AbortController();
  const signal = AbortSignal.any([io.signal, stop.signal]);
  const emit = (level: Level, text: string): void => {
    if (signal.aborted) return;
    const line = `${formatTime(io.nowMs())}: ${text}`;
    if (level === 'warn' || level === 'error') ui.warn(line);
    else ui.output(line);
    if (level === 'error') stop.abort();
  };
  const loops = [
    watchNode(api, nodeId, { ...opts, signal, emit }),
    watchAllocs(api, nodeId, { ...opts, signal, emit }),
  ];
  await Promise.all(loops);
}

interface LoopOptions extends DrainMonitorOptions {
  signal: AbortSignal;
  emit: (level: Level, text: string) => void;
}

async function watchNode(api: NomadClient, nodeId: string, opts: LoopOptions): Promise<void> {
  let waitIndex = opts.index;
  while (!opts.signal.aborted) {
    let res;
    try {
      res = await api.nodes.info(nodeId, {
        waitIndex,
        waitTimeMs: DRAIN_MONITOR_WAIT_MS,
        signal: opts.signal,
      });
    } catch (err) {
      if (!opts.signal.aborted) opts.emit('error', `Error monitoring node: ${errorText(err)}`);
      return;
    }
    if (res.data.DrainStrategy === null) {
      opts.emit('info', `Drain complete for node ${nodeId}`);
      return;
    }
    if (res.data.Status === 'down') opts.emit('warn', `Node "${nodeId}" down`);
    waitIndex = res.meta.lastIndex;
  }
}

async function watchAllocs(api: NomadClient, nodeId: string, opts: LoopOptions): Promise<void> {
  const seen = new Map<string, Allocation>();
  let waitIndex = 0;
  while (!opts.signal.aborted) {
    let res;
    try {
      res = await api.nodes.allocations(nodeId, {
        waitIndex,
        waitTimeMs: DRAIN_MONITOR_WAIT_MS,
        signal: opts.signal,
      });
    } catch (err) {
      if (!opts.signal.aborted) opts.emit('error', `Error monitoring allocations: ${errorText(err)}`);
      return;
    }
    waitIndex = res.meta.lastIndex;
    let running = 0;
    for (const alloc of res.data ?? []) {
      const before = seen.get(alloc.ID);
      seen.set(alloc.ID, alloc);
      const change = before === undefined ? '' : allocChange(before, alloc);
      if (change !== '') opts.emit('normal', `Alloc "${alloc.ID}" ${change}`);
      if (opts.ignoreSystem && alloc.Job?.Type === 'system') continue;
      if (alloc.ClientStatus === 'pending' || alloc.ClientStatus === 'running') running++;
    }
    if (running === 0) {
      opts.emit('info', `All allocations on node "${nodeId}" have stopped`);
      return;
    }
  }
}

/** What changed for a drained allocation between two reads, in Nomad's words; '' for nothing worth saying. */
export function allocChange(before: Allocation, after: Allocation): string {
  const migrating = after.DesiredTransition.Migrate === true;
  if (before.ClientStatus !== after.ClientStatus)
    return `status ${before.ClientStatus} -> ${after.ClientStatus}`;
  if (migrating && before.DesiredTransition.Migrate !== true) return 'marked for migration';
  if (migrating && before.DesiredStatus !== after.DesiredStatus && after.DesiredStatus === 'stop')
    return 'draining';
  return '';
}
