import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchedulerState } from '../scheduler/state.ts';
import {
  JOB_TRACKED_VERSIONS,
  StateStore,
  blockingQuery,
  deleteAllocs,
  deleteJob,
  updateAllocsFromClient,
  updateJobStability,
  upsertAllocs,
  upsertEvals,
  upsertJob,
  upsertNode,
  watchItems,
  type StateEvent,
} from './index.ts';
import { mockAlloc, mockEvaluation, mockJob, mockNode } from './testing/mocks.ts';

function storeWithJob(count = 3): StateStore {
  const store = new StateStore();
  store.write(10, (txn) => {
    upsertJob(txn, mockJob({}, count));
    upsertNode(txn, mockNode('n1'));
    upsertNode(txn, mockNode('n2'));
  });
  return store;
}

test('a registered job gets its indexes, version 0, a summary per group and status pending', () => {
  const store = storeWithJob();
  const snap = store.snapshot();
  const job = snap.jobByID('default', 'web')!;
  assert.equal(job.CreateIndex, 10);
  assert.equal(job.ModifyIndex, 10);
  assert.equal(job.JobModifyIndex, 10);
  assert.equal(job.Version, 0);
  assert.equal(job.Status, 'pending');
  assert.deepEqual(Object.keys(snap.jobSummaryByID('default', 'web')!.Summary), ['web']);
  assert.equal(snap.tableIndex('jobs'), 10);
  assert.equal(snap.latestIndex(), 10);
});

test('registering a job again makes a new version and keeps the CreateIndex', () => {
  const store = storeWithJob();
  store.write(11, (txn) => upsertJob(txn, mockJob({ Priority: 70 })));
  const snap = store.snapshot();
  const job = snap.jobByID('default', 'web')!;
  assert.equal(job.Version, 1);
  assert.equal(job.CreateIndex, 10);
  assert.equal(job.JobModifyIndex, 11);
  assert.deepEqual(
    snap.jobVersionsByID('default', 'web').map((j) => j.Version),
    [1, 0],
  );
});

test('the store keeps the last six versions, and the newest stable one even when it is older', () => {
  const store = storeWithJob();
  store.write(11, (txn) => updateJobStability(txn, 'default', 'web', 0, true));
  for (let i = 0; i < 8; i++) store.write(12 + i, (txn) => upsertJob(txn, mockJob({ Priority: 10 + i })));
  const versions = store.snapshot().jobVersionsByID('default', 'web');
  assert.equal(versions.length, JOB_TRACKED_VERSIONS);
  assert.equal(versions[0]!.Version, 8);
  assert.ok(
    versions.some((j) => j.Version === 0 && j.Stable),
    'stable version 0 kept',
  );
});

test('allocations are found by job, node, eval and deployment, and leave every index when deleted', () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  store.write(12, (txn) =>
    upsertAllocs(txn, [
      mockAlloc('a1', job, 'n1', { EvalID: 'e1', DeploymentID: 'd1' }),
      mockAlloc('a2', job, 'n1', { EvalID: 'e1' }),
      mockAlloc('a3', job, 'n2', { EvalID: 'e2' }),
    ]),
  );
  let snap = store.snapshot();
  assert.deepEqual(
    snap.allocsByNode('n1').map((a) => a.ID),
    ['a1', 'a2'],
  );
  assert.deepEqual(
    snap.allocsByJob('default', 'web', true).map((a) => a.ID),
    ['a1', 'a2', 'a3'],
  );
  assert.deepEqual(
    snap.allocsByEval('e1').map((a) => a.ID),
    ['a1', 'a2'],
  );
  assert.deepEqual(
    snap.allocsByDeployment('d1').map((a) => a.ID),
    ['a1'],
  );
  const a1 = snap.allocByID('a1')!;
  assert.equal(a1.CreateIndex, 12);
  assert.equal(a1.AllocModifyIndex, 12);
  store.write(13, (txn) => deleteAllocs(txn, ['a1']));
  snap = store.snapshot();
  assert.equal(snap.allocByID('a1'), undefined);
  assert.deepEqual(
    snap.allocsByNode('n1').map((a) => a.ID),
    ['a2'],
  );
  assert.deepEqual(snap.allocsByDeployment('d1'), []);
  assert.deepEqual(
    snap.allocsByEval('e1').map((a) => a.ID),
    ['a2'],
  );
});

test('a snapshot never changes, whatever is written after it', () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  store.write(12, (txn) => upsertAllocs(txn, [mockAlloc('a1', job, 'n1')]));
  const before = store.snapshot();
  store.write(13, (txn) => {
    upsertAllocs(txn, [mockAlloc('a2', job, 'n1')]);
    updateAllocsFromClient(txn, [
      {
        ID: 'a1',
        ClientStatus: 'running',
        ClientDescription: '',
        TaskStates: null,
        DeploymentStatus: null,
        ModifyTime: 5,
      },
    ]);
    deleteJob(txn, 'default', 'web');
  });
  assert.equal(before.latestIndex(), 12);
  assert.deepEqual(
    before.allocsByNode('n1').map((a) => a.ID),
    ['a1'],
  );
  assert.equal(before.allocByID('a1')!.ClientStatus, 'pending');
  assert.notEqual(before.jobByID('default', 'web'), undefined);
  assert.equal(store.snapshot().jobByID('default', 'web'), undefined);
});

test('stored rows are frozen: a reader cannot change them', () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  assert.throws(() => {
    (job as { Priority: number }).Priority = 1;
  }, TypeError);
});

test('a write that throws leaves nothing behind', () => {
  const store = storeWithJob();
  assert.throws(() =>
    store.write(12, (txn) => {
      upsertJob(txn, mockJob({ ID: 'other', Name: 'other' }));
      throw new Error('refused');
    }),
  );
  const snap = store.snapshot();
  assert.equal(snap.jobByID('default', 'other'), undefined);
  assert.equal(snap.latestIndex(), 10);
});

test('the job summary follows allocations from queued to starting, running and complete', () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  store.write(11, (txn) => upsertEvals(txn, [mockEvaluation('e1', job, { QueuedAllocations: { web: 2 } })]));
  assert.equal(store.snapshot().jobSummaryByID('default', 'web')!.Summary['web']!.Queued, 2);
  store.write(12, (txn) => upsertAllocs(txn, [mockAlloc('a1', job, 'n1'), mockAlloc('a2', job, 'n2')]));
  let s = store.snapshot().jobSummaryByID('default', 'web')!.Summary['web']!;
  assert.deepEqual([s.Queued, s.Starting, s.Running], [0, 2, 0]);
  const update = (id: string, status: 'running' | 'complete') => ({
    ID: id,
    ClientStatus: status,
    ClientDescription: '',
    TaskStates: null,
    DeploymentStatus: null,
    ModifyTime: 1,
  });
  store.write(13, (txn) => updateAllocsFromClient(txn, [update('a1', 'running'), update('a2', 'running')]));
  s = store.snapshot().jobSummaryByID('default', 'web')!.Summary['web']!;
  assert.deepEqual([s.Starting, s.Running], [0, 2]);
  store.write(14, (txn) => updateAllocsFromClient(txn, [update('a1', 'complete')]));
  s = store.snapshot().jobSummaryByID('default', 'web')!.Summary['web']!;
  assert.deepEqual([s.Running, s.Complete], [1, 1]);
});

test('a job is pending with an open evaluation, running with a live allocation, dead when all is done', () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  store.write(11, (txn) => upsertEvals(txn, [mockEvaluation('e1', job)]));
  assert.equal(store.snapshot().jobByID('default', 'web')!.Status, 'pending');
  store.write(12, (txn) => upsertAllocs(txn, [mockAlloc('a1', job, 'n1')]));
  assert.equal(store.snapshot().jobByID('default', 'web')!.Status, 'running');
  store.write(13, (txn) => {
    upsertEvals(txn, [mockEvaluation('e1', job, { Status: 'complete' })]);
    updateAllocsFromClient(txn, [
      {
        ID: 'a1',
        ClientStatus: 'complete',
        ClientDescription: '',
        TaskStates: null,
        DeploymentStatus: null,
        ModifyTime: 1,
      },
    ]);
  });
  const done = store.snapshot().jobByID('default', 'web')!;
  assert.equal(done.Status, 'dead');
  assert.equal(done.ModifyIndex, 13);
});

test('a successful evaluation cancels the job\u2019s blocked evaluations', () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  store.write(11, (txn) => upsertEvals(txn, [mockEvaluation('blocked', job, { Status: 'blocked' })]));
  store.write(12, (txn) => upsertEvals(txn, [mockEvaluation('ok', job, { Status: 'complete' })]));
  const blocked = store.snapshot().evalByID('blocked')!;
  assert.equal(blocked.Status, 'canceled');
  assert.equal(blocked.StatusDescription, 'evaluation "ok" successful');
});

test('a watch on one node\u2019s allocations wakes for that node only', async () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  let n1Woken = false;
  const n1 = store.watch([watchItems.allocsByNode('n1')]).then((changed) => (n1Woken = changed));
  const ac = new AbortController();
  const n2 = store.watch([watchItems.allocsByNode('n2')], ac.signal);
  store.write(11, (txn) => upsertAllocs(txn, [mockAlloc('a1', job, 'n1')]));
  assert.equal(await n1, true);
  assert.equal(n1Woken, true);
  ac.abort();
  assert.equal(await n2, false, 'the n2 watch was not woken by an allocation on n1');
  assert.equal(store.watcherCount(), 0);
});

test('a watch on a whole table wakes on any change to it, and not on other tables', async () => {
  const store = storeWithJob();
  const ac = new AbortController();
  let nodesWoken: boolean | undefined;
  const nodes = store.watch([watchItems.table('nodes')], ac.signal).then((c) => (nodesWoken = c));
  const job = store.snapshot().jobByID('default', 'web')!;
  store.write(11, (txn) => upsertEvals(txn, [mockEvaluation('e1', job)]));
  await Promise.resolve();
  assert.equal(nodesWoken, undefined, 'an evaluation write does not wake a nodes watch');
  store.write(12, (txn) => upsertNode(txn, mockNode('n3')));
  await nodes;
  assert.equal(nodesWoken, true);
});

test('blockingQuery() returns at once below the index and after the next relevant write above it', async () => {
  const store = storeWithJob();
  const run = (s: ReturnType<StateStore['snapshot']>) => ({
    index: s.tableIndex('nodes'),
    value: s.nodes().length,
    items: [watchItems.table('nodes')],
  });
  assert.deepEqual(await blockingQuery(store, { minIndex: 0 }, run), { index: 10, value: 2 });
  const pending = blockingQuery(store, { minIndex: 10 }, run);
  store.write(11, (txn) => upsertNode(txn, mockNode('n3')));
  assert.deepEqual(await pending, { index: 11, value: 3 });
  const ac = new AbortController();
  const timedOut = blockingQuery(store, { minIndex: 11, signal: ac.signal }, run);
  ac.abort();
  assert.deepEqual(await timedOut, { index: 11, value: 3 });
});

test('commits publish typed events naming topic, key and index', () => {
  const store = new StateStore();
  const seen: StateEvent[] = [];
  store.subscribe((_, events) => seen.push(...events));
  const job = mockJob();
  store.write(
    5,
    (txn) => {
      upsertJob(txn, job);
      upsertEvals(txn, [mockEvaluation('e1', job)]);
    },
    { eventType: 'JobRegistered' },
  );
  store.write(6, (txn) => upsertNode(txn, mockNode('n1')), { eventType: 'NodeRegistration' });
  assert.deepEqual(
    seen.map((e) => [e.Topic, e.Type, e.Key, e.Index]),
    [
      ['Job', 'JobRegistered', 'web', 5],
      ['Evaluation', 'JobRegistered', 'e1', 5],
      ['Node', 'NodeRegistration', 'n1', 6],
    ],
  );
  const node = seen[2]!.Payload as { Node: { SecretID: string } };
  assert.equal(node.Node.SecretID, '', 'node events never carry the secret');
});

test('the snapshot serves the scheduler\u2019s SchedulerState interface', () => {
  const store = storeWithJob();
  const s: SchedulerState = store.snapshot();
  assert.deepEqual(
    [...s.nodes()].map((n) => n.ID),
    ['n1', 'n2'],
  );
  assert.equal(s.schedulerConfig().SchedulerAlgorithm, 'binpack');
  assert.equal(s.latestDeploymentByJobID('default', 'web'), undefined);
});

test('allocsByJob() without all skips allocations of an earlier incarnation of the job', () => {
  const store = storeWithJob();
  const old = store.snapshot().jobByID('default', 'web')!;
  store.write(11, (txn) => upsertAllocs(txn, [mockAlloc('old', old, 'n1')]));
  store.write(12, (txn) => deleteJob(txn, 'default', 'web'));
  store.write(13, (txn) => upsertJob(txn, mockJob()));
  const fresh = store.snapshot().jobByID('default', 'web')!;
  store.write(14, (txn) => upsertAllocs(txn, [mockAlloc('new', fresh, 'n1')]));
  const snap = store.snapshot();
  assert.deepEqual(
    snap.allocsByJob('default', 'web', false).map((a) => a.ID),
    ['new'],
  );
  assert.deepEqual(
    snap.allocsByJob('default', 'web', true).map((a) => a.ID),
    ['new', 'old'],
  );
});

test('snapshots share one frozen list per node until its allocations change, and one node list until a node changes', () => {
  const store = storeWithJob();
  const job = store.snapshot().jobByID('default', 'web')!;
  store.write(11, (txn) => upsertNode(txn, mockNode('n2')));
  store.write(12, (txn) =>
    upsertAllocs(txn, [mockAlloc('a1', job, 'n1'), mockAlloc('a2', job, 'n1'), mockAlloc('a3', job, 'n2')]),
  );
  const before = store.snapshot();
  const n1 = before.allocsByNode('n1');
  assert.ok(Object.isFrozen(n1));
  assert.equal(before.allocsByNode('n1'), n1);
  store.write(13, (txn) => upsertAllocs(txn, [mockAlloc('a4', job, 'n2')]));
  const after = store.snapshot();
  assert.equal(after.allocsByNode('n1'), n1, 'an unchanged node keeps its list');
  assert.deepEqual(
    after.allocsByNode('n2').map((a) => a.ID),
    ['a3', 'a4'],
  );
  assert.deepEqual(
    before.allocsByNode('n2').map((a) => a.ID),
    ['a3'],
  );
  assert.deepEqual(after.allocsByNode('missing'), []);
  assert.equal(after.nodes(), before.nodes());
  store.write(14, (txn) => upsertNode(txn, mockNode('n3')));
  assert.notEqual(store.snapshot().nodes(), before.nodes());
  assert.equal(store.snapshot().nodes().length, 3);
});
