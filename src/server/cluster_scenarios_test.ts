import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobInput } from '../structs/canonicalize.ts';
import { SimCluster, serviceJob } from './testing/sim_cluster.ts';

const S = 1_000_000_000;

test('a job that does not fit is blocked, then placed when a node joins', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(1);
  // 4000 MHz per node: 3 allocations of 1500 MHz need two nodes.
  await c.register(serviceJob({}, 3, { CPU: 1500, MemoryMB: 64 }));
  assert.equal(c.live('web').length, 2);
  assert.equal(c.server.blocked.stats().TotalBlocked, 1);
  const blocked = c.server.state
    .snapshot()
    .evalsByJob('default', 'web')
    .find((e) => e.Status === 'blocked');
  assert.ok(blocked !== undefined, 'a blocked evaluation is recorded');
  await c.addNodes(1);
  assert.equal(c.live('web').length, 3);
  assert.equal(c.server.blocked.stats().TotalBlocked, 0);
  c.assertNoOvercommit();
  await c.stop();
});

test('a node that misses its heartbeats goes down and its allocations are replaced elsewhere', async () => {
  const c = await new SimCluster().start();
  const [n0] = await c.addNodes(3);
  await c.register(serviceJob({}, 6));
  await c.playClients();
  const onLost = c.live('web').filter((a) => a.NodeID === n0);
  assert.ok(onLost.length > 0, 'some allocations run on the node that will fail');
  c.silent.add(n0!);
  // TTL is at least 10 s, at most 20 s with the stagger, plus 10 s grace.
  await c.advance(9_000);
  assert.equal(c.server.state.snapshot().nodeByID(n0!)?.Status, 'ready');
  await c.advance(25_000);
  assert.equal(c.server.state.snapshot().nodeByID(n0!)?.Status, 'down');
  for (const a of onLost) {
    const after = c.server.state.snapshot().allocByID(a.ID)!;
    assert.equal(after.ClientStatus, 'lost');
    assert.equal(after.DesiredStatus, 'stop');
  }
  const live = c.live('web');
  assert.equal(live.length, 6);
  assert.ok(live.every((a) => a.NodeID !== n0));
  c.assertNoOvercommit();
  await c.stop();
});

test('the heartbeat TTL the server hands out grows with the number of nodes', async () => {
  const c = await new SimCluster({ heartbeat: { maxHeartbeatsPerSecond: 1 } }).start();
  await c.addNodes(40);
  const r = await c.server.nodes.updateNodeStatus('node-0000', 'ready');
  assert.ok(r.heartbeatTtlMs >= 40_000, `ttl ${r.heartbeatTtlMs}`);
  await c.stop();
});

test('a draining node hands its allocations over max_parallel at a time, then completes its drain', async () => {
  const c = await new SimCluster().start();
  const [n0] = await c.addNodes(1);
  await c.register(serviceJob({}, 4));
  await c.playClients({ healthy: true });
  await c.addNodes(2);
  assert.equal(c.live('web').filter((a) => a.NodeID === n0).length, 4);
  await c.server.nodeDrain.updateDrain({
    nodeId: n0!,
    drainSpec: { Deadline: 3600 * S, IgnoreSystemJobs: false },
  });
  await c.idle();
  const moving = (): number => c.live('web').filter((a) => a.NodeID === n0).length;
  assert.equal(moving(), 3, 'migrate max_parallel defaults to 1');
  for (let i = 0; i < 6 && c.server.state.snapshot().nodeByID(n0!)?.DrainStrategy !== null; i++) {
    await c.playClients({ healthy: true });
    await c.advance(1_000);
    assert.ok(c.live('web').length >= 4);
  }
  const node = c.server.state.snapshot().nodeByID(n0!)!;
  assert.equal(node.DrainStrategy, null);
  assert.equal(node.SchedulingEligibility, 'ineligible');
  assert.equal(node.Events?.at(-1)?.Message, 'Node drain complete');
  assert.equal(moving(), 0);
  assert.equal(c.live('web').length, 4);
  await c.stop();
});

test('a drain deadline migrates everything left at once', async () => {
  const c = await new SimCluster().start();
  const [n0] = await c.addNodes(1);
  await c.register(serviceJob({}, 4));
  await c.playClients({ healthy: true });
  await c.addNodes(2);
  await c.server.nodeDrain.updateDrain({
    nodeId: n0!,
    drainSpec: { Deadline: 30 * S, IgnoreSystemJobs: false },
  });
  await c.idle();
  await c.playClients();
  await c.advance(31_000);
  assert.equal(c.live('web').filter((a) => a.NodeID === n0).length, 0);
  assert.equal(c.live('web').length, 4);
  await c.stop();
});

test('a system job runs on every eligible node, including nodes that join later', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  const [off] = await c.addNodes(1);
  await c.server.nodeDrain.updateEligibility({ nodeId: off!, eligibility: 'ineligible' });
  const sys: JobInput = { ...serviceJob({}, 1), ID: 'agent', Name: 'agent', Type: 'system' };
  await c.register(sys);
  const on = (): string[] =>
    c
      .live('agent')
      .map((a) => a.NodeID)
      .sort();
  assert.deepEqual(on(), ['node-0000', 'node-0001', 'node-0002']);
  await c.addNodes(1);
  assert.deepEqual(on(), ['node-0000', 'node-0001', 'node-0002', 'node-0004']);
  await c.stop();
});

test('a failed allocation is rescheduled only after the reschedule delay', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(2);
  // No deployment: an unhealthy allocation of a running deployment waits for the deployment watcher.
  const job = serviceJob({ Update: { MaxParallel: 0 } }, 2);
  job.TaskGroups![0]!.ReschedulePolicy = {
    Attempts: 0,
    Unlimited: true,
    Delay: 30 * S,
    DelayFunction: 'constant',
    MaxDelay: 0,
    Interval: 0,
  };
  await c.register(job);
  await c.playClients();
  const [victim] = c.live('web');
  await c.reportHealth([victim!.ID], false);
  const followUp = c.server.state
    .snapshot()
    .evalsByJob('default', 'web')
    .find((e) => e.WaitUntil !== null);
  assert.ok(followUp !== undefined, 'a delayed follow-up evaluation exists');
  const waitMs = Date.parse(followUp.WaitUntil!) - c.clock.nowMs();
  assert.ok(waitMs > 25_000 && waitMs <= 30_000, `waits ${waitMs} ms`);
  await c.advance(20_000);
  assert.equal(c.live('web').length, 1, 'not replaced before the delay');
  await c.advance(12_000);
  const live = c.live('web');
  assert.equal(live.length, 2);
  const replacement = live.find((a) => a.PreviousAllocation === victim!.ID);
  assert.ok(replacement !== undefined);
  assert.equal(replacement.RescheduleTracker?.Events.length, 1);
  await c.stop();
});

test('what plan predicts is what run then does', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await c.register(serviceJob({}, 3));
  await c.playClients();
  const next = serviceJob({}, 5);
  next.TaskGroups![0]!.Tasks![0]!.Env = { CHANGED: 'yes' };
  const plan = await c.server.jobPlan.plan({ job: next, diff: true });
  const predicted = plan.Annotations?.DesiredTGUpdates['web'];
  assert.ok(predicted !== undefined);
  const before = new Set(c.live('web').map((a) => a.ID));
  await c.register(next);
  const after = c.live('web');
  const placed = after.filter((a) => !before.has(a.ID)).length;
  const stopped = [...before].filter((id) => !after.some((a) => a.ID === id)).length;
  assert.equal(placed, predicted.Place + predicted.DestructiveUpdate);
  assert.equal(stopped, predicted.DestructiveUpdate + predicted.Stop);
  await c.stop();
});
