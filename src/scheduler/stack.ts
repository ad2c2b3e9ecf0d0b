/**
 * The placement stack: picks the node for one placement of a task group. Nodes are visited in an
 * order shuffled once per evaluation from the evaluation's ID (so a placement can be replayed),
 * continuing where the previous placement stopped. Each node goes through feasibility, then the
 * resource fit, then scoring; after `limit` candidates (2 for batch, log2 of the node count for
 * service, more when the group has affinities or spreads) the best one wins. Up to three
 * candidates scoring at or below zero are set aside and only used if nothing better turns up.
 */
import type { AllocatedResources, Allocation, AllocMetric } from '../structs/allocation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import { shuffleInPlace } from '../lib/random.ts';
import type { EvalContext } from './eval_context.ts';
import { feasible, NodeKeys, prepareGroupChecks, type GroupChecks } from './feasibility.ts';
import { MetricsBuilder } from './metrics.ts';
import { assignResources } from './ports.ts';
import { findPreemptions } from './preemption.ts';
import {
  affinityScore,
  binpackScore,
  checkFit,
  evenBoost,
  evenStats,
  prepareGroupRanking,
  spreadScore,
  type EvenStats,
  type FreedResources,
  type GroupRanking,
} from './rank.ts';
import { groupAsk, type GroupAsk } from './resources.ts';

/** Nomad's default node_limit_for_feasibility_checks: candidates looked at with affinities/spreads. */
export const NODE_LIMIT_FOR_FEASIBILITY_CHECKS = 100;
/** How many low-scoring candidates may be set aside per placement (Nomad's maxSkip). */
export const MAX_SKIP = 3;
export const SKIP_SCORE_THRESHOLD = 0;

export interface SelectOptions {
  /** Nodes to penalize: where the allocation being replaced failed before. */
  penaltyNodeIds?: ReadonlySet<string> | null;
  /** Nodes to try first (the previous node of a sticky or migrating allocation). */
  preferredNodes?: readonly Node[] | null;
  /** Whether lower-priority allocations may be preempted to make room. */
  preempt?: boolean;
}

export interface RankedOption {
  node: Node;
  score: number;
  resources: AllocatedResources;
  /** Allocations to preempt for this placement, or null. */
  preempted: Allocation[] | null;
}

export interface SelectResult {
  option: RankedOption | null;
  metric: AllocMetric;
}

interface PreparedGroup {
  tg: TaskGroup;
  ask: GroupAsk;
  checks: GroupChecks;
  rank: GroupRanking;
  limit: number;
  /** Fit scores per node, valid while the node's usage version matches. */
  fitScores: Float64Array;
  fitVersions: Int32Array;
  /**
   * Nodes known feasible for the group (1). Feasibility only depends on the node itself, unless the
   * group has distinct_hosts or distinct_property checks, which depend on the plan: then nothing is
   * remembered.
   */
  feasibleKnown: Uint8Array | null;
  /** The resources of every placement, when the group asks for no network (null until the first). */
  resources: AllocatedResources | null;
}

interface Candidate {
  i: number;
  score: number;
  preempted: Allocation[] | null;
  freed: FreedResources | null;
}

export class Stack {
  private readonly ctx: EvalContext;
  private readonly system: boolean;
  private readonly batch: boolean;
  private readonly keys: NodeKeys;
  private order: number[] = [];
  private cursor = 0;
  private baseLimit = 2;
  private job: Job | null = null;
  private readonly groups = new Map<string, PreparedGroup>();
  private nodesAvailable: Record<string, number> = {};
  private nodesInPool = 0;
  // The last ranked node's preemption, read right after rankNode returns.
  private lastPreempted: Allocation[] | null = null;
  private lastFreed: FreedResources | null = null;
  // fitNode's and rankNode's scores (NaN to start: the fields hold doubles in place).
  private fit = NaN;
  private score = NaN;

  constructor(ctx: EvalContext, opts: { system: boolean; batch: boolean }) {
    this.ctx = ctx;
    this.system = opts.system;
    this.batch = opts.batch;
    this.keys = new NodeKeys(ctx);
  }

  /** Sets the nodes to place on, shuffled for the generic scheduler, and the candidate limit. */
  setNodes(nodes: readonly Node[], byDatacenter: Record<string, number>): void {
    const order: number[] = [];
    for (const n of nodes) {
      const i = this.ctx.table.indexOf(n.ID);
      if (i >= 0) order.push(i);
    }
    if (!this.system) shuffleInPlace(order, this.ctx.rng);
    this.order = order;
    this.cursor = 0;
    this.nodesAvailable = byDatacenter;
    this.nodesInPool = order.length;
    this.baseLimit = 2;
    if (!this.batch && order.length > 0) this.baseLimit = Math.max(2, Math.ceil(Math.log2(order.length)));
  }

  setJob(job: Job): void {
    if (this.job !== job) this.groups.clear();
    this.job = job;
  }

  private prepare(tg: TaskGroup): PreparedGroup {
    let p = this.groups.get(tg.Name);
    if (p !== undefined && p.tg === tg) return p;
    const job = this.job!;
    const rank = prepareGroupRanking(this.ctx, job, tg);
    let limit = this.baseLimit;
    if (rank.affinities.length > 0 || rank.spreads.length > 0) {
      limit = Math.max(tg.Count, NODE_LIMIT_FOR_FEASIBILITY_CHECKS);
    }
    p = {
      tg,
      ask: groupAsk(tg, this.ctx.config.MemoryOversubscriptionEnabled),
      checks: prepareGroupChecks(this.ctx, job, tg, { system: this.system }),
      rank,
      limit,
      fitScores: new Float64Array(this.ctx.table.size),
      fitVersions: new Int32Array(this.ctx.table.size).fill(-1),
      feasibleKnown: null,
      resources: null,
    };
    const c = p.checks;
    if (!c.distinctHostsJob && !c.distinctHostsGroup && c.distinctProperties.length === 0)
      p.feasibleKnown = new Uint8Array(this.ctx.table.size);
    this.groups.set(tg.Name, p);
    return p;
  }

  /**
   * Whether node i can take the group, recording why not in the metrics; its fit score goes to
   * `this.fit` (a field: a double returned from a call that is not inlined is allocated, and this
   * runs for every node looked at). A node whose usage has not changed since it last fit keeps its
   * score: the fit and ports only change together with the usage version, and a cached score
   * implies the node passed feasibility, which is remembered too unless the group has checks that
   * depend on the plan.
   */
  private fitNode(p: PreparedGroup, i: number, opts: SelectOptions, m: MetricsBuilder): boolean {
    this.lastPreempted = null;
    this.lastFreed = null;
    if (p.feasibleKnown !== null && p.fitVersions[i] === this.ctx.table.version[i]) {
      this.fit = p.fitScores[i]!;
      return true;
    }
    return this.fitNodeAfresh(p, i, opts, m);
  }

  private fitNodeAfresh(p: PreparedGroup, i: number, opts: SelectOptions, m: MetricsBuilder): boolean {
    const ctx = this.ctx;
    const t = ctx.table;
    const known = p.feasibleKnown;
    if (known === null || known[i] !== 1) {
      if (!feasible(ctx, p.checks, this.keys, i, m)) return false;
      if (known !== null) known[i] = 1;
    }
    t.ensure(i);
    const dim = checkFit(ctx, p.ask, i, null);
    if (dim === '') {
      if (p.fitVersions[i] !== t.version[i]) {
        p.fitScores[i] = binpackScore(ctx, p.ask, i, null);
        p.fitVersions[i] = t.version[i]!;
      }
      this.fit = p.fitScores[i]!;
      return true;
    }
    const pre = opts.preempt === true ? findPreemptions(ctx, p.ask, i, this.job!) : null;
    if (pre === null || checkFit(ctx, p.ask, i, pre.freed) !== '') {
      m.exhaust(t.nodes[i]!, dim);
      return false;
    }
    this.lastPreempted = pre.allocs;
    this.lastFreed = pre.freed;
    this.fit = binpackScore(ctx, p.ask, i, pre.freed);
    return true;
  }

  /**
   * Whether node i can take the group (why not is recorded in the metrics); its score goes to
   * `this.score` (see fitNode).
   */
  private rankNode(
    p: PreparedGroup,
    i: number,
    opts: SelectOptions,
    m: MetricsBuilder,
    stats: EvenStats[],
  ): boolean {
    if (!this.fitNode(p, i, opts, m)) return false;
    const binpack = this.fit;
    if (this.system) {
      if (m.wouldRetain(binpack)) m.retainFit(this.ctx.table.nodes[i]!, binpack);
      this.score = binpack;
      return true;
    }
    let sum = binpack;
    let n = 1;
    const collisions = p.checks.groupCounts[i]!;
    let anti = 0;
    if (collisions > 0) {
      anti = -(collisions + 1) / p.tg.Count;
      sum += anti;
      n++;
    }
    let penalty = 0;
    const penaltyNodes = opts.penaltyNodeIds;
    if (
      penaltyNodes !== undefined &&
      penaltyNodes !== null &&
      penaltyNodes.has(this.ctx.table.nodes[i]!.ID)
    ) {
      penalty = -1;
      sum += penalty;
      n++;
    }
    let affinity = 0;
    if (p.rank.affinities.length > 0) {
      affinity = affinityScore(this.ctx, p.rank, i);
      sum += affinity;
      n++;
    }
    let spread = 0;
    const spreads = p.rank.spreads;
    if (spreads.length > 0) {
      // One even spread (the common case) is scored here: a call returning a double allocates it.
      if (spreads.length === 1 && spreads[0]!.desired === null) {
        const set = spreads[0]!.set;
        const vid = set.valueIdOf(i);
        const boosts = stats[0]!.boosts;
        spread = vid < 0 ? -1 : vid < boosts.length ? boosts[vid]! : evenBoost(set, stats[0]!, vid);
      } else spread = spreadScore(p.rank, stats, i);
      if (spread !== 0) {
        sum += spread;
        n++;
      }
    }
    const norm = sum / n;
    if (m.wouldRetain(norm)) {
      m.retain(this.ctx.table.nodes[i]!, norm, binpack, anti, penalty, affinity, spread);
    }
    this.score = norm;
    return true;
  }

  private finish(p: PreparedGroup, m: MetricsBuilder, best: Candidate | null): SelectResult {
    const metric = m.build({ nodesAvailable: this.nodesAvailable, nodesInPool: this.nodesInPool });
    if (best === null) return { option: null, metric };
    const node = this.ctx.table.nodes[best.i]!;
    let used: ReadonlySet<number> = this.ctx.table.ports[best.i]!;
    if (best.freed !== null && best.freed.ports.size > 0) {
      const freedPorts = best.freed.ports;
      used = new Set([...used].filter((x) => !freedPorts.has(x)));
    }
    // Without networks every placement of the group gets the same resources: one shared object.
    let resources = p.ask.networks.length === 0 ? p.resources : null;
    if (resources === null) {
      resources = assignResources(p.ask, node, {
        used,
        rng: this.ctx.rng,
        diskMb: p.tg.EphemeralDisk.SizeMB,
      });
      if (p.ask.networks.length === 0) p.resources = resources;
    }
    return { option: { node, score: best.score, resources, preempted: best.preempted }, metric };
  }

  /** Selects the best node for one placement of the group. */
  select(tg: TaskGroup, opts: SelectOptions = {}): SelectResult {
    const p = this.prepare(tg);
    if (opts.preferredNodes !== undefined && opts.preferredNodes !== null && opts.preferredNodes.length > 0) {
      for (const node of opts.preferredNodes) {
        const r = this.selectOnNode(node, tg, { ...opts, preferredNodes: null });
        if (r.option !== null) return r;
      }
    }
    const m = new MetricsBuilder(this.ctx.scoreSharing);
    const stats = p.rank.spreads.length > 0 ? evenStats(p.rank) : [];
    const order = this.order;
    const n = order.length;
    let collected = 0;
    let best: Candidate | null = null;
    const skipped: Candidate[] = [];
    for (let seen = 0; seen < n && collected < p.limit; seen++) {
      const i = order[this.cursor]!;
      this.cursor = this.cursor + 1 === n ? 0 : this.cursor + 1;
      m.evaluated++;
      if (!this.rankNode(p, i, opts, m, stats)) continue;
      const score = this.score;
      if (score <= SKIP_SCORE_THRESHOLD && skipped.length < MAX_SKIP) {
        skipped.push({ i, score, preempted: this.lastPreempted, freed: this.lastFreed });
        continue;
      }
      collected++;
      if (best === null || score > best.score)
        best = { i, score, preempted: this.lastPreempted, freed: this.lastFreed };
    }
    for (const c of skipped) {
      if (collected >= p.limit) break;
      collected++;
      if (best === null || c.score > best.score) best = c;
    }
    return this.finish(p, m, best);
  }

  /** Evaluates the group on one node only (system placements and in-place update checks). */
  selectOnNode(node: Node, tg: TaskGroup, opts: SelectOptions = {}): SelectResult {
    const p = this.prepare(tg);
    const m = new MetricsBuilder(this.ctx.scoreSharing);
    const i = this.ctx.table.indexOf(node.ID);
    if (i < 0) return this.finish(p, m, null);
    m.evaluated++;
    const stats = p.rank.spreads.length > 0 ? evenStats(p.rank) : [];
    if (!this.rankNode(p, i, opts, m, stats)) return this.finish(p, m, null);
    return this.finish(p, m, { i, score: this.score, preempted: this.lastPreempted, freed: this.lastFreed });
  }
}
