/**
 * Preemption: when a placement does not fit on a node, which lower-priority allocations to evict so
 * that it does. Only allocations at least PREEMPTION_PRIORITY_DELTA below the job's priority are
 * candidates; the lowest priorities go first, and within a priority the allocation whose
 * resources are closest to what is still missing. Then any chosen allocation that turns out not
 * to be needed is put back.
 */
import type { Allocation } from '../structs/allocation.ts';
import type { EvalContext } from './eval_context.ts';
import { allocAmount, forEachAllocPort, type Amount, type GroupAsk } from './resources.ts';
import type { FreedResources } from './rank.ts';

export const PREEMPTION_PRIORITY_DELTA = 10;

interface Candidate {
  alloc: Allocation;
  priority: number;
  amount: Amount;
  ports: number[];
}

function priorityOf(ctx: EvalContext, a: Allocation): number {
  return a.Job?.Priority ?? ctx.state.jobByID(a.Namespace, a.JobID)?.Priority ?? 50;
}

interface Need {
  cpu: number;
  mem: number;
  disk: number;
  ports: Set<number>;
}

function needAfter(ctx: EvalContext, ask: GroupAsk, i: number, chosen: Candidate[]): Need {
  const t = ctx.table;
  const freedPorts = new Set<number>();
  let cpu = t.cpuUsed[i]! + ask.amount.cpu - t.cpuCap[i]!;
  let mem = t.memUsed[i]! + ask.amount.memoryMb - t.memCap[i]!;
  let disk = t.diskUsed[i]! + ask.amount.diskMb - t.diskCap[i]!;
  for (const c of chosen) {
    cpu -= c.amount.cpu;
    mem -= c.amount.memoryMb;
    disk -= c.amount.diskMb;
    for (const p of c.ports) freedPorts.add(p);
  }
  const ports = new Set<number>();
  const used = t.ports[i]!;
  for (const p of ask.staticPorts) if (used.has(p.Value) && !freedPorts.has(p.Value)) ports.add(p.Value);
  return { cpu, mem, disk, ports };
}

function satisfied(n: Need): boolean {
  return n.cpu <= 0 && n.mem <= 0 && n.disk <= 0 && n.ports.size === 0;
}

function distance(c: Candidate, n: Need): number {
  if (c.ports.some((p) => n.ports.has(p))) return -1; // holds a port we need: take it first
  const d = (have: number, want: number): number => (want <= 0 ? 0 : (want - Math.min(have, want)) / want);
  return Math.hypot(d(c.amount.cpu, n.cpu), d(c.amount.memoryMb, n.mem), d(c.amount.diskMb, n.disk));
}

/** Allocations to preempt on node i for the ask, or null when no set of candidates makes it fit. */
export function findPreemptions(
  ctx: EvalContext,
  ask: GroupAsk,
  i: number,
  job: { Priority: number; ID: string; Namespace: string },
): { allocs: Allocation[]; freed: FreedResources } | null {
  const node = ctx.table.nodes[i]!;
  const candidates: Candidate[] = [];
  for (const a of ctx.proposedAllocs(node.ID)) {
    if (a.JobID === job.ID && a.Namespace === job.Namespace) continue;
    const priority = priorityOf(ctx, a);
    if (job.Priority - priority < PREEMPTION_PRIORITY_DELTA) continue;
    const ports: number[] = [];
    forEachAllocPort(a, (p) => ports.push(p));
    candidates.push({ alloc: a, priority, amount: allocAmount(a), ports });
  }
  candidates.sort((x, y) => x.priority - y.priority);
  const chosen: Candidate[] = [];
  let need = needAfter(ctx, ask, i, chosen);
  while (!satisfied(need)) {
    const lowest = candidates.find((c) => !chosen.includes(c))?.priority;
    if (lowest === undefined) return null;
    let best: Candidate | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
      if (c.priority !== lowest || chosen.includes(c)) continue;
      const dist = distance(c, need);
      if (dist < bestDistance) {
        best = c;
        bestDistance = dist;
      }
    }
    chosen.push(best!);
    need = needAfter(ctx, ask, i, chosen);
  }
  // Put back what is not needed, most recently chosen first.
  for (let k = chosen.length - 1; k >= 0; k--) {
    const without = chosen.filter((_, j) => j !== k);
    if (satisfied(needAfter(ctx, ask, i, without))) chosen.splice(k, 1);
  }
  const freed: FreedResources = { cpu: 0, memoryMb: 0, diskMb: 0, ports: new Set() };
  for (const c of chosen) {
    freed.cpu += c.amount.cpu;
    freed.memoryMb += c.amount.memoryMb;
    freed.diskMb += c.amount.diskMb;
    for (const p of c.ports) freed.ports.add(p);
  }
  return { allocs: chosen.map((c) => c.alloc), freed };
}
