/**
 * AllocMetric, built while one placement is selected: how many nodes were looked at, why each was
 * filtered or exhausted, and the scores of the best few (Nomad keeps the top five).
 *
 * Every placement keeps its own AllocMetric, as in Nomad. What it points to is shared when equal:
 * `Scores` objects (nodes alike in usage score alike, and every job's spread starts alike) and a
 * node's NodeScoreMeta when the same node made the top list of several placements with the same
 * scores. The sharing table lives with the node list (see node_base.ts), so evaluations of the same
 * nodes share too. Shared objects are frozen: stored allocations are immutable, and these must
 * stay so.
 */
import type { AllocMetric, NodeScoreMeta } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';

export const MAX_RETAINED_NODE_SCORES = 5;
/** Distinct Scores objects remembered for sharing; past this, the table starts over. */
export const MAX_SHARED_SCORES = 16_384;
/** Scores objects with the same binpack and spread scores compared for sharing; past this, no sharing. */
const MAX_SHARED_SCORES_PER_KEY = 16;

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
  return q.antiAffinity === p.antiAffinity && q.penalty === p.penalty && q.affinity === p.affinity;
}

/**
 * The score objects one evaluation's placements share (see the file comment). Nothing here is
 * mutated once handed out.
 */
export class ScoreSharing {
  /**
   * Shared Scores by binpack score, then spread score (Map keys compare NaN equal to NaN, `===`
   * does not: see below).
   */
  private readonly byFit = new Map<number, Map<number, SharedScores[]>>();
  private count = 0;
  /** The last NodeScoreMeta handed out per node. */
  private readonly lastMeta = new Map<string, NodeScoreMeta>();

  scores(kind: ScoreKind, p: ScoreParts): Readonly<Record<string, number>> {
    let bySpread = this.byFit.get(p.binpack);
    let list = bySpread?.get(p.spread);
    if (list !== undefined) {
      // NaN never equals itself: such scores are simply not shared.
      for (const s of list) {
        if (s.parts.binpack === p.binpack && s.parts.spread === p.spread && sameParts(s, kind, p))
          return s.scores;
      }
    }
    const scores = scoresObject(kind, p);
    if (this.count >= MAX_SHARED_SCORES) {
      this.byFit.clear();
      this.count = 0;
      bySpread = undefined;
      list = undefined;
    }
    if (bySpread === undefined) {
      bySpread = new Map();
      this.byFit.set(p.binpack, bySpread);
    }
    if (list === undefined) {
      list = [];
      bySpread.set(p.spread, list);
    }
    if (list.length >= MAX_SHARED_SCORES_PER_KEY) return scores;
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

/** Score parts kept per retained node, in this order. */
const PARTS = 5;

export class MetricsBuilder {
  evaluated = 0;
  filtered = 0;
  exhausted = 0;
  classFiltered: Record<string, number> | null = null;
  constraintFiltered: Record<string, number> | null = null;
  classExhausted: Record<string, number> | null = null;
  dimensionExhausted: Record<string, number> | null = null;
  /**
   * The best scores so far, best first (at most MAX_RETAINED_NODE_SCORES), kept in typed arrays:
   * a selection may improve its list dozens of times, and objects per try add up.
   */
  private readonly topNodes: Node[] = [];
  private readonly topNorms = new Float64Array(MAX_RETAINED_NODE_SCORES);
  private readonly topKinds = new Uint8Array(MAX_RETAINED_NODE_SCORES);
  private readonly topParts = new Float64Array(MAX_RETAINED_NODE_SCORES * PARTS);
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
    const n = this.topNodes.length;
    return n < MAX_RETAINED_NODE_SCORES || norm > this.topNorms[n - 1]!;
  }

  /** Keeps a node ranked by its fit alone (the system stack). */
  retainFit(node: Node, binpack: number): void {
    const at = this.slot(node, binpack, KIND_FIT_ONLY);
    if (at < 0) return;
    const o = at * PARTS;
    this.topParts[o] = binpack;
    this.topParts.fill(0, o + 1, o + PARTS);
  }

  /**
   * Keeps a node ranked by the generic stack, with its scores by part (binpack, job anti-affinity,
   * reschedule penalty, node affinity, spread); a zero spread score is left out, as in Nomad.
   * Positional, not an object: this runs many times per selection.
   */
  retain(
    node: Node,
    norm: number,
    binpack: number,
    antiAffinity: number,
    penalty: number,
    affinity: number,
    spread: number,
  ): void {
    const at = this.slot(node, norm, spread === 0 ? KIND_GENERIC : KIND_GENERIC_SPREAD);
    if (at < 0) return;
    const o = at * PARTS;
    const p = this.topParts;
    p[o] = binpack;
    p[o + 1] = antiAffinity;
    p[o + 2] = penalty;
    p[o + 3] = affinity;
    p[o + 4] = spread;
  }

  /** Makes room for a score in the top list (after equal ones); -1 when it does not make it. */
  private slot(node: Node, norm: number, kind: ScoreKind): number {
    if (!this.wouldRetain(norm)) return -1;
    const nodes = this.topNodes;
    let at = nodes.length;
    while (at > 0 && this.topNorms[at - 1]! < norm) at--;
    const last = Math.min(nodes.length, MAX_RETAINED_NODE_SCORES - 1);
    // Shift the entries from `at` down by one; the last one drops off a full list.
    if (nodes.length < MAX_RETAINED_NODE_SCORES) nodes.push(node);
    for (let j = last; j > at; j--) {
      nodes[j] = nodes[j - 1]!;
      this.topNorms[j] = this.topNorms[j - 1]!;
      this.topKinds[j] = this.topKinds[j - 1]!;
      this.topParts.copyWithin(j * PARTS, (j - 1) * PARTS, j * PARTS);
    }
    nodes[at] = node;
    this.topNorms[at] = norm;
    this.topKinds[at] = kind;
    return at;
  }

  private scoresAt(j: number): Readonly<Record<string, number>> {
    const o = j * PARTS;
    const p = this.topParts;
    const parts: ScoreParts = {
      binpack: p[o]!,
      antiAffinity: p[o + 1]!,
      penalty: p[o + 2]!,
      affinity: p[o + 3]!,
      spread: p[o + 4]!,
    };
    return this.sharing.scores(this.topKinds[j] as ScoreKind, parts);
  }

  build(opts: { nodesAvailable: Record<string, number>; nodesInPool: number }): AllocMetric {
    // map() sizes the array exactly; push() would leave spare capacity on every allocation.
    const meta: NodeScoreMeta[] | null =
      this.topNodes.length === 0
        ? null
        : this.topNodes.map((node, j) => this.sharing.meta(node.ID, this.scoresAt(j), this.topNorms[j]!));
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
