import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockAlloc, mockJob } from '../state/testing/mocks.ts';
import type { Allocation } from '../structs/allocation.ts';
import { drainableInGroup } from './drainer.ts';

const job = mockJob({}, 4);
const healthy = (id: string, node: string, extra: Partial<Allocation> = {}): Allocation =>
  mockAlloc(id, job, node, {
    ClientStatus: 'running',
    DeploymentStatus: { Healthy: true, Timestamp: '', Canary: false, ModifyIndex: 1 },
    ...extra,
  });

test('drainableInGroup() keeps count minus max_parallel healthy allocations running', () => {
  const allocs = [healthy('a', 'drain'), healthy('b', 'drain'), healthy('c', 'drain'), healthy('d', 'ok')];
  const draining = (n: string): boolean => n === 'drain';
  assert.deepEqual(
    drainableInGroup(allocs, 4, 1, draining).map((a) => a.ID),
    ['a'],
  );
  assert.deepEqual(
    drainableInGroup(allocs, 4, 2, draining).map((a) => a.ID),
    ['a', 'b'],
  );
});

test('drainableInGroup() waits while a migration is in flight and skips allocations already marked', () => {
  const marked = healthy('a', 'drain', {
    DesiredTransition: { Migrate: true, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
  });
  const replacement = mockAlloc('r', job, 'ok', { ClientStatus: 'pending' });
  const allocs = [marked, healthy('b', 'drain'), healthy('c', 'drain'), healthy('d', 'ok'), replacement];
  assert.deepEqual(
    drainableInGroup(allocs, 4, 1, (n) => n === 'drain'),
    [],
  );
});
