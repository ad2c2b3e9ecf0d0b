/** Why placements failed, as the monitors, `job plan` and `eval status` explain it. */
import type { AllocMetric } from '../structs/allocation.ts';
import { formatList } from './format/columns.ts';

const sortedEntries = <T>(m: Readonly<Record<string, T>> | null | undefined): [string, T][] =>
  Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function formatAllocMetrics(metrics: AllocMetric, opts: { scores: boolean; prefix: string }): string {
  const p = opts.prefix;
  let out = '';
  if (metrics.NodesEvaluated === 0) out += `${p}* No nodes were eligible for evaluation\n`;
  for (const [dc, available] of sortedEntries(metrics.NodesAvailable)) {
    if (available === 0) out += `${p}* No nodes are available in datacenter ${JSON.stringify(dc)}\n`;
  }
  for (const [cls, n] of sortedEntries(metrics.ClassFiltered)) {
    out += `${p}* Class ${JSON.stringify(cls)}: ${n} nodes excluded by filter\n`;
  }
  for (const [cs, n] of sortedEntries(metrics.ConstraintFiltered)) {
    const line = `${p}* Constraint ${JSON.stringify(cs)}: ${n} nodes excluded by filter`;
    out += cs.includes('missing drivers') ? `[red]${line}[reset]\n` : `${line}\n`;
  }
  if (metrics.NodesExhausted > 0) out += `${p}* Resources exhausted on ${metrics.NodesExhausted} nodes\n`;
  for (const [cls, n] of sortedEntries(metrics.ClassExhausted)) {
    out += `${p}* Class ${JSON.stringify(cls)} exhausted on ${n} nodes\n`;
  }
  for (const [dim, n] of sortedEntries(metrics.DimensionExhausted)) {
    out += `${p}* Dimension ${JSON.stringify(dim)} exhausted on ${n} nodes\n`;
  }
  for (const dim of metrics.QuotaExhausted ?? []) out += `${p}* Quota limit hit ${JSON.stringify(dim)}\n`;
  if (opts.scores) out += formatScores(metrics);
  return out.replace(/\n$/, '');
}

function formatScores(metrics: AllocMetric): string {
  const meta = metrics.ScoreMetaData ?? [];
  if (meta.length === 0) return '';
  const names = [...new Set(meta.flatMap((m) => Object.keys(m.Scores)))].sort();
  const rows = [`Node|${names.join('|')}|final score`];
  for (const m of meta) {
    rows.push([m.NodeID, ...names.map((n) => score(m.Scores[n] ?? 0)), score(m.NormScore)].join('|'));
  }
  return `${formatList(rows)}\n`;
}

/** Go's %.3g. */
function score(v: number): string {
  return Number(v.toPrecision(3)).toString();
}
