import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Job } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import { reconcile, type AllocUpdateFn, type ReconcileInput } from './reconcile.ts';
import { seededIds } from './testing/harness.ts';
import { mockAlloc, mockJob, mockNode } from './testing/mock.ts';
import { tasksUpdated } from './tasks_updated.ts';

const S = 1e9;

function indexed(job: Job, version = 0): Job {
  return {
    ...job,
    Version: version,
    CreateIndex: 10,
    ModifyIndex: 10 + version,
    JobModifyIndex: 10 + version,
  };
}

/** Destructive when tasks changed, in place when only the job index changed (no node check). */
const updateFn: AllocUpdateFn = (existing, job, tg) => {
  const ej = existing.Job!;
  if (ej.JobModifyIndex === job.JobModifyIndex) return { kind: 'ignore' };
  if (tasksUpdated(job, ej, tg.Name).modified) return { kind: 'destructive' };
  return { kind: 'inplace', updated: { ...existing, Job: job } };
};

function input(job: Job | null, allocs: Allocation[], o: Partial<ReconcileInput> = {}): ReconcileInput {
  return {
    job,
    jobId: 'web',
    namespace: 'default',
    allocs,
    taintedNodes: new Map(),
    deployment: null,
    batch: false,
    nowNs: 1000 * S,
    evalId: 'eval-1',
    evalPriority: 50,
    ids: seededIds('reconcile'),
    allocUpdateFn: updateFn,
    ...o,
  };
}

const noUpdate = { Update: { MaxParallel: 0 } };

test('reconcile() places every missing allocation with names 0..count-1', () => {
  const job = indexed(mockJob({}, { Count: 3, ...noUpdate }));
  const r = reconcile(input(job, []));
  assert.deepEqual(r.place.map((p) => p.name).sort(), ['web.web[0]', 'web.web[1]', 'web.web[2]']);
  assert.equal(r.desiredTGUpdates['web']!.Place, 3);
  assert.equal(r.deployment, null);
});

test('reconcile() reuses the free index when one allocation is gone', () => {
  const job = indexed(mockJob({}, { Count: 3, ...noUpdate }));
  const r = reconcile(input(job, [mockAlloc(job, 0, 'n1'), mockAlloc(job, 2, 'n1')]));
  assert.deepEqual(
    r.place.map((p) => p.name),
    ['web.web[1]'],
  );
  assert.equal(r.desiredTGUpdates['web']!.Ignore, 2);
});

test('reconcile() stops the highest indexes first when scaling down', () => {
  const job = indexed(mockJob({}, { Count: 2, ...noUpdate }));
  const allocs = [0, 1, 2, 3].map((i) => mockAlloc(job, i, 'n1'));
  const r = reconcile(input(job, allocs));
  assert.deepEqual(r.stop.map((s) => s.alloc.Name).sort(), ['web.web[2]', 'web.web[3]']);
  assert.equal(r.stop[0]!.statusDescription, 'alloc not needed due to job update');
  assert.equal(r.place.length, 0);
});

test('reconcile() stops the allocations of a stopped job and cancels its deployment', () => {
  const job = { ...indexed(mockJob()), Stop: true };
  const deployment = {
    ID: 'd1',
    Status: 'running',
    JobVersion: 0,
    JobCreateIndex: 10,
    TaskGroups: {},
  } as unknown as Deployment;
  const r = reconcile(input(job, [mockAlloc(job, 0, 'n1'), mockAlloc(job, 1, 'n1')], { deployment }));
  assert.equal(r.stop.length, 2);
  assert.deepEqual(r.deploymentUpdates, [
    { DeploymentID: 'd1', Status: 'cancelled', StatusDescription: 'Cancelled because job is stopped' },
  ]);
});

test('reconcile() stops everything of a purged job', () => {
  const job = indexed(mockJob());
  const r = reconcile(input(null, [mockAlloc(job, 0, 'n1')]));
  assert.equal(r.stop.length, 1);
  assert.equal(r.place.length, 0);
});

test('reconcile() updates in place when only non-task fields changed, and creates a deployment', () => {
  const v0 = indexed(mockJob());
  const v1 = indexed(
    {
      ...v0,
      TaskGroups: v0.TaskGroups.map((g) => ({
        ...g,
        Tasks: g.Tasks.map((t) => ({ ...t, KillTimeout: 99 })),
      })),
    },
    1,
  );
  const r = reconcile(
    input(
      v1,
      [0, 1, 2].map((i) => mockAlloc(v0, i, 'n1')),
    ),
  );
  assert.equal(r.inplaceUpdate.length, 3);
  assert.equal(r.destructiveUpdate.length, 0);
  assert.notEqual(r.deployment, null);
  assert.equal(r.deployment!.TaskGroups['web']!.DesiredTotal, 3);
});

test('reconcile() paces a destructive update by max_parallel', () => {
  const v0 = indexed(mockJob({}, { Count: 5, Update: { MaxParallel: 2 } }));
  const v1 = indexed(
    {
      ...v0,
      TaskGroups: v0.TaskGroups.map((g) => ({
        ...g,
        Tasks: g.Tasks.map((t) => ({ ...t, Config: { run_for: '2h' } })),
      })),
    },
    1,
  );
  const r = reconcile(
    input(
      v1,
      [0, 1, 2, 3, 4].map((i) => mockAlloc(v0, i, 'n1')),
    ),
  );
  assert.equal(r.destructiveUpdate.length, 2);
  assert.deepEqual(
    r.destructiveUpdate.map((d) => d.placeName),
    ['web.web[0]', 'web.web[1]'],
  );
  assert.equal(r.desiredTGUpdates['web']!.DestructiveUpdate, 2);
  assert.equal(r.desiredTGUpdates['web']!.Ignore, 3);
  assert.equal(r.deployment!.TaskGroups['web']!.DesiredTotal, 5);
});

test('reconcile() places canaries first and keeps the old allocations until promotion', () => {
  const v0 = indexed(mockJob({}, { Count: 3, Update: { MaxParallel: 1, Canary: 2 } }));
  const v1 = indexed(
    {
      ...v0,
      TaskGroups: v0.TaskGroups.map((g) => ({
        ...g,
        Tasks: g.Tasks.map((t) => ({ ...t, Env: { V: '2' } })),
      })),
    },
    1,
  );
  const r = reconcile(
    input(
      v1,
      [0, 1, 2].map((i) => mockAlloc(v0, i, 'n1')),
    ),
  );
  assert.equal(r.place.length, 2);
  assert.ok(r.place.every((p) => p.canary));
  assert.equal(r.stop.length, 0);
  assert.equal(r.destructiveUpdate.length, 0);
  assert.equal(r.deployment!.TaskGroups['web']!.DesiredCanaries, 2);
  assert.equal(r.deployment!.StatusDescription, 'Deployment is running but requires manual promotion');
});

test('reconcile() replaces allocations of a down node and marks them lost', () => {
  const job = indexed(mockJob({}, { Count: 2, ...noUpdate }));
  const down: Node = { ...mockNode(1), Status: 'down' };
  const allocs = [mockAlloc(job, 0, down.ID), mockAlloc(job, 1, 'other')];
  const r = reconcile(input(job, allocs, { taintedNodes: new Map([[down.ID, down]]) }));
  assert.deepEqual(
    r.stop.map((s) => [s.alloc.Name, s.clientStatus]),
    [['web.web[0]', 'lost']],
  );
  assert.deepEqual(
    r.place.map((p) => [p.name, p.lost, p.previousAlloc?.ID]),
    [['web.web[0]', true, allocs[0]!.ID]],
  );
});

test('reconcile() migrates allocations marked by the drainer', () => {
  const job = indexed(mockJob({}, { Count: 1, ...noUpdate }));
  const a = mockAlloc(job, 0, 'n1', {
    DesiredTransition: { Migrate: true, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
  });
  const r = reconcile(input(job, [a]));
  assert.deepEqual(
    r.stop.map((s) => s.statusDescription),
    ['alloc is being migrated'],
  );
  assert.deepEqual(
    r.place.map((p) => p.previousAlloc?.ID),
    [a.ID],
  );
  assert.equal(r.desiredTGUpdates['web']!.Migrate, 1);
});

test('reconcile() reschedules a failed allocation now when its delay has passed', () => {
  const job = indexed(
    mockJob(
      {},
      {
        Count: 1,
        ...noUpdate,
        ReschedulePolicy: {
          Attempts: 0,
          Interval: 0,
          Delay: 5 * S,
          DelayFunction: 'constant',
          MaxDelay: 0,
          Unlimited: true,
        },
      },
    ),
  );
  const a = mockAlloc(job, 0, 'n1', { ClientStatus: 'failed', ModifyTime: 990 * S });
  const r = reconcile(input(job, [a]));
  assert.deepEqual(
    r.place.map((p) => [p.reschedule, p.previousAlloc?.ID]),
    [[true, a.ID]],
  );
  assert.deepEqual(
    r.stop.map((s) => s.statusDescription),
    ['alloc was rescheduled because it failed'],
  );
});

test('reconcile() delays a failed allocation with a follow-up evaluation at its reschedule time', () => {
  const job = indexed(
    mockJob(
      {},
      {
        Count: 1,
        ...noUpdate,
        ReschedulePolicy: {
          Attempts: 0,
          Interval: 0,
          Delay: 30 * S,
          DelayFunction: 'constant',
          MaxDelay: 0,
          Unlimited: true,
        },
      },
    ),
  );
  const a = mockAlloc(job, 0, 'n1', { ClientStatus: 'failed', ModifyTime: 995 * S });
  const r = reconcile(input(job, [a]));
  assert.equal(r.place.length, 0);
  const evals = r.followupEvals['web']!;
  assert.equal(evals.length, 1);
  assert.equal(evals[0]!.WaitUntil, new Date(1025 * 1000).toISOString().replace('.000', ''));
  assert.equal(evals[0]!.TriggeredBy, 'alloc-reschedule');
  assert.deepEqual(
    r.attributeUpdates.map((u) => [u.ID, u.FollowupEvalID]),
    [[a.ID, evals[0]!.ID]],
  );
});

test('reconcile() does not replace completed batch allocations', () => {
  const job = indexed(mockJob({ Type: 'batch' }, { Count: 2, ...noUpdate }));
  const r = reconcile(
    input(job, [mockAlloc(job, 0, 'n1', { ClientStatus: 'complete' }), mockAlloc(job, 1, 'n1')], {
      batch: true,
    }),
  );
  assert.equal(r.place.length, 0);
});

test('reconcile() replaces completed service allocations', () => {
  const job = indexed(mockJob({}, { Count: 2, ...noUpdate }));
  const r = reconcile(
    input(job, [mockAlloc(job, 0, 'n1', { ClientStatus: 'complete' }), mockAlloc(job, 1, 'n1')]),
  );
  assert.deepEqual(
    r.place.map((p) => p.name),
    ['web.web[0]'],
  );
});
