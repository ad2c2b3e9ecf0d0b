import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobInput } from '../structs/canonicalize.ts';
import { DEFAULT_GC_THRESHOLDS } from './core_gc.ts';
import { SimCluster, serviceJob } from './testing/sim_cluster.ts';

const S = 1_000_000_000;

function periodicJob(overrides: Record<string, unknown> = {}): JobInput {
  return {
    ...serviceJob({}, 1),
    ID: 'report',
    Name: 'report',
    Type: 'batch',
    Periodic: {
      Enabled: true,
      SpecType: 'cron',
      Spec: '*/5 * * * *',
      ProhibitOverlap: false,
      TimeZone: 'UTC',
      ...overrides,
    },
  };
}

const children = (c: SimCluster): string[] =>
  c.server.state
    .snapshot()
    .jobsByParent('default', 'report')
    .map((j) => j.ID)
    .sort();

test('a periodic job launches a child at each cron time, named for the launch', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(1);
  await c.register(periodicJob());
  // The clock starts at 2024-01-01T00:00:00Z: launches at :05 and :10.
  assert.equal(c.server.periodic.nextLaunch('default', 'report'), Date.parse('2024-01-01T00:05:00Z'));
  await c.advance(5 * 60_000, 60_000);
  assert.deepEqual(children(c), [`report/periodic-${Date.parse('2024-01-01T00:05:00Z') / 1000}`]);
  await c.advance(5 * 60_000, 60_000);
  assert.equal(children(c).length, 2);
  const child = c.server.state.snapshot().jobByID('default', children(c)[0]!)!;
  assert.equal(child.ParentID, 'report');
  assert.equal(child.Periodic, null);
  assert.equal(c.live(child.ID).length, 1, 'the child was scheduled');
  assert.equal(
    c.server.state.snapshot().periodicLaunchByID('default', 'report')?.Launch,
    Date.parse('2024-01-01T00:10:00Z') * 1e6,
  );
  await c.stop();
});

test('prohibit_overlap skips a launch while a child still runs; force launch runs now', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(1);
  await c.register(periodicJob({ ProhibitOverlap: true }));
  await c.advance(5 * 60_000, 60_000);
  assert.equal(children(c).length, 1);
  await c.playClients();
  await c.advance(5 * 60_000, 60_000);
  assert.equal(children(c).length, 1, 'the running child blocks the next launch');
  await c.playClients();
  const forced = await c.server.periodic.forceLaunch('default', 'report');
  assert.equal(forced, null, 'a forced launch obeys prohibit_overlap too');
  await c.server.jobs.deregister({ jobId: children(c)[0]! });
  await c.playClients();
  const ev = await c.server.periodic.forceLaunch('default', 'report');
  assert.ok(ev !== null && ev.TriggeredBy === 'periodic-job');
  assert.equal(children(c).length, 2);
  await c.stop();
});

test('forced garbage collection removes a stopped job with its evaluations, allocations and deployment', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(1);
  await c.register(serviceJob({}, 2));
  await c.playClients();
  await c.server.jobs.deregister({ jobId: 'web' });
  await c.idle();
  await c.playClients();
  const snap = c.server.state.snapshot();
  assert.equal(snap.jobByID('default', 'web')?.Status, 'dead');
  const gc = c.server.garbageCollect();
  await c.idle();
  await gc;
  const after = c.server.state.snapshot();
  assert.equal(after.jobByID('default', 'web'), undefined);
  assert.equal(after.evalsByJob('default', 'web').length, 0);
  assert.equal(after.allocsByJob('default', 'web', true).length, 0);
  assert.equal(after.deployments().length, 0);
  await c.stop();
});

test('periodic GC keeps young terminal evaluations and removes those past the threshold', async () => {
  const c = await new SimCluster({ gcIntervalMs: 10 * 60_000 }).start();
  await c.addNodes(1);
  await c.register(serviceJob({ Update: { MaxParallel: 0 } }, 1));
  await c.server.jobs.evaluate({ jobId: 'web' });
  await c.idle();
  const count = (): number => c.server.state.snapshot().evalsByJob('default', 'web').length;
  assert.equal(count(), 2);
  await c.advance(10 * 60_000, 60_000);
  assert.equal(count(), 2, 'an evaluation younger than an hour stays');
  await c.advance(60 * 60_000, 10 * 60_000);
  // The evaluation that placed the running allocation stays with it; the other one goes.
  const left = c.server.state.snapshot().evalsByJob('default', 'web');
  assert.deepEqual(
    left.map((e) => e.ID),
    [c.live('web')[0]!.EvalID],
  );
  assert.ok(
    c.server.state.snapshot().jobByID('default', 'web') !== undefined,
    'a running service job is never collected',
  );
  await c.stop();
});

test('a node down longer than the node GC threshold is collected by the periodic GC', async () => {
  const thresholds = { ...DEFAULT_GC_THRESHOLDS, nodeMs: 5 * 60_000 };
  const c = await new SimCluster({ gcThresholds: thresholds, gcIntervalMs: 60_000 }).start();
  const [n0] = await c.addNodes(2);
  c.silent.add(n0!);
  await c.advance(60_000, 10_000);
  assert.equal(c.server.state.snapshot().nodeByID(n0!)?.Status, 'down');
  await c.advance(4 * 60_000, 10_000);
  assert.ok(c.server.state.snapshot().nodeByID(n0!) !== undefined, 'not yet past the threshold');
  await c.advance(2 * 60_000, 10_000);
  assert.equal(c.server.state.snapshot().nodeByID(n0!), undefined);
  assert.deepEqual(
    c.server.state
      .snapshot()
      .nodes()
      .map((n) => n.Status),
    ['ready'],
  );
  await c.stop();
});

test('an evaluation that keeps failing is failed at the delivery limit, with a delayed follow-up', async () => {
  let runs = 0;
  const c = await new SimCluster({
    runScheduler: () => {
      runs++;
      return Promise.reject(new Error('scheduler exploded'));
    },
  }).start();
  await c.addNodes(1);
  const { EvalID } = await c.server.jobs.register({ job: serviceJob({}, 1) });
  await c.idle();
  await c.advance(30_000);
  assert.equal(runs, 3);
  const failed = c.server.state.snapshot().evalByID(EvalID)!;
  assert.equal(failed.Status, 'failed');
  assert.equal(failed.StatusDescription, 'evaluation reached delivery limit (3)');
  const next = c.server.state.snapshot().evalByID(failed.NextEval)!;
  assert.equal(next.TriggeredBy, 'failed-follow-up');
  assert.ok(next.Wait >= 60 * S && next.Wait < 360 * S);
  await c.stop();
});

test('redundant evaluations for one job are cancelled, keeping the newest (load shedding)', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen: string[] = [];
  const c = await new SimCluster({
    numSchedulers: 1,
    runScheduler: async (e, _s, planner) => {
      seen.push(e.ID);
      await gate;
      await planner.updateEval({ ...e, Status: 'complete' });
    },
  }).start();
  await c.addNodes(1);
  const first = await c.server.jobs.register({ job: serviceJob({}, 1) });
  const extra: string[] = [];
  for (let i = 0; i < 4; i++) extra.push((await c.server.jobs.evaluate({ jobId: 'web' })).EvalID);
  release();
  await c.idle();
  await c.advance(5_000);
  assert.deepEqual(seen, [first.EvalID, extra[3]]);
  const snap = c.server.state.snapshot();
  for (const id of extra.slice(0, 3)) {
    assert.equal(snap.evalByID(id)?.Status, 'canceled');
    assert.equal(snap.evalByID(id)?.StatusDescription, 'canceled after more recent eval was processed');
  }
  await c.stop();
});

test('leadership can be revoked and established again, rebuilding the machinery from the state', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(2);
  await c.server.revokeLeadership();
  await c.server.jobs.register({ job: serviceJob({}, 2) });
  assert.equal(c.live('web').length, 0, 'no leader, no scheduling');
  await c.server.establishLeadership();
  await c.idle();
  assert.equal(c.live('web').length, 2, 'the pending evaluation was restored into the broker');
  assert.equal(c.server.heartbeats.count(), 2);
  await c.stop();
});
