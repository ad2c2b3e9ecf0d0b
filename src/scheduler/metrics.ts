/**
 * AllocMetric, built while one placement is selected: how many nodes were looked at, why each was
 * filtered or exhausted, and the scores of the best few (Nomad keeps the top five).
 */
import type { AllocMetric, NodeScoreMeta } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';

export const MAX_RETAINED_NODE_SCORES = 5;

interface ScoredNode {
  node: Node;
  norm: number;
  scores: Record<string, number>;
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

  /** Whether a score would make the top list (so the caller builds the scores map only then). */
  wouldRetain(norm: number): boolean {
    return this.top.length < MAX_RETAINED_NODE_SCORES || norm > this.top[this.top.length - 1]!.norm;
  }

  retain(node: Node, norm: number, scores: Record<string, number>): void {
    if (!this.wouldRetain(norm)) return;
    let at = this.top.length;
    while (at > 0 && this.top[at - 1]!.norm < norm) at--;
    this.top.splice(at, 0, { node, norm, scores });
    if (this.top.length > MAX_RETAINED_NODE_SCORES) this.top.pop();
  }

  build(opts: { nodesAvailable: Record<string, number>; nodesInPool: number }): AllocMetric {
    const meta: NodeScoreMeta[] | null =
      this.top.length === 0
        ? null
        : this.top.map((t) => ({ NodeID: t.node.ID, Scores: t.scores, NormScore: t.norm }));
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
