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

/**
 * Sums what allocations claim on one node and checks it against the node, without building
 * intermediate objects: the plan applier runs this for every node of every plan.
 */
export class FitAccumulator {
  #cpu: number;
  #memoryMb: number;
  #diskMb: number;
  #cores: Set<number> | undefined;
  /** port -> the allocation claiming it (an allocation may list a port twice: Ports and Networks). */
  #ports = new Map<number, string>();
  #collision = '';

  constructor(node: Node) {
    const reserved = node.ReservedResources;
    this.#cpu = reserved?.Cpu.CpuShares ?? 0;
    this.#memoryMb = reserved?.Memory.MemoryMB ?? 0;
    this.#diskMb = reserved?.Disk.DiskMB ?? 0;
    const cores = reserved?.Cpu.ReservedCpuCores ?? null;
    if (cores !== null && cores.length > 0) this.#cores = new Set(cores);
    const hostPorts = reserved?.Networks.ReservedHostPorts ?? '';
    if (hostPorts !== '') for (const p of parsePortList(hostPorts)) this.#ports.set(p, '');
  }

  add(a: Allocation): void {
    const r = a.AllocatedResources;
    if (r === null) return;
    for (const name in r.Tasks) {
      const t = r.Tasks[name]!;
      this.#cpu += t.Cpu.CpuShares;
      this.#memoryMb += t.Memory.MemoryMB;
      const cores = t.Cpu.ReservedCores;
      if (cores !== null) for (const c of cores) this.#claimCore(c);
    }
    this.#diskMb += r.Shared.DiskMB;
    const shared = r.Shared;
    if (shared.Ports !== null) for (const p of shared.Ports) this.#claimPort(p.Value, a.ID);
    if (shared.Networks !== null) {
      for (const n of shared.Networks) {
        if (n.ReservedPorts !== null) for (const p of n.ReservedPorts) this.#claimPort(p.Value, a.ID);
        if (n.DynamicPorts !== null) for (const p of n.DynamicPorts) this.#claimPort(p.Value, a.ID);
      }
    }
  }

  result(node: Node): FitResult {
    if (this.#collision !== '') return { fit: false, reason: this.#collision };
    const res = node.NodeResources;
    if (this.#cpu > res.Cpu.CpuShares) return { fit: false, reason: 'cpu' };
    if (this.#memoryMb > res.Memory.MemoryMB) return { fit: false, reason: 'memory' };
    if (this.#diskMb > res.Disk.DiskMB) return { fit: false, reason: 'disk' };
    return FITS;
  }

  #claimCore(core: number): void {
    this.#cores ??= new Set();
    if (this.#cores.has(core) && this.#collision === '') this.#collision = 'cores';
    this.#cores.add(core);
  }

  #claimPort(port: number, allocId: string): void {
    if (port <= 0) return;
    const holder = this.#ports.get(port);
    if (holder === undefined) this.#ports.set(port, allocId);
    else if (holder !== allocId && this.#collision === '')
      this.#collision = `reserved port collision static=${port}`;
  }
}

/** Checks that `allocs` (the non-terminal allocations the node would run) fit on `node`. */
export function allocsFit(node: Node, allocs: readonly Allocation[]): FitResult {
  const acc = new FitAccumulator(node);
  for (const a of allocs) acc.add(a);
  return acc.result(node);
}
