/**
 * Whether a set of allocations fits on a node (Nomad's structs.AllocsFit, as the plan applier uses
 * it): CPU, memory and disk summed over the allocations plus the node's reserved resources must not
 * exceed what the node offers, reserved cores must not be shared, and no two allocations (nor the
 * node's reserved host ports) may claim the same port. Memory counts MemoryMB, not MemoryMaxMB:
 * oversubscription lets a task burst into memory nobody reserved.
 */
import type { Allocation } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';

export interface FitResult {
  fit: boolean;
  /** Nomad's dimension names: "cpu", "memory", "disk", "cores", "reserved port collision ...". */
  reason: string;
}

const FITS: FitResult = { fit: true, reason: '' };

/** Parses Nomad's reserved port list ("22,80,8000-8010") into port numbers. */
export function parsePortList(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const [lo, hi] = p.split('-').map((x) => Number(x.trim()));
    if (lo === undefined || !Number.isInteger(lo)) continue;
    const end = hi === undefined || !Number.isInteger(hi) ? lo : hi;
    for (let v = lo; v <= end && v <= 65_535; v++) out.push(v);
  }
  return out;
}

/** The ports one allocation claims on its node (each counted once). */
export function allocPorts(a: Allocation): Set<number> {
  const ports = new Set<number>();
  const shared = a.AllocatedResources?.Shared;
  if (shared === undefined) return ports;
  for (const p of shared.Ports ?? []) if (p.Value > 0) ports.add(p.Value);
  for (const n of shared.Networks ?? []) {
    for (const p of n.ReservedPorts ?? []) if (p.Value > 0) ports.add(p.Value);
    for (const p of n.DynamicPorts ?? []) if (p.Value > 0) ports.add(p.Value);
  }
  return ports;
}

export interface AllocUsage {
  cpu: number;
  memoryMb: number;
  diskMb: number;
  cores: number[];
}

export function allocUsage(a: Allocation): AllocUsage {
  const u: AllocUsage = { cpu: 0, memoryMb: 0, diskMb: 0, cores: [] };
  const r = a.AllocatedResources;
  if (r === null) return u;
  for (const name in r.Tasks) {
    const t = r.Tasks[name]!;
    u.cpu += t.Cpu.CpuShares;
    u.memoryMb += t.Memory.MemoryMB;
    if (t.Cpu.ReservedCores !== null) u.cores.push(...t.Cpu.ReservedCores);
  }
  u.diskMb = r.Shared.DiskMB;
  return u;
}

/** Checks that `allocs` (the non-terminal allocations the node would run) fit on `node`. */
export function allocsFit(node: Node, allocs: readonly Allocation[]): FitResult {
  const reserved = node.ReservedResources;
  let cpu = reserved?.Cpu.CpuShares ?? 0;
  let memoryMb = reserved?.Memory.MemoryMB ?? 0;
  let diskMb = reserved?.Disk.DiskMB ?? 0;
  const cores = new Set<number>(reserved?.Cpu.ReservedCpuCores ?? []);
  const ports = new Set<number>(parsePortList(reserved?.Networks.ReservedHostPorts ?? ''));
  for (const a of allocs) {
    const u = allocUsage(a);
    cpu += u.cpu;
    memoryMb += u.memoryMb;
    diskMb += u.diskMb;
    for (const c of u.cores) {
      if (cores.has(c)) return { fit: false, reason: 'cores' };
      cores.add(c);
    }
    for (const p of allocPorts(a)) {
      if (ports.has(p)) return { fit: false, reason: `reserved port collision static=${p}` };
      ports.add(p);
    }
  }
  const res = node.NodeResources;
  if (cpu > res.Cpu.CpuShares) return { fit: false, reason: 'cpu' };
  if (memoryMb > res.Memory.MemoryMB) return { fit: false, reason: 'memory' };
  if (diskMb > res.Disk.DiskMB) return { fit: false, reason: 'disk' };
  return FITS;
}
