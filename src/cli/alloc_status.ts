import type { AllocResourceUsage, NomadClient } from '../api/index.ts';
import type { Allocation, TaskState } from '../structs/allocation.ts';
import type { Task, TaskLifecycle } from '../structs/job.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatMiB, formatBytes } from './format/bytes.ts';
import { formatColumns, formatKV, formatList } from './format/columns.ts';
import { taskEventMessage } from './format/task_events.ts';
import { formatOutput } from './format/template.ts';
import { formatTime, nsToMs, prettyTimeDiff, rfc3339ToMs } from './format/time.ts';
import { formatAllocListStubs } from './formatters.ts';
import { byPrefix, CliError, errorText, idLength, limitId } from './lookup.ts';
import { formatAllocMetrics } from './alloc_metrics.ts';
import type { Ui } from './ui.ts';

export const command = defineCommand({
  name: 'alloc status',
  usage: 'nomad alloc status [options] <allocation>',
  description: `Shows an allocation: where it runs, its status, its addresses, and for each
task its resources (with current usage) and its recent events. The
allocation is named by its ID or a prefix of it.`,
  flags: {
    short: { kind: 'bool' },
    verbose: { kind: 'bool' },
    stats: { kind: 'bool' },
    json: { kind: 'bool' },
    t: { kind: 'string' },
    ui: { kind: 'bool' },
  },
  optionsTitle: 'Alloc Status Options',
  options: [
    ['-short', 'Shows the allocation and one line per task.'],
    ['-stats', 'Shows detailed resource usage.'],
    ['-verbose', 'Shows full IDs, absolute times and placement metrics.'],
    ['-json', 'Prints the allocation as JSON.'],
    ['-t', 'Formats the allocation with a Go template.'],
  ],
  async run({ flags, args, ui, io, client }) {
    const api = client();
    const output = { json: flags.json, template: flags.t };
    try {
      if (args.length === 0 && (flags.json || flags.t !== '')) {
        ui.output(formatOutput(output, (await api.allocations.list()).data));
        return 0;
      }
      if (args.length !== 1) {
        ui.error('This command takes one of the following argument conditions:');
        ui.error(' * A single <allocation>');
        ui.error(' * No arguments, with output format specified');
        ui.error(commandErrorText('alloc status'));
        return 1;
      }
      const length = idLength(flags.verbose);
      const found = await byPrefix(args[0]!, async (p) => (await api.allocations.prefixList(p)).data);
      if (found.kind === 'none') throw new CliError(`No allocation(s) with prefix or id "${args[0]}" found`);
      if (found.kind === 'many') {
        const table = formatAllocListStubs(found.items, {
          verbose: flags.verbose,
          length,
          nowMs: io.nowMs(),
        });
        ui.output(`Prefix matched multiple allocations\n\n${table}`);
        return 0;
      }
      const alloc = (await api.allocations.info(found.item.ID, { namespace: found.item.Namespace })).data;
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput(output, alloc));
        return 0;
      }
      await printAlloc(api, ui, alloc, {
        verbose: flags.verbose,
        short: flags.short,
        length,
        nowMs: io.nowMs(),
      });
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error querying allocation: ${errorText(err)}`);
      return 1;
    }
  },
});

interface PrintOptions {
  verbose: boolean;
  short: boolean;
  length: number;
  nowMs: number;
}

async function printAlloc(api: NomadClient, ui: Ui, alloc: Allocation, opts: PrintOptions): Promise<void> {
  if (opts.short) {
    ui.output(
      formatKV([
        `ID|${alloc.ID}`,
        `Name|${alloc.Name}`,
        `Created|${prettyTimeDiff(nsToMs(alloc.CreateTime), opts.nowMs)}`,
        `Modified|${prettyTimeDiff(nsToMs(alloc.ModifyTime), opts.nowMs)}`,
      ]),
    );
    ui.output(`\n${shortTaskStatus(alloc)}`);
    return;
  }
  const eligibility = await rescheduleEligibility(api, alloc.FollowupEvalID, opts.nowMs);
  ui.output(formatAllocBasicInfo(alloc, { ...opts, rescheduleEligibility: eligibility }));
  const addresses = formatAllocNetworkInfo(alloc);
  if (addresses !== '') ui.output(`\n${addresses}`);
  let stats: AllocResourceUsage | null = null;
  if (alloc.ClientStatus === 'running' || alloc.ClientStatus === 'pending') {
    try {
      stats = (await api.allocations.stats(alloc.ID)).data;
    } catch (err) {
      ui.output('');
      ui.error(`Couldn't retrieve stats: ${errorText(err)}`);
    }
  }
  for (const name of sortedTasks(alloc)) {
    const state = alloc.TaskStates![name]!;
    const task = taskOf(alloc, name);
    const lifecycle = lifecycleName(task?.Lifecycle ?? null);
    ui.output(
      `\n[bold]Task "${name}"${lifecycle === '' ? '' : ` (${lifecycle})`} is "${state.State}"[reset]`,
    );
    ui.output(formatTaskResources(alloc, name, task, stats));
    ui.output('');
    ui.output(formatTaskStatus(state));
  }
  if (opts.verbose && alloc.Metrics !== null) {
    ui.output('\n[bold]Placement Metrics[reset]');
    ui.output(formatAllocMetrics(alloc.Metrics, { scores: true, prefix: '  ' }));
  }
}

/**
 * When a failed allocation's follow-up evaluation will run: "12s from now", or "" when there is no
 * such evaluation, it cannot be read, or its time has passed (Nomad leaves the row out then).
 */
async function rescheduleEligibility(api: NomadClient, evalId: string, nowMs: number): Promise<string> {
  if (evalId === '') return '';
  let waitUntilMs: number;
  try {
    waitUntilMs = rfc3339ToMs((await api.evaluations.info(evalId)).data.WaitUntil);
  } catch {
    // Nomad treats this row as optional: an unreadable evaluation only hides it.
    return '';
  }
  return waitUntilMs === 0 || waitUntilMs < nowMs ? '' : prettyTimeDiff(waitUntilMs, nowMs);
}

/**
 * "Reschedule Attempts = a/t": the reschedules within the policy's interval (counted back from the
 * allocation's last change) out of those allowed; null when it was never rescheduled or the policy
 * sets no limit, as Nomad shows it.
 */
export function rescheduleAttempts(alloc: Allocation): string | null {
  const events = alloc.RescheduleTracker?.Events ?? [];
  if (events.length === 0) return null;
  const policy = alloc.Job?.TaskGroups.find((g) => g.Name === alloc.TaskGroup)?.ReschedulePolicy;
  if (policy === null || policy === undefined || policy.Attempts <= 0) return null;
  const attempted =
    policy.Interval > 0
      ? events.filter((e) => alloc.ModifyTime - e.RescheduleTime < policy.Interval).length
      : 0;
  return `${attempted}/${policy.Attempts}`;
}

function formatAllocBasicInfo(
  alloc: Allocation,
  opts: PrintOptions & { rescheduleEligibility: string },
): string {
  const time = (ns: number): string =>
    opts.verbose ? formatTime(nsToMs(ns)) : prettyTimeDiff(nsToMs(ns), opts.nowMs);
  const rows = [
    `ID|${alloc.ID}`,
    `Eval ID|${limitId(alloc.EvalID, opts.length)}`,
    `Name|${alloc.Name}`,
    `Node ID|${limitId(alloc.NodeID, opts.length)}`,
    `Node Name|${alloc.NodeName}`,
    `Job ID|${alloc.JobID}`,
    `Job Version|${alloc.Job?.Version ?? 0}`,
    `Client Status|${alloc.ClientStatus}`,
    `Client Description|${alloc.ClientDescription}`,
    `Desired Status|${alloc.DesiredStatus}`,
    `Desired Description|${alloc.DesiredDescription}`,
    `Created|${time(alloc.CreateTime)}`,
    `Modified|${time(alloc.ModifyTime)}`,
  ];
  if (alloc.DeploymentID !== '') {
    const healthy = alloc.DeploymentStatus?.Healthy;
    const health = healthy === true ? 'healthy' : healthy === false ? 'unhealthy' : 'unset';
    rows.push(`Deployment ID|${limitId(alloc.DeploymentID, opts.length)}`, `Deployment Health|${health}`);
    if (alloc.DeploymentStatus?.Canary === true) rows.push('Canary|true');
  }
  const attempts = rescheduleAttempts(alloc);
  if (attempts !== null) rows.push(`Reschedule Attempts|${attempts}`);
  if (alloc.NextAllocation !== '')
    rows.push(`Replacement Alloc ID|${limitId(alloc.NextAllocation, opts.length)}`);
  if (opts.rescheduleEligibility !== '') rows.push(`Reschedule Eligibility|${opts.rescheduleEligibility}`);
  if (opts.verbose && alloc.Metrics !== null) {
    const m = alloc.Metrics;
    rows.push(
      `Evaluated Nodes|${m.NodesEvaluated}`,
      `Filtered Nodes|${m.NodesFiltered}`,
      `Exhausted Nodes|${m.NodesExhausted}`,
      `Allocation Time|${m.AllocationTime}ns`,
      `Failures|${m.CoalescedFailures}`,
    );
  }
  return formatKV(rows);
}

/** The group's addresses: "*db  yes  127.0.0.1:22672 -> 6379". Empty when the group has no ports. */
export function formatAllocNetworkInfo(alloc: Allocation): string {
  const shared = alloc.AllocatedResources?.Shared;
  const nw = shared?.Networks?.[0];
  const ports = shared?.Ports ?? [];
  const networkPorts = [...(nw?.DynamicPorts ?? []), ...(nw?.ReservedPorts ?? [])];
  if (ports.length === 0 && networkPorts.length === 0) return '';
  const row = (label: string, value: number, to: number, ip: string): string =>
    `${label}|yes|${ip}:${value}${to > 0 ? ` -> ${to}` : ''}`;
  const rows = ['Label|Dynamic|Address'];
  if (ports.length > 0) for (const p of ports) rows.push(row(`*${p.Label}`, p.Value, p.To, p.HostIP));
  else for (const p of networkPorts) rows.push(row(p.Label, p.Value, p.To, nw?.IP ?? ''));
  const mode = nw !== undefined && nw.Mode !== '' && nw.Mode !== 'host' ? ` (mode = "${nw.Mode}")` : '';
  return `Allocation Addresses${mode}:\n${formatList(rows)}`;
}

function taskOf(alloc: Allocation, name: string): Task | undefined {
  return alloc.Job?.TaskGroups.find((g) => g.Name === alloc.TaskGroup)?.Tasks.find((t) => t.Name === name);
}

function lifecycleName(l: TaskLifecycle | null): string {
  if (l === null || l.Hook === '') return '';
  return l.Sidecar ? `${l.Hook} sidecar` : l.Hook;
}

const LIFECYCLE_ORDER: Readonly<Record<string, number>> = {
  prestart: 0,
  'prestart sidecar': 1,
  '': 2,
  poststart: 3,
  poststop: 4,
};

function sortedTasks(alloc: Allocation): string[] {
  const names = Object.keys(alloc.TaskStates ?? {});
  const rank = (n: string): number =>
    LIFECYCLE_ORDER[lifecycleName(taskOf(alloc, n)?.Lifecycle ?? null)] ?? 2;
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function formatTaskResources(
  alloc: Allocation,
  name: string,
  task: Task | undefined,
  stats: AllocResourceUsage | null,
): string {
  const allocated = alloc.AllocatedResources?.Tasks[name];
  const cpu = allocated?.Cpu.CpuShares ?? task?.Resources.CPU ?? 0;
  const memoryMb = allocated?.Memory.MemoryMB ?? task?.Resources.MemoryMB ?? 0;
  const memoryMaxMb = allocated?.Memory.MemoryMaxMB ?? task?.Resources.MemoryMaxMB ?? 0;
  const cores = task?.Resources.Cores ?? 0;
  let cpuUsage = String(cpu);
  let memUsage = formatMiB(memoryMb);
  const usage = stats?.Tasks[name]?.ResourceUsage;
  if (usage?.CpuStats) cpuUsage = `${Math.floor(usage.CpuStats.TotalTicks)}/${cpuUsage}`;
  if (usage?.MemoryStats) {
    const ms = usage.MemoryStats;
    const used = ms.RSS === 0 && !(ms.Measured ?? []).includes('RSS') ? ms.Usage : ms.RSS;
    memUsage = `${formatBytes(used)}/${memUsage}`;
  }
  // Nomad lists only task-level networks here (a pre-0.12 form this project does not model); the
  // group's ports are in the "Allocation Addresses" block, so the column stays empty.
  const addresses: string[] = [];
  const disk = formatMiB(
    alloc.AllocatedResources?.Shared.DiskMB ??
      alloc.Job?.TaskGroups.find((g) => g.Name === alloc.TaskGroup)?.EphemeralDisk.SizeMB ??
      0,
  );
  const rows = [`${cores > 0 ? `CPU (${cores} cores)` : 'CPU'}|Memory|Disk|Addresses`];
  rows.push(`${cpuUsage} MHz|${memUsage}|${disk}|${addresses[0] ?? ''}`);
  const memMax = memoryMaxMb !== 0 && memoryMaxMb !== memoryMb ? `Max: ${formatMiB(memoryMaxMb)}` : '';
  if (memMax !== '' || addresses.length > 1) rows.push(`|${memMax}||${addresses[1] ?? ''}`);
  for (const a of addresses.slice(2)) rows.push(`|||${a}`);
  return `Task Resources:\n${formatColumns(rows)}`;
}

function taskTime(text: string | null): string {
  const ms = rfc3339ToMs(text);
  return ms === 0 ? 'N/A' : formatTime(ms);
}

export function formatTaskStatus(state: TaskState): string {
  const kv = formatKV([
    `Started At|${taskTime(state.StartedAt)}`,
    `Finished At|${taskTime(state.FinishedAt)}`,
    `Total Restarts|${state.Restarts}`,
    `Last Restart|${taskTime(state.LastRestart)}`,
  ]);
  const events = ['Time|Type|Description'];
  for (const e of [...(state.Events ?? [])].reverse()) {
    events.push(`${formatTime(nsToMs(e.Time))}|${e.Type}|${taskEventMessage(e)}`);
  }
  return `Task Events:\n${kv}\n\nRecent Events:\n${formatList(events)}`;
}

function shortTaskStatus(alloc: Allocation): string {
  const rows = ['Name|State|Last Event|Time|Lifecycle'];
  for (const name of sortedTasks(alloc)) {
    const state = alloc.TaskStates![name]!;
    const last = state.Events?.at(-1);
    const lifecycle = lifecycleName(taskOf(alloc, name)?.Lifecycle ?? null) || 'main';
    rows.push(
      `${name}|${state.State}|${last?.Type ?? ''}|${last ? formatTime(nsToMs(last.Time)) : ''}|${lifecycle}`,
    );
  }
  return `Tasks\n${formatList(rows)}`;
}
