/**
 * AllocMetric, built while one placement is selected: how many nodes were looked at, why each was
 * filtered or exhausted, and the scores of the best few (Nomad keeps the top five).
 *
 * Every placement keeps its own AllocMetric, as in Nomad. What it points to is shared when equal:
 * the `Scores` objects of one evaluation (nodes alike in usage score alike) and a node's
 * NodeScoreMeta when the same node made the top list of several placements with the same scores.
 * Shared objects are frozen: stored allocations are immutable, and these must stay so.
 */
import type { AllocMetric, NodeScoreMeta } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';

export const MAX_RETAINED_NODE_SCORES = 5;
/** Distinct Scores objects one evaluation shares; past this, new ones are not shared. */
export const MAX_SHARED_SCORES = 4_096;
/** Scores objects with the same binpack score compared for sharing; past this, no sharing. */
const MAX_SHARED_SCORES_PER_FIT = 32;

/** Which scores a node was ranked with: the system stack's fit only, or the generic stack's. */
const KIND_FIT_ONLY = 0;
const KIND_GENERIC = 1;
const KIND_GENERIC_SPREAD = 2;
type ScoreKind = typeof KIND_FIT_ONLY | typeof KIND_GENERIC | typeof KIND_GENERIC_SPREAD;

/** One ranked node's scores, by Nomad's names ("allocation-spread" only when non-zero). */
export interface ScoreParts {
  binpack: number;
  antiAffinity: number;
  penalty: number;
  affinity: number;
  spread: number;
}

interface ScoredNode {
  node: Node;
  norm: number;
  kind: ScoreKind;
  parts: ScoreParts;
}

interface SharedScores {
  kind: ScoreKind;
  parts: ScoreParts;
  scores: Readonly<Record<string, number>>;
}

function scoresObject(kind: ScoreKind, p: ScoreParts): Readonly<Record<string, number>> {
  // Literals of a fixed shape, so the properties live inside the object.
  if (kind === KIND_FIT_ONLY) return Object.freeze({ binpack: p.binpack });
  if (kind === KIND_GENERIC) {
    return Object.freeze({
      binpack: p.binpack,
      'job-anti-affinity': p.antiAffinity,
      'node-reschedule-penalty': p.penalty,
      'node-affinity': p.affinity,
    });
  }
  return Object.freeze({
    binpack: p.binpack,
    'job-anti-affinity': p.antiAffinity,
    'node-reschedule-penalty': p.penalty,
    'node-affinity': p.affinity,
    'allocation-spread': p.spread,
  });
}

function sameParts(a: SharedScores, kind: ScoreKind, p: ScoreParts): boolean {
  if (a.kind !== kind) return false;
  if (kind === KIND_FIT_ONLY) return true;
  const q = a.parts;
  return (
    q.antiAffinity === p.antiAffinity &&
    q.penalty === p.penalty &&
    q.affinity === p.affinity &&
    (kind === KIND_GENERIC || q.spread === p.spread)
  );
}

/**
 * The score objects one evaluation's placements share (see the file comment). Nothing here is
 * mutated once handed out.
 */
export class ScoreSharing {
  /** Shared Scores by binpack score (Map keys compare NaN equal to NaN, === does not: see below). */
  private readonly byFit = new Map<number, SharedScores[]>();
  private count = 0;
  /** The last NodeScoreMeta handed out per node. */
  private readonly lastMeta = new Map<string, NodeScoreMeta>();

  scores(kind: ScoreKind, p: ScoreParts): Readonly<Record<string, number>> {
    let list = this.byFit.get(p.binpack);
    if (list !== undefined) {
      // NaN never equals itself: such scores are simply not shared.
      for (const s of list) if (s.parts.binpack === p.binpack && sameParts(s, kind, p)) return s.scores;
    }
    const scores = scoresObject(kind, p);
    if (this.count >= MAX_SHARED_SCORES) return scores;
    if (list === undefined) {
      list = [];
      this.byFit.set(p.binpack, list);
    }
    if (list.length >= MAX_SHARED_SCORES_PER_FIT) return scores;
    list.push({ kind, parts: { ...p }, scores });
    this.count++;
    return scores;
  }

  meta(nodeId: string, scores: Readonly<Record<string, number>>, norm: number): NodeScoreMeta {
    const last = this.lastMeta.get(nodeId);
    if (last !== undefined && last.Scores === scores && last.NormScore === norm) return last;
    // Readonly in the type would ripple through AllocMetric's readers; the freeze enforces it.
    const meta: NodeScoreMeta = Object.freeze({
      NodeID: nodeId,
      Scores: scores as Record<string, number>,
      NormScore: norm,
    });
    this.lastMeta.set(nodeId, meta);
    return meta;
  }
}

function bump(map: Record<string, number> | null, key: string): Record<string, number> {
  const m = map ?? {};
  m[key] = (m[key] ?? 0) + 1;
  return m;
}

export class MetricsBuilder {
  evaluated = 0;
  filtered = 0;
  exhausted = 0;
  classFiltered: Record<string, number> | null = null;
  constraintFiltered: Record<string, number> | null = null;
  classExhausted: Record<string, number> | null = null;
  dimensionExhausted: Record<string, number> | null = null;
  /** Best scores first; at most MAX_RETAINED_NODE_SCORES. */
  private readonly top: ScoredNode[] = [];
  private readonly sharing: ScoreSharing;

  constructor(sharing: ScoreSharing) {
    this.sharing = sharing;
  }

  filter(node: Node, reason: string): void {
    this.filtered++;
    if (node.NodeClass !== '') this.classFiltered = bump(this.classFiltered, node.NodeClass);
    if (reason !== '') this.constraintFiltered = bump(this.constraintFiltered, reason);
  }

  exhaust(node: Node, dimension: string): void {
    this.exhausted++;
    if (node.NodeClass !== '') this.classExhausted = bump(this.classExhausted, node.NodeClass);
    if (dimension !== '') this.dimensionExhausted = bump(this.dimensionExhausted, dimension);
  }

  /** Whether a score would make the top list (so the caller gathers its parts only then). */
  wouldRetain(norm: number): boolean {
    return this.top.length < MAX_RETAINED_NODE_SCORES || norm > this.top[this.top.length - 1]!.norm;
  }

  /** Keeps a node ranked by its fit alone (the system stack). */
  retainFit(node: Node, binpack: number): void {
    this.insert({
      node,
      norm: binpack,
      kind: KIND_FIT_ONLY,
      parts: { binpack, antiAffinity: 0, penalty: 0, affinity: 0, spread: 0 },
    });
  }

  /** Keeps a node ranked by the generic stack; a zero spread score is left out, as in Nomad. */
  retain(node: Node, norm: number, parts: ScoreParts): void {
    this.insert({ node, norm, kind: parts.spread === 0 ? KIND_GENERIC : KIND_GENERIC_SPREAD, parts });
  }

  private insert(s: ScoredNode): void {
    if (!this.wouldRetain(s.norm)) return;
    let at = this.top.length;
    while (at > 0 && this.top[at - 1]!.norm < s.norm) at--;
    this.top.splice(at, 0, s);
    if (this.top.length > MAX_RETAINED_NODE_SCORES) this.top.pop();
  }

  build(opts: { nodesAvailable: Record<string, number>; nodesInPool: number }): AllocMetric {
    // map() sizes the array exactly; push() would leave spare capacity on every allocation.
    const meta: NodeScoreMeta[] | null =
      this.top.length === 0
        ? null
        : this.top.map((t) => this.sharing.meta(t.node.ID, this.sharing.scores(t.kind, t.parts), t.norm));
    return {
      NodesEvaluated: this.evaluated,
      NodesFiltered: this.filtered,
      NodesInPool: opts.nodesInPool,
      NodesAvailable: opts.nodesAvailable,
      ClassFiltered: this.classFiltered,
      ConstraintFiltered: this.constraintFiltered,
      NodesExhausted: this.exhausted,
      ClassExhausted: this.classExhausted,
      DimensionExhausted: this.dimensionExhausted,
      QuotaExhausted: null,
      ResourcesExhausted: null,
      ScoreMetaData: meta,
      AllocationTime: 0,
      CoalescedFailures: 0,
    };
  }
}
