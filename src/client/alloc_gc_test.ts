import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocsToCollect, CollectedAllocs, COLLECTED_REMEMBERED_MAX } from './alloc_gc.ts';

test('allocsToCollect() picks the oldest terminal allocations, as many as the client holds over the limit', () => {
  const allocs = [
    { id: 'running-old', terminalAtMs: undefined },
    { id: 'done-3', terminalAtMs: 300 },
    { id: 'done-1', terminalAtMs: 100 },
    { id: 'done-2', terminalAtMs: 200 },
  ];
  assert.deepEqual(allocsToCollect(allocs, 4), []);
  assert.deepEqual(allocsToCollect(allocs, 3), ['done-1']);
  assert.deepEqual(allocsToCollect(allocs, 2), ['done-1', 'done-2']);
  // Running allocations are never collected, so the client may stay over the limit.
  assert.deepEqual(allocsToCollect(allocs, 0), ['done-1', 'done-2', 'done-3']);
  assert.deepEqual(allocsToCollect(allocs, -5), ['done-1', 'done-2', 'done-3']);
});

test('CollectedAllocs remembers at most COLLECTED_REMEMBERED_MAX IDs, forgetting the oldest first', () => {
  const c = new CollectedAllocs();
  for (let i = 0; i <= COLLECTED_REMEMBERED_MAX; i += 1) c.add(`a${i}`, i);
  assert.equal(c.has('a0'), false);
  assert.equal(c.has('a1'), true);
  assert.equal(c.has(`a${COLLECTED_REMEMBERED_MAX}`), true);
  c.forget('a1');
  assert.equal(c.has('a1'), false);
  assert.equal([...c.entries()].length, COLLECTED_REMEMBERED_MAX - 1);
});
