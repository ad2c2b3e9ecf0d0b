import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RETAINED_NODE_SCORES, MetricsBuilder, ScoreSharing } from './metrics.ts';
import { mockNode } from './testing/mock.ts';

const AVAILABLE = { dc1: 10 };
const retained = (binpack: number, spread = 0) => [binpack, 0, 0, 0, spread] as const;
const parts = (binpack: number, spread = 0) => ({
  binpack,
  antiAffinity: 0,
  penalty: 0,
  affinity: 0,
  spread,
});

test('a metric keeps the best five scores, best first, with "allocation-spread" only when non-zero', () => {
  const m = new MetricsBuilder(new ScoreSharing());
  for (let i = 0; i < 8; i++) m.retain(mockNode(i), i / 10, ...retained(i / 10, i % 2 === 0 ? 0 : -0.5));
  const meta = m.build({ nodesAvailable: AVAILABLE, nodesInPool: 8 }).ScoreMetaData!;
  assert.equal(meta.length, MAX_RETAINED_NODE_SCORES);
  assert.deepEqual(
    meta.map((s) => s.NormScore),
    [0.7, 0.6, 0.5, 0.4, 0.3],
  );
  assert.deepEqual(meta[0]!.Scores, {
    binpack: 0.7,
    'job-anti-affinity': 0,
    'node-reschedule-penalty': 0,
    'node-affinity': 0,
    'allocation-spread': -0.5,
  });
  assert.deepEqual(Object.keys(meta[1]!.Scores), [
    'binpack',
    'job-anti-affinity',
    'node-reschedule-penalty',
    'node-affinity',
  ]);
});

test('placements of one evaluation share equal score objects, which are frozen, but each has its own metric', () => {
  const sharing = new ScoreSharing();
  const build = (nodeIndex: number, binpack: number, spread: number) => {
    const m = new MetricsBuilder(sharing);
    m.retain(mockNode(nodeIndex), binpack, ...retained(binpack, spread));
    return m.build({ nodesAvailable: AVAILABLE, nodesInPool: 1 });
  };
  const a = build(1, 0.5, 0);
  const b = build(2, 0.5, 0);
  const c = build(1, 0.5, 0);
  const d = build(1, 0.5, 0.25);
  assert.notEqual(a, b);
  assert.notEqual(a.ScoreMetaData, c.ScoreMetaData);
  assert.equal(a.ScoreMetaData![0]!.Scores, b.ScoreMetaData![0]!.Scores, 'equal scores on two nodes');
  assert.equal(a.ScoreMetaData![0], c.ScoreMetaData![0], 'the same node with the same scores');
  assert.notEqual(a.ScoreMetaData![0]!.Scores, d.ScoreMetaData![0]!.Scores);
  assert.equal(d.ScoreMetaData![0]!.Scores['allocation-spread'], 0.25);
  assert.ok(Object.isFrozen(a.ScoreMetaData![0]));
  assert.ok(Object.isFrozen(a.ScoreMetaData![0]!.Scores));
  assert.throws(() => {
    (a.ScoreMetaData![0]!.Scores as Record<string, number>)['binpack'] = 1;
  }, TypeError);
});

test('a system placement records its fit score alone, and NaN scores are never shared', () => {
  const sharing = new ScoreSharing();
  const m = new MetricsBuilder(sharing);
  m.retainFit(mockNode(1), 0.25);
  assert.deepEqual(m.build({ nodesAvailable: AVAILABLE, nodesInPool: 1 }).ScoreMetaData![0]!.Scores, {
    binpack: 0.25,
  });
  const first = sharing.scores(1, parts(NaN));
  const second = sharing.scores(1, parts(NaN));
  assert.notEqual(first, second);
  assert.ok(Number.isNaN(second['binpack']));
});
