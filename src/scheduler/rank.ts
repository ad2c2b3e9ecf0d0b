/**
 * Ranking: the fit of a group on a node (binpack by default, worst fit when the cluster's
 * SchedulerAlgorithm is "spread"), node affinities and spread blocks. Scores follow Nomad's
 * iterators, so the same cluster ranks nodes the same way.
 */
import type { Affinity, Job, TaskGroup } from '../structs/job.ts';
import { meetsConstraint } from './constraints.ts';
import type { EvalContext } from './eval_context.ts';
import { PropertySet } from './property_set.ts';
import { dynamicPortRange, type GroupAsk } from './resources.ts';

export const BINPACK_MAX_FIT_SCORE = 18;

/** Nomad's ScoreFitBinPack (or ScoreFitSpread for the spread algorithm), normalized to [0, 1]. */
export function fitScore(spreadAlgorithm: boolean, freeCpu: number, freeMem: number): number {
  const total = Math.pow(10, freeCpu) + Math.pow(10, freeMem);
  let score = spreadAlgorithm ? total - 2 : 20 - total;
  if (score > BINPACK_MAX_FIT_SCORE) score = BINPACK_MAX_FIT_SCORE;
  else if (score < 0) score = 0;
  return score / BINPACK_MAX_FIT_SCORE;
}

/**
 * Whether the group's ask fits on node i given its usage so far: "" when it does, else the
 * exhausted dimension as Nomad names it. Ports are checked first, as Nomad assigns them first.
 */
export function checkFit(ctx: EvalContext, ask: GroupAsk, i: number, freed: FreedResources | null): string {
  const t = ctx.table;
  if (ask.staticPorts.length > 0 || ask.dynamicPortCount > 0) {
    const used = t.ports[i]!;
    for (const p of ask.staticPorts) {
      if (used.has(p.Value) && (freed === null || !freed.ports.has(p.Value))) {
        return `network: reserved port collision ${p.Label}=${p.Value}`;
      }
    }
    if (ask.dynamicPortCount > 0 && freeDynamicPorts(ctx, ask, i, freed) < ask.dynamicPortCount) {
      return 'network: dynamic port selection failed';
    }
  }
  const fc = freed?.cpu ?? 0;
  const fm = freed?.memoryMb ?? 0;
  const fd = freed?.diskMb ?? 0;
  if (t.cpuUsed[i]! - fc + ask.amount.cpu > t.cpuCap[i]!) return 'cpu';
  if (t.memUsed[i]! - fm + ask.amount.memoryMb > t.memCap[i]!) return 'memory';
  if (t.diskUsed[i]! - fd + ask.amount.diskMb > t.diskCap[i]!) return 'disk';
  return '';
}

/** Resources that preempting some allocations would give back. */
export interface FreedResources {
  cpu: number;
  memoryMb: number;
  diskMb: number;
  ports: Set<number>;
}

function freeDynamicPorts(ctx: EvalContext, ask: GroupAsk, i: number, freed: FreedResources | null): number {
  const { min, max } = dynamicPortRange(ctx.table.nodes[i]!);
  let taken = 0;
  for (const p of ctx.table.ports[i]!)
    if (p >= min && p <= max && (freed === null || !freed.ports.has(p))) taken++;
  for (const p of ask.staticPorts) if (p.Value >= min && p.Value <= max) taken++;
  return max - min + 1 - taken;
}

/** The fit score of node i with the group placed on it. */
export function binpackScore(
  ctx: EvalContext,
  ask: GroupAsk,
  i: number,
  freed: FreedResources | null,
): number {
  const t = ctx.table;
  const cpu = t.cpuUsed[i]! - (freed?.cpu ?? 0) + ask.amount.cpu;
  const mem = t.memUsed[i]! - (freed?.memoryMb ?? 0) + ask.amount.memoryMb;
  return fitScore(ctx.config.SchedulerAlgorithm === 'spread', 1 - cpu / t.cpuCap[i]!, 1 - mem / t.memCap[i]!);
}

interface SpreadPlan {
  set: PropertySet;
  weight: number;
  /** Desired allocation count per value ("*" for the rest); null for an even spread. */
  desired: Map<string, number> | null;
}

/** What ranking needs for one group, prepared once per evaluation. */
export interface GroupRanking {
  affinities: Affinity[];
  affinityWeightSum: number;
  /** Affinity score per node index (NaN until computed): it depends on the node alone. */
  affinityScores: Float64Array;
  spreads: SpreadPlan[];
  spreadWeightSum: number;
  /** Nomad's lowestSpreadBoost: what a value with a desired count of zero scores. */
  lowestSpreadBoost: number;
}

export function prepareGroupRanking(ctx: EvalContext, job: Job, tg: TaskGroup): GroupRanking {
  const affinities = [
    ...(job.Affinities ?? []),
    ...(tg.Affinities ?? []),
    ...tg.Tasks.flatMap((t) => t.Affinities ?? []),
  ];
  const counts = ctx.counts(job);
  const spreads: SpreadPlan[] = [];
  let spreadWeightSum = 0;
  for (const s of [...(tg.Spreads ?? []), ...(job.Spreads ?? [])]) {
    const targets = (s.SpreadTarget ?? []).map((t) => t.Value);
    const set = new PropertySet(ctx.table.base, { attribute: s.Attribute, taskGroup: tg.Name, targets });
    counts.track(set);
    let desired: Map<string, number> | null = null;
    if (targets.length > 0) {
      desired = new Map();
      let sum = 0;
      for (const t of s.SpreadTarget ?? []) {
        const d = (t.Percent / 100) * tg.Count;
        desired.set(t.Value, d);
        sum += d;
      }
      if (sum > 0 && sum < tg.Count) desired.set('*', tg.Count - sum);
    }
    spreads.push({ set, weight: s.Weight, desired });
    spreadWeightSum += s.Weight;
  }
  return {
    affinities,
    affinityWeightSum: affinities.reduce((acc, a) => acc + Math.abs(a.Weight), 0),
    affinityScores: new Float64Array(ctx.table.size).fill(NaN),
    spreads,
    spreadWeightSum,
    lowestSpreadBoost: -1,
  };
}

export function affinityScore(ctx: EvalContext, r: GroupRanking, i: number): number {
  let s = r.affinityScores[i]!;
  if (!Number.isNaN(s)) return s;
  let total = 0;
  const node = ctx.table.nodes[i]!;
  for (const a of r.affinities) if (meetsConstraint(ctx.patterns, a, node)) total += a.Weight;
  s = r.affinityWeightSum === 0 ? 0 : total / r.affinityWeightSum;
  r.affinityScores[i] = s;
  return s;
}

/**
 * Min and max counts over the values that ever held an allocation, taken once per selection, and
 * the even-spread boost of every value known then: counts only change between selections, so a
 * value's boost is the same for every node that has it.
 */
export interface EvenStats {
  any: boolean;
  min: number;
  max: number;
  /** Boost per value id (for an even spread; empty for one with targets). */
  boosts: number[];
}

export function evenStats(r: GroupRanking): EvenStats[] {
  return r.spreads.map(({ set, desired }) => {
    let min = 0;
    let max = 0;
    let any = false;
    for (let v = 0; v < set.counts.length; v++) {
      if (!set.used[v]) continue;
      any = true;
      const c = set.counts[v]!;
      // Nomad's loop: a zero minimum is replaced by the next value seen.
      if (min === 0 || c < min) min = c;
      if (max === 0 || c > max) max = c;
    }
    const stats: EvenStats = { any, min, max, boosts: [] };
    if (desired === null)
      for (let v = 0; v < set.counts.length; v++) stats.boosts.push(evenBoost(set, stats, v));
    return stats;
  });
}

/** A value's boost in an even spread (Nomad's evenSpreadScoreBoost). */
export function evenBoost(set: PropertySet, stats: EvenStats, vid: number): number {
  if (!stats.any) return 0;
  const current = set.used[vid] ? set.counts[vid]! : 0;
  const { min, max } = stats;
  const delta = min === 0 ? -1 : (min - current) / min;
  if (current !== min) return delta;
  if (min === max) return -1;
  if (min === 0) return 1;
  return (max - min) / min;
}

/** Nomad's SpreadIterator score for node i: the sum over the group's spread blocks. */
export function spreadScore(r: GroupRanking, stats: EvenStats[], i: number): number {
  let total = 0;
  for (let k = 0; k < r.spreads.length; k++) {
    const s = r.spreads[k]!;
    const vid = s.set.valueIdOf(i);
    if (vid < 0) {
      total -= 1;
      continue;
    }
    if (s.desired === null) {
      const st = stats[k]!;
      // A value first seen during this selection has no precomputed boost yet.
      total += vid < st.boosts.length ? st.boosts[vid]! : evenBoost(s.set, st, vid);
      continue;
    }
    total += targetBoost(r, s, vid);
  }
  return total;
}

function targetBoost(r: GroupRanking, s: SpreadPlan, vid: number): number {
  const used = s.set.counts[vid]! + 1;
  const desired = s.desired!.get(s.set.values[vid]!) ?? s.desired!.get('*');
  if (desired === undefined) return -1;
  if (desired === 0) return r.lowestSpreadBoost;
  const boost = ((desired - used) / desired) * (s.weight / r.spreadWeightSum);
  if (boost < r.lowestSpreadBoost) r.lowestSpreadBoost = boost;
  return boost;
}
