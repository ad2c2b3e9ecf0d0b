/**
 * Sets of allocations keyed by ID, and the filters the reconciler sorts them with: by the state of
 * their node (untainted, migrate, lost) and by whether a failed one is rescheduled now, later, or
 * not at all.
 */
import type { Allocation } from '../structs/allocation.ts';
import { allocIndex, allocTerminal } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import { deploymentActive } from '../structs/deployment.ts';
import type { Node } from '../structs/node.ts';
import { nextRescheduleTime } from './reschedule.ts';

export type AllocSet = Map<string, Allocation>;

/** A failed allocation may be rescheduled now if its time is within this window (Nomad: 1s). */
export const RESCHEDULE_WINDOW_NS = 1e9;

export function setOf(list: Iterable<Allocation>): AllocSet {
  const s: AllocSet = new Map();
  for (const a of list) s.set(a.ID, a);
  return s;
}

export function union(...sets: AllocSet[]): AllocSet {
  const out: AllocSet = new Map();
  for (const s of sets) for (const [k, v] of s) out.set(k, v);
  return out;
}

export function difference(a: AllocSet, ...others: AllocSet[]): AllocSet {
  const out: AllocSet = new Map();
  for (const [k, v] of a) if (!others.some((o) => o.has(k))) out.set(k, v);
  return out;
}

export function fromKeys(a: AllocSet, keys: Iterable<string>): AllocSet {
  const out: AllocSet = new Map();
  for (const k of keys) {
    const v = a.get(k);
    if (v !== undefined) out.set(k, v);
  }
  return out;
}

export function nonTerminal(a: AllocSet): AllocSet {
  const out: AllocSet = new Map();
  for (const [k, v] of a) if (!allocTerminal(v)) out.set(k, v);
  return out;
}

/** The allocations ordered by name index (then ID), for stable choices. */
export function nameOrder(a: AllocSet): Allocation[] {
  return [...a.values()].sort((x, y) => allocIndex(x.Name) - allocIndex(y.Name) || (x.ID < y.ID ? -1 : 1));
}

/** Nodes that are down, draining, disconnected or gone (null), by ID. */
export type TaintedNodes = ReadonlyMap<string, Node | null>;

export interface ByTainted {
  untainted: AllocSet;
  migrate: AllocSet;
  lost: AllocSet;
}

/** Sorts allocations by their node: untainted, to migrate (marked by the drainer), or lost. */
export function filterByTainted(set: AllocSet, tainted: TaintedNodes): ByTainted {
  const out: ByTainted = { untainted: new Map(), migrate: new Map(), lost: new Map() };
  for (const [id, a] of set) {
    if (allocTerminal(a)) {
      out.untainted.set(id, a);
      continue;
    }
    if (a.DesiredTransition?.Migrate === true) {
      out.migrate.set(id, a);
      continue;
    }
    if (!tainted.has(a.NodeID)) {
      out.untainted.set(id, a);
      continue;
    }
    const node = tainted.get(a.NodeID) ?? null;
    // Without disconnect support, a disconnected node's allocations are treated as lost.
    if (node === null || node.Status === 'down' || node.Status === 'disconnected') out.lost.set(id, a);
    else out.untainted.set(id, a);
  }
  return out;
}

/** Whether the reconciler keeps an allocation as running/complete, or ignores it entirely. */
function shouldFilter(a: Allocation, batch: boolean): { untainted: boolean; ignore: boolean } {
  if (batch) {
    if (a.DesiredStatus === 'stop') {
      return a.ClientStatus === 'complete'
        ? { untainted: true, ignore: false }
        : { untainted: false, ignore: true };
    }
    if (a.DesiredStatus === 'evict') return { untainted: false, ignore: true };
    if (a.ClientStatus === 'failed') return { untainted: false, ignore: false };
    return { untainted: true, ignore: false };
  }
  if (a.DesiredStatus === 'stop' || a.DesiredStatus === 'evict') return { untainted: false, ignore: true };
  if (a.ClientStatus === 'complete' || a.ClientStatus === 'lost') return { untainted: false, ignore: true };
  if (a.ClientStatus === 'failed') return { untainted: false, ignore: false };
  return { untainted: true, ignore: false };
}

export interface RescheduleLater {
  alloc: Allocation;
  timeNs: number;
}

export interface ByRescheduleable {
  untainted: AllocSet;
  rescheduleNow: AllocSet;
  rescheduleLater: RescheduleLater[];
}

/**
 * Splits allocations into those that stay (running, or done for batch), failed ones to reschedule
 * now (due, or this evaluation is their follow-up), and failed ones to reschedule later.
 */
export function filterByRescheduleable(
  set: AllocSet,
  opts: { batch: boolean; nowNs: number; evalId: string; deployment: Deployment | null },
): ByRescheduleable {
  const out: ByRescheduleable = { untainted: new Map(), rescheduleNow: new Map(), rescheduleLater: [] };
  for (const [id, a] of set) {
    // Failed allocations that were already replaced are done with.
    if (a.NextAllocation !== '' && allocTerminal(a)) continue;
    const f = shouldFilter(a, opts.batch);
    if (f.untainted) out.untainted.set(id, a);
    if (f.untainted || f.ignore) continue;
    const d = opts.deployment;
    // During an active deployment, its own failed allocations reschedule only when marked to.
    const held =
      d !== null &&
      a.DeploymentID === d.ID &&
      deploymentActive(d) &&
      a.DesiredTransition?.Reschedule !== true;
    let now = !held && a.DesiredTransition?.ForceReschedule === true;
    let later = false;
    let timeNs = 0;
    if (!held) {
      const next = nextRescheduleTime(a);
      timeNs = next.timeNs;
      if (next.eligible && (a.FollowupEvalID === opts.evalId || timeNs - opts.nowNs <= RESCHEDULE_WINDOW_NS))
        now = true;
      else if (next.eligible && a.FollowupEvalID === '') later = true;
    }
    if (now) {
      out.rescheduleNow.set(id, a);
      continue;
    }
    out.untainted.set(id, a);
    if (later) out.rescheduleLater.push({ alloc: a, timeNs });
  }
  return out;
}

export function filterByDeployment(
  set: AllocSet,
  deploymentId: string,
): { match: AllocSet; other: AllocSet } {
  const match: AllocSet = new Map();
  const other: AllocSet = new Map();
  for (const [k, v] of set) (v.DeploymentID === deploymentId ? match : other).set(k, v);
  return { match, other };
}
