/**
 * Resource arithmetic: what an allocation uses on its node (Nomad's comparable resources, which
 * account for task lifecycles), what a node offers (its resources minus what it reserves), and
 * what a task group asks for.
 */
import type { AllocatedResources, AllocatedTaskResources, Allocation } from '../structs/allocation.ts';
import type { NetworkResource, Port, TaskGroup } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';

/** A limit on how many reserved host ports one node may declare ("22,80,8000-8100"). */
export const MAX_NODE_RESERVED_PORTS = 65536;
export const DEFAULT_MIN_DYNAMIC_PORT = 20000;
export const DEFAULT_MAX_DYNAMIC_PORT = 32000;
export const MAX_PORT = 65535;

export interface Amount {
  cpu: number;
  memoryMb: number;
  diskMb: number;
}

interface TaskSum {
  cpu: number;
  mem: number;
}

function addTask(sum: TaskSum, r: AllocatedTaskResources): void {
  sum.cpu += r.Cpu.CpuShares;
  sum.mem += r.Memory.MemoryMB;
}

/**
 * What an allocation occupies on its node. Prestart tasks that are not sidecars run before the
 * main tasks and poststop tasks after them, so only the larger of those phases counts.
 */
export function resourcesAmount(r: AllocatedResources | null): Amount {
  if (r === null) return { cpu: 0, memoryMb: 0, diskMb: 0 };
  const main: TaskSum = { cpu: 0, mem: 0 };
  let phased: { sidecar: TaskSum; ephemeral: TaskSum; poststop: TaskSum } | null = null;
  for (const name in r.Tasks) {
    const t = r.Tasks[name]!;
    const lc = r.TaskLifecycles?.[name] ?? null;
    if (lc === null || lc.Hook === 'poststart') {
      addTask(main, t);
      continue;
    }
    phased ??= { sidecar: { cpu: 0, mem: 0 }, ephemeral: { cpu: 0, mem: 0 }, poststop: { cpu: 0, mem: 0 } };
    if (lc.Hook === 'prestart') addTask(lc.Sidecar ? phased.sidecar : phased.ephemeral, t);
    else if (lc.Hook === 'poststop') addTask(phased.poststop, t);
    else addTask(main, t);
  }
  const disk = r.Shared.DiskMB;
  if (phased === null) return { cpu: main.cpu, memoryMb: main.mem, diskMb: disk };
  const cpu = phased.sidecar.cpu + Math.max(main.cpu, phased.ephemeral.cpu, phased.poststop.cpu);
  const mem = phased.sidecar.mem + Math.max(main.mem, phased.ephemeral.mem, phased.poststop.mem);
  return { cpu, memoryMb: mem, diskMb: disk };
}

export function allocAmount(a: Allocation): Amount {
  return resourcesAmount(a.AllocatedResources);
}

/** Calls fn with every host port an allocation holds. */
export function forEachAllocPort(a: Allocation, fn: (port: number) => void): void {
  const r = a.AllocatedResources;
  if (r === null) return;
  const shared = r.Shared;
  // Ports mirrors the group network's ports; both are read so that either alone is enough.
  if (shared.Ports !== null) for (const p of shared.Ports) if (p.Value > 0) fn(p.Value);
  if (shared.Networks !== null) for (const n of shared.Networks) forEachNetworkPort(n, fn);
  for (const name in r.Tasks) {
    const nets = r.Tasks[name]!.Networks;
    if (nets === null) continue;
    for (const n of nets) forEachNetworkPort(n as NetworkLike, fn);
  }
}

interface NetworkLike {
  ReservedPorts?: Port[] | null;
  DynamicPorts?: Port[] | null;
}

function forEachNetworkPort(n: NetworkLike, fn: (port: number) => void): void {
  for (const p of n.ReservedPorts ?? []) if (p.Value > 0) fn(p.Value);
  for (const p of n.DynamicPorts ?? []) if (p.Value > 0) fn(p.Value);
}

/** What a node offers for allocations: its resources minus what it reserves. */
export function nodeCapacity(node: Node): Amount {
  const r = node.NodeResources;
  const res = node.ReservedResources;
  return {
    cpu: r.Cpu.CpuShares - (res?.Cpu.CpuShares ?? 0),
    memoryMb: r.Memory.MemoryMB - (res?.Memory.MemoryMB ?? 0),
    diskMb: r.Disk.DiskMB - (res?.Disk.DiskMB ?? 0),
  };
}

/** Parses a port list such as "22,80,8000-8100"; entries that do not parse are skipped. */
export function parsePortSpec(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const s = part.trim();
    if (s === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(s);
    if (m === null) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let p = lo; p <= Math.min(hi, MAX_PORT) && out.length < MAX_NODE_RESERVED_PORTS; p++) out.push(p);
  }
  return out;
}

const reservedPortsCache = new WeakMap<Node, readonly number[]>();

/** Ports the node keeps for itself: the reserved host ports and each address's reserved ports. */
export function nodeReservedPorts(node: Node): readonly number[] {
  let cached = reservedPortsCache.get(node);
  if (cached === undefined) {
    cached = parseNodeReservedPorts(node);
    reservedPortsCache.set(node, cached);
  }
  return cached;
}

function parseNodeReservedPorts(node: Node): number[] {
  const out = parsePortSpec(node.ReservedResources?.Networks.ReservedHostPorts ?? '');
  for (const nn of node.NodeResources.NodeNetworks ?? []) {
    for (const addr of nn.Addresses ?? [])
      if (addr.ReservedPorts !== '') out.push(...parsePortSpec(addr.ReservedPorts));
  }
  return out;
}

export function dynamicPortRange(node: Node): { min: number; max: number } {
  const r = node.NodeResources;
  const min = r.MinDynamicPort > 0 ? r.MinDynamicPort : DEFAULT_MIN_DYNAMIC_PORT;
  const max = r.MaxDynamicPort > 0 ? r.MaxDynamicPort : DEFAULT_MAX_DYNAMIC_PORT;
  return { min, max: Math.max(min, max) };
}

/** The address allocations on this node get: the first host network's IP. */
export function nodeIP(node: Node): { ip: string; device: string } {
  for (const n of node.NodeResources.Networks ?? []) {
    if (n.IP !== '' && (n.Mode === '' || n.Mode === 'host')) return { ip: n.IP, device: n.Device };
  }
  for (const nn of node.NodeResources.NodeNetworks ?? []) {
    const addr = nn.Addresses?.[0];
    if (addr !== undefined && addr.Address !== '') return { ip: addr.Address, device: nn.Device };
  }
  return { ip: '', device: '' };
}

/** A network the group or a task asks for, with where its result goes. */
export interface NetworkAsk {
  network: NetworkResource;
  /** The task that asked (task-level network), or null for the group's network. */
  task: string | null;
}

/** What one placement of a task group asks for. Computed once per group per evaluation. */
export interface GroupAsk {
  amount: Amount;
  /** Per task resources without networks; shared by every allocation of the group that has none. */
  tasks: Record<string, AllocatedTaskResources>;
  lifecycles: AllocatedResources['TaskLifecycles'];
  networks: NetworkAsk[];
  /** Static ports every placement needs (label=value, for collision messages). */
  staticPorts: Port[];
  dynamicPortCount: number;
  drivers: string[];
}

export function groupAsk(tg: TaskGroup, memoryOversubscription: boolean): GroupAsk {
  const tasks: Record<string, AllocatedTaskResources> = {};
  const lifecycles: AllocatedResources['TaskLifecycles'] = {};
  const networks: NetworkAsk[] = [];
  const drivers = new Set<string>();
  for (const net of tg.Networks ?? []) networks.push({ network: net, task: null });
  for (const t of tg.Tasks) {
    drivers.add(t.Driver);
    tasks[t.Name] = {
      Cpu: { CpuShares: t.Resources.CPU, ReservedCores: null },
      Memory: {
        MemoryMB: t.Resources.MemoryMB,
        MemoryMaxMB: memoryOversubscription ? t.Resources.MemoryMaxMB : 0,
      },
      Networks: null,
      Devices: null,
    };
    lifecycles[t.Name] =
      t.Lifecycle === null ? null : { Hook: t.Lifecycle.Hook, Sidecar: t.Lifecycle.Sidecar };
    for (const net of t.Resources.Networks ?? []) networks.push({ network: net, task: t.Name });
  }
  const staticPorts: Port[] = [];
  let dynamicPortCount = 0;
  for (const { network } of networks) {
    for (const p of network.ReservedPorts ?? []) staticPorts.push(p);
    dynamicPortCount += network.DynamicPorts?.length ?? 0;
  }
  const amount = resourcesAmount({
    Tasks: tasks,
    TaskLifecycles: lifecycles,
    Shared: { DiskMB: tg.EphemeralDisk.SizeMB, Networks: null, Ports: null },
  });
  return { amount, tasks, lifecycles, networks, staticPorts, dynamicPortCount, drivers: [...drivers] };
}
