import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Evaluation } from '../structs/evaluation.ts';
import { BlockedEvals, type BlockedEvalSink } from './blocked_evals.ts';
import { mockEval } from './testing/fixtures.ts';

class Recorder implements BlockedEvalSink {
  released: { id: string; token: string }[] = [];
  enqueue(e: Evaluation): void {
    this.released.push({ id: e.ID, token: '' });
  }
  enqueueWithToken(e: Evaluation, token: string): void {
    this.released.push({ id: e.ID, token });
  }
}

function setup(): { blocked: BlockedEvals; sink: Recorder } {
  const sink = new Recorder();
  const blocked = new BlockedEvals(sink);
  blocked.setEnabled(true);
  return { blocked, sink };
}

const blockedEval = (o: Partial<Evaluation>): Evaluation => mockEval({ Status: 'blocked', ...o });

test('unblock() wakes escaped evaluations and those that found the class eligible or never saw it', () => {
  const { blocked, sink } = setup();
  const eligible = blockedEval({ ClassEligibility: { a: true } });
  const ineligible = blockedEval({ ClassEligibility: { a: false } });
  const unseen = blockedEval({ ClassEligibility: { b: false } });
  const escaped = blockedEval({ EscapedComputedClass: true });
  for (const e of [eligible, ineligible, unseen, escaped]) blocked.block(e);
  assert.equal(blocked.stats().TotalBlocked, 4);
  blocked.unblock('a', 100);
  assert.deepEqual(new Set(sink.released.map((r) => r.id)), new Set([eligible.ID, unseen.ID, escaped.ID]));
  assert.equal(blocked.stats().TotalBlocked, 1);
  assert.ok(blocked.hasBlocked(ineligible.Namespace, ineligible.JobID));
});

test('a job keeps one blocked evaluation: the newer replaces the older, which becomes a duplicate', () => {
  const { blocked } = setup();
  const older = blockedEval({ JobID: 'web', CreateIndex: 10, SnapshotIndex: 10 });
  const newer = blockedEval({ JobID: 'web', CreateIndex: 20, SnapshotIndex: 20 });
  blocked.block(older);
  blocked.block(newer);
  assert.equal(blocked.stats().TotalBlocked, 1);
  assert.deepEqual(
    blocked.takeDuplicates().map((e) => e.ID),
    [older.ID],
  );
  const stale = blockedEval({ JobID: 'web', CreateIndex: 5, SnapshotIndex: 5 });
  blocked.block(stale);
  assert.deepEqual(
    blocked.takeDuplicates().map((e) => e.ID),
    [stale.ID],
  );
});

test('an evaluation computed before an unblock it could use goes straight back to the broker', () => {
  const { blocked, sink } = setup();
  blocked.unblock('a', 50);
  const missed = blockedEval({ SnapshotIndex: 40, ClassEligibility: { a: true } });
  blocked.reblock(missed, 'tok');
  assert.deepEqual(sink.released, [{ id: missed.ID, token: 'tok' }]);
  const current = blockedEval({ SnapshotIndex: 60, ClassEligibility: { a: true } });
  blocked.block(current);
  assert.equal(sink.released.length, 1);
  assert.equal(blocked.stats().TotalCaptured, 1);
});

test('untrack() forgets the job, and unblockFailed() wakes only evaluations that hit max plan attempts', () => {
  const { blocked, sink } = setup();
  const placed = blockedEval({ JobID: 'placed' });
  const gaveUp = blockedEval({ JobID: 'gave-up', TriggeredBy: 'max-plan-attempts' });
  const waiting = blockedEval({ JobID: 'waiting' });
  for (const e of [placed, gaveUp, waiting]) blocked.block(e);
  blocked.untrack('default', 'placed');
  assert.equal(blocked.hasBlocked('default', 'placed'), false);
  blocked.unblockFailed();
  assert.deepEqual(
    sink.released.map((r) => r.id),
    [gaveUp.ID],
  );
  assert.equal(blocked.stats().TotalBlocked, 1);
});

test('a system evaluation waits for its own node', () => {
  const { blocked, sink } = setup();
  const sys = blockedEval({ Type: 'system', NodeID: 'n1' });
  blocked.block(sys);
  blocked.unblock('any-class', 10);
  blocked.unblockNode('n2');
  assert.equal(sink.released.length, 0);
  blocked.unblockNode('n1');
  assert.deepEqual(
    sink.released.map((r) => r.id),
    [sys.ID],
  );
});

test('a disabled tracker holds nothing', () => {
  const { blocked, sink } = setup();
  blocked.block(blockedEval({}));
  blocked.setEnabled(false);
  blocked.block(blockedEval({}));
  blocked.setEnabled(true);
  blocked.unblock('a', 1);
  assert.equal(sink.released.length, 0);
  assert.equal(blocked.stats().TotalBlocked, 0);
});
