import type { HostStats, NodeListStub, NomadClient } from '../api/index.ts';
import type { Allocation } from '../structs/allocation.ts';
import type { Node, NodeEvent } from '../structs/node.ts';
import { defineCommand } from './command.ts';
import { formatMiB, formatBytes } from './format/bytes.ts';
import { formatKV, formatList } from './format/columns.ts';
import { formatOutput } from './format/template.ts';
import { formatDurationNs, formatTime, nsToMs, prettyTimeDiff, rfc3339ToMs } from './format/time.ts';
import { byPrefix, CliError, errorText, idLength, limitId } from './lookup.ts';
import type { Ui } from './ui.ts';

export const command = defineCommand({
  name: 'node status',
  usage: 'nomad node status [options] <node>',
  description: `Lists the client nodes, or shows one node (by ID or a prefix of it): its
drivers, events, resources and allocations.`,
  flags: {
    self: { kind: 'bool' },
    short: { kind: 'bool' },
    verbose: { kind: 'bool' },
    stats: { kind: 'bool' },
    os: { kind: 'bool' },
    allocs: { kind: 'bool' },
    json: { kind: 'bool' },
    t: { kind: 'string' },
    ui: { kind: 'bool' },
  },
  optionsTitle: 'Node Status Options',
  options: [
    ['-self', 'Shows the node of the local agent.'],
    ['-short', 'Shows less of a node.'],
    ['-verbose', 'Shows full IDs, addresses, versions and node event details.'],
    ['-os', "Adds each node's operating system to the list."],
    ['-allocs', "Adds each node's number of running allocations to the list."],
    ['-json', 'Prints the nodes as JSON.'],
    ['-t', 'Formats the nodes with a Go template.'],
  ],
  async run({ flags, args, ui, io, client }) {
    const api = client();
    const output = { json: flags.json, template: flags.t };
    const length = idLength(flags.verbose);
    try {
      if (args.length === 0 && !flags.self) {
        const nodes = (await api.nodes.list({ os: flags.os })).data ?? [];
        if (flags.json || flags.t !== '') ui.output(formatOutput(output, nodes));
        else if (nodes.length === 0) ui.output('No nodes registered');
        else
          ui.output(
            await formatNodeList(api, nodes, {
              verbose: flags.verbose,
              os: flags.os,
              allocs: flags.allocs,
              length,
            }),
          );
        return 0;
      }
      let nodeId: string;
      if (flags.self) {
        nodeId = (await api.agent.self()).stats['client']?.['node_id'] ?? '';
        if (nodeId === '') throw new CliError('Nomad not running in client mode');
      } else {
        const found = await byPrefix(args[0]!, async (p) => (await api.nodes.prefixList(p)).data);
        if (found.kind === 'none') throw new CliError(`No node(s) with prefix "${args[0]}" found`);
        if (found.kind === 'many') {
          const list = await formatNodeList(api, found.items, {
            verbose: flags.verbose,
            os: false,
            allocs: false,
            length,
          });
          ui.output(`Prefix matched multiple nodes\n\n${list}`);
          return 0;
        }
        nodeId = found.item.ID;
      }
      const node = (await api.nodes.info(nodeId)).data;
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput(output, node));
        return 0;
      }
      await printNode(api, ui, node, {
        verbose: flags.verbose,
        short: flags.short,
        length,
        nowMs: io.nowMs(),
      });
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error querying node status: ${errorText(err)}`);
      return 1;
    }
  },
});

async function formatNodeList(
  api: NomadClient,
  nodes: readonly NodeListStub[],
  opts: { verbose: boolean; os: boolean; allocs: boolean; length: number },
): Promise<string> {
  const header = ['ID', 'Node Pool', 'DC', 'Name', 'Class'];
  if (opts.os) header.push('OS');
  if (opts.verbose) header.push('Address', 'Version');
  header.push('Drain', 'Eligibility', 'Status');
  if (opts.allocs) header.push('Running Allocs');
  const rows = [header.join('|')];
  for (const n of nodes) {
    const cells = [limitId(n.ID, opts.length), n.NodePool, n.Datacenter, n.Name, n.NodeClass];
    if (opts.os)
      cells.push(`${n.Attributes?.['os.name'] ?? ''} ${n.Attributes?.['os.version'] ?? ''}`.trim());
    if (opts.verbose) cells.push(n.Address, n.Version);
    cells.push(String(n.Drain), n.SchedulingEligibility, n.Status);
    if (opts.allocs) {
      const allocs = (await api.nodes.allocations(n.ID)).data ?? [];
      cells.push(String(allocs.filter((a) => a.ClientStatus === 'running').length));
    }
    rows.push(cells.join('|'));
  }
  return formatList(rows);
}

export function formatDrain(n: Pick<Node, 'DrainStrategy'>): string {
  const d = n.DrainStrategy;
  if (d === null) return 'false';
  let out = 'true';
  if (d.DrainSpec.Deadline < 0) out += '; force drain';
  else if (rfc3339ToMs(d.ForceDeadline) === 0) out += '; no deadline';
  else out += `; ${formatTime(rfc3339ToMs(d.ForceDeadline))} deadline`;
  if (d.DrainSpec.IgnoreSystemJobs) out += '; ignoring system jobs';
  return out;
}

function driverSummary(node: Node): string {
  return Object.entries(node.Drivers ?? {})
    .filter(([, d]) => d.Detected)
    .map(([name, d]) => (d.Healthy ? name : `${name} (unhealthy)`))
    .sort()
    .join(',');
}

interface NodePrintOptions {
  verbose: boolean;
  short: boolean;
  length: number;
  nowMs: number;
}

async function printNode(api: NomadClient, ui: Ui, node: Node, opts: NodePrintOptions): Promise<void> {
  const allocs = (await api.nodes.allocations(node.ID)).data ?? [];
  const running = allocs.filter((a) => a.ClientStatus === 'running');
  const basic = [
    `ID|${node.ID}`,
    `Name|${node.Name}`,
    `Node Pool|${node.NodePool}`,
    `Class|${node.NodeClass}`,
    `DC|${node.Datacenter}`,
    `Drain|${formatDrain(node)}`,
    `Eligibility|${node.SchedulingEligibility}`,
    `Status|${node.Status}`,
    'CSI Controllers|',
    'CSI Drivers|',
  ];
  let stats: HostStats | null = null;
  if (!opts.short) {
    stats = await api.nodes.stats({ params: { node_id: node.ID } }).then(
      (r) => r.data,
      (err: unknown) => {
        ui.output('');
        ui.error(`error fetching node stats: ${errorText(err)}`);
        return null;
      },
    );
    if (stats !== null) basic.push(`Uptime|${formatDurationNs(stats.Uptime * 1e9)}`);
  }
  basic.push(
    `Host Volumes|${Object.keys(node.HostVolumes ?? {})
      .sort()
      .join(',')}`,
    'Host Networks|',
    'CSI Volumes|',
    opts.short ? `Drivers|${driverSummary(node)}` : `Driver Status|${driverSummary(node)}`,
  );
  ui.output(formatKV(basic));
  if (!opts.short) {
    ui.output('\n[bold]Node Events[reset]');
    ui.output(formatNodeEvents(node.Events ?? [], opts.verbose));
    ui.output('\n[bold]Allocated Resources[reset]');
    ui.output(formatAllocatedResources(node, running));
    if (stats !== null) {
      ui.output('\n[bold]Host Resource Utilization[reset]');
      ui.output(formatHostResources(node, stats));
    }
  }
  ui.output('\n[bold]Allocations[reset]');
  ui.output(formatNodeAllocs(allocs, opts));
}

function formatNodeEvents(events: readonly NodeEvent[], verbose: boolean): string {
  const rows = [verbose ? 'Time|Subsystem|Message|Details' : 'Time|Subsystem|Message'];
  for (const e of [...events].reverse()) {
    const driver = e.Details?.['driver'] ?? '';
    const subsystem = e.Subsystem === 'Driver' && driver !== '' ? `Driver: ${driver}` : e.Subsystem;
    const cells = [formatTime(rfc3339ToMs(e.Timestamp)), subsystem, e.Message];
    if (verbose)
      cells.push(
        Object.entries(e.Details ?? {})
          .map(([k, v]) => `${k}: ${v}`)
          .join(', '),
      );
    rows.push(cells.join('|'));
  }
  return formatList(rows);
}

function formatAllocatedResources(node: Node, running: readonly Allocation[]): string {
  const r = node.NodeResources;
  const reserved = node.ReservedResources;
  const totalCpu = r.Cpu.CpuShares - (reserved?.Cpu.CpuShares ?? 0);
  const totalMem = r.Memory.MemoryMB - (reserved?.Memory.MemoryMB ?? 0);
  const totalDisk = r.Disk.DiskMB - (reserved?.Disk.DiskMB ?? 0);
  let cpu = 0;
  let mem = 0;
  let disk = 0;
  for (const a of running) {
    for (const t of Object.values(a.AllocatedResources?.Tasks ?? {})) {
      cpu += t.Cpu.CpuShares;
      mem += t.Memory.MemoryMB;
    }
    disk += a.AllocatedResources?.Shared.DiskMB ?? 0;
  }
  return formatList([
    'CPU|Memory|Disk|Alloc Count',
    `${cpu}/${totalCpu} MHz|${formatMiB(mem)}/${formatMiB(totalMem)}|${formatMiB(disk)}/${formatMiB(totalDisk)}|${running.length}`,
  ]);
}

function formatHostResources(node: Node, stats: HostStats): string {
  const device = node.Attributes['unique.storage.volume'] ?? '';
  const disk = (stats.DiskStats ?? []).find((d) => d.Device === device);
  const memory = stats.Memory;
  const cpu = `${Math.floor(stats.CPUTicksConsumed)}/${node.NodeResources.Cpu.CpuShares} MHz`;
  const mem = memory === null ? '' : `${formatBytes(memory.Used)}/${formatBytes(memory.Total)}`;
  const diskText = disk === undefined ? `(${device})` : `${formatBytes(disk.Used)}/${formatBytes(disk.Size)}`;
  return formatList(['CPU|Memory|Disk', `${cpu}|${mem}|${diskText}`]);
}

function formatNodeAllocs(allocs: readonly Allocation[], opts: NodePrintOptions): string {
  if (allocs.length === 0) return 'No allocations placed';
  const L = opts.length;
  const rows = [
    opts.verbose
      ? 'ID|Eval ID|Node ID|Task Group|Version|Desired|Status|Created|Modified'
      : 'ID|Node ID|Task Group|Version|Desired|Status|Created|Modified',
  ];
  const time = (ns: number): string =>
    opts.verbose ? formatTime(nsToMs(ns)) : prettyTimeDiff(nsToMs(ns), opts.nowMs);
  for (const a of allocs) {
    const cells = [
      limitId(a.ID, L),
      ...(opts.verbose ? [limitId(a.EvalID, L)] : []),
      limitId(a.NodeID, L),
      a.TaskGroup,
    ];
    cells.push(
      String(a.Job?.Version ?? 0),
      a.DesiredStatus,
      a.ClientStatus,
      time(a.CreateTime),
      time(a.ModifyTime),
    );
    rows.push(cells.join('|'));
  }
  return formatList(rows);
}
