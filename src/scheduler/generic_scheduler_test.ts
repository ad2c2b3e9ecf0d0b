import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Allocation } from '../structs/allocation.ts';
import type { Job } from '../structs/job.ts';
import { dryRun, stateWithJob } from './scheduler.ts';
import { Harness, nodeOvercommit } from './testing/harness.ts';
import { mockJob, mockNode } from './testing/mock.ts';

const S = 1e9;

function nodesOf(h: Harness, n: number, o: Parameters<typeof mockNode>[1] = {}): void {
  h.addNodes(Array.from({ length: n }, (_, i) => mockNode(i, o)));
}

function assertNoOvercommit(h: Harness): void {
  for (const node of h.state.nodes())
    assert.equal(nodeOvercommit(node, h.state.allocsByNode(node.ID)), '', `node ${node.Name}`);
}

function byNode(allocs: Allocation[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of allocs) m.set(a.NodeID, (m.get(a.NodeID) ?? 0) + 1);
  return m;
}

function changedTasks(job: Job, env: Record<string, string>): Job {
  return {
    ...job,
    TaskGroups: job.TaskGroups.map((g) => ({ ...g, Tasks: g.Tasks.map((t) => ({ ...t, Env: env })) })),
  };
}

test('the service scheduler places the count and completes the evaluation', async () => {
  const h = new Harness();
  nodesOf(h, 10);
  const job = h.register(mockJob({}, { Count: 5 }));
  const e = await h.evaluate(job);
  assert.equal(e.Status, 'complete');
  assert.deepEqual(e.QueuedAllocations, { web: 0 });
  assert.deepEqual(
    h
      .live('web')
      .map((a) => a.Name)
      .sort(),
    [0, 1, 2, 3, 4].map((i) => `web.web[${i}]`),
  );
  assert.notEqual(e.DeploymentID, '');
  assert.equal(h.state.deploymentByID(e.DeploymentID)!.TaskGroups['web']!.DesiredTotal, 5);
});

test('the service scheduler never over-commits a node and blocks what does not fit', async () => {
  const h = new Harness();
  nodesOf(h, 3, { cpu: 1000, memoryMb: 4096 });
  const job = h.register(
    mockJob(
      {},
      { Count: 10, Tasks: [{ Name: 'web', Driver: 'mock', Resources: { CPU: 400, MemoryMB: 64 } }] },
    ),
  );
  const e = await h.evaluate(job);
  assert.equal(h.live('web').length, 6);
  assertNoOvercommit(h);
  const failed = e.FailedTGAllocs!['web']!;
  assert.equal(failed.DimensionExhausted!['cpu'], 3);
  assert.equal(failed.CoalescedFailures, 3);
  assert.deepEqual(failed.ResourcesExhausted, { web: { CPU: 1600, MemoryMB: 0 } });
  const blocked = h.state.evalByID(e.BlockedEval)!;
  assert.equal(blocked.Status, 'blocked');
  assert.equal(blocked.TriggeredBy, 'queued-allocs');
  assert.equal(blocked.StatusDescription, 'created to place remaining allocations');
  assert.deepEqual(Object.values(blocked.ClassEligibility!), [true]);
  assert.equal(e.QueuedAllocations!['web'], 4);
});

test('placements record why nodes were filtered, by constraint as Nomad prints it', async () => {
  const h = new Harness();
  nodesOf(h, 4);
  h.addNodes([mockNode(10, { attributes: { 'kernel.name': 'windows' } }), mockNode(11, { drivers: {} })]);
  const job = h.register(
    mockJob(
      { Constraints: [{ LTarget: '${attr.kernel.name}', RTarget: 'windows', Operand: '=' }] },
      { Count: 1 },
    ),
  );
  await h.evaluate(job);
  const m = h.live('web')[0]!.Metrics!;
  assert.equal(h.live('web')[0]!.NodeName, 'node-10');
  assert.equal(m.NodesFiltered >= 1, true);
  const keys = Object.keys(m.ConstraintFiltered ?? {});
  assert.ok(
    keys.every((k) => ['${attr.kernel.name} = windows', 'computed class ineligible'].includes(k)),
    keys.join(),
  );
});

test('a group whose driver no node has fails with "missing drivers"', async () => {
  const h = new Harness();
  nodesOf(h, 2);
  const job = h.register(
    mockJob(
      {},
      { Count: 1, Tasks: [{ Name: 'web', Driver: 'docker', Resources: { CPU: 100, MemoryMB: 64 } }] },
    ),
  );
  const e = await h.evaluate(job);
  const m = e.FailedTGAllocs!['web']!;
  assert.equal(m.NodesFiltered, 2);
  assert.equal(
    (m.ConstraintFiltered!['missing drivers'] ?? 0) +
      (m.ConstraintFiltered!['computed class ineligible'] ?? 0),
    2,
  );
});

test('datacenter globs and node pools choose the nodes', async () => {
  const h = new Harness();
  h.addNodes([
    mockNode(0, { datacenter: 'dc-east' }),
    mockNode(1, { datacenter: 'west' }),
    mockNode(2, { datacenter: 'dc-north', pool: 'gpu' }),
  ]);
  const job = h.register(mockJob({ Datacenters: ['dc-*'] }, { Count: 2 }));
  const e = await h.evaluate(job);
  assert.deepEqual(
    h.live('web').map((a) => a.NodeName),
    ['node-0', 'node-0'],
  );
  assert.equal(e.FailedTGAllocs, null);
  const gpu = h.register(mockJob({ ID: 'gpu', Datacenters: ['*'], NodePool: 'gpu' }, { Count: 1 }));
  await h.evaluate(gpu);
  assert.deepEqual(
    h.live('gpu').map((a) => a.NodeName),
    ['node-2'],
  );
});

test('job anti-affinity spreads a group over empty nodes', async () => {
  const h = new Harness();
  nodesOf(h, 4);
  const job = h.register(mockJob({}, { Count: 4 }));
  await h.evaluate(job);
  assert.equal(byNode(h.live('web')).size, 4);
});

test('distinct_hosts keeps one allocation per node', async () => {
  const h = new Harness();
  nodesOf(h, 2);
  const job = h.register(
    mockJob({ Constraints: [{ LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' }] }, { Count: 3 }),
  );
  const e = await h.evaluate(job);
  assert.equal(h.live('web').length, 2);
  assert.equal(e.FailedTGAllocs!['web']!.ConstraintFiltered!['distinct_hosts'], 2);
});

test('distinct_property allows the given number of allocations per property value', async () => {
  const h = new Harness();
  h.addNodes([0, 1, 2, 3].map((i) => mockNode(i, { meta: { rack: `r${i % 2}` } })));
  const job = h.register(
    mockJob(
      {},
      { Count: 5, Constraints: [{ LTarget: '${meta.rack}', RTarget: '2', Operand: 'distinct_property' }] },
    ),
  );
  await h.evaluate(job);
  const racks = new Map<string, number>();
  for (const a of h.live('web')) {
    const rack = h.state.nodeByID(a.NodeID)!.Meta['rack']!;
    racks.set(rack, (racks.get(rack) ?? 0) + 1);
  }
  assert.deepEqual([...racks.values()], [2, 2]);
});

test('static ports never collide and dynamic ports come from the node range', async () => {
  const h = new Harness();
  nodesOf(h, 2, { minDynamicPort: 30000, maxDynamicPort: 30010 });
  const net = {
    Mode: 'host',
    ReservedPorts: [{ Label: 'http', Value: 8080 }],
    DynamicPorts: [{ Label: 'admin', To: -1 }],
  };
  const job = h.register(mockJob({}, { Count: 3, Networks: [net] }));
  const e = await h.evaluate(job);
  const live = h.live('web');
  assert.equal(live.length, 2);
  assert.equal(byNode(live).size, 2);
  assert.equal(
    e.FailedTGAllocs!['web']!.DimensionExhausted!['network: reserved port collision http=8080'],
    2,
  );
  for (const a of live) {
    const ports = a.AllocatedResources!.Shared.Ports!;
    assert.equal(ports.find((p) => p.Label === 'http')!.Value, 8080);
    const admin = ports.find((p) => p.Label === 'admin')!;
    assert.ok(admin.Value >= 30000 && admin.Value <= 30010);
    assert.equal(admin.To, admin.Value);
    assert.equal(
      a.AllocatedResources!.Shared.Networks![0]!.IP,
      h.state.nodeByID(a.NodeID)!.NodeResources.Networks![0]!.IP,
    );
  }
  assertNoOvercommit(h);
});

test('a node reserving a static port is not used for it', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0, { reservedPorts: '22,8000-8100' }), mockNode(1)]);
  const job = h.register(
    mockJob({}, { Count: 1, Networks: [{ Mode: 'host', ReservedPorts: [{ Label: 'http', Value: 8080 }] }] }),
  );
  await h.evaluate(job);
  assert.equal(h.live('web')[0]!.NodeName, 'node-1');
});

test('spread spreads a group evenly over a node property', async () => {
  const h = new Harness();
  h.addNodes(Array.from({ length: 9 }, (_, i) => mockNode(i, { meta: { rack: `r${i % 3}` } })));
  const job = h.register(mockJob({ Spreads: [{ Attribute: '${meta.rack}', Weight: 100 }] }, { Count: 9 }));
  await h.evaluate(job);
  const racks = new Map<string, number>();
  for (const a of h.live('web')) {
    const rack = h.state.nodeByID(a.NodeID)!.Meta['rack']!;
    racks.set(rack, (racks.get(rack) ?? 0) + 1);
  }
  assert.deepEqual([...racks.entries()].sort(), [
    ['r0', 3],
    ['r1', 3],
    ['r2', 3],
  ]);
});

test('spread targets split a group by percentage', async () => {
  const h = new Harness();
  h.addNodes(Array.from({ length: 10 }, (_, i) => mockNode(i, { datacenter: i < 5 ? 'east' : 'west' })));
  const spread = {
    Attribute: '${node.datacenter}',
    Weight: 100,
    SpreadTarget: [
      { Value: 'east', Percent: 80 },
      { Value: 'west', Percent: 20 },
    ],
  };
  const job = h.register(mockJob({ Datacenters: ['*'], Spreads: [spread] }, { Count: 10 }));
  await h.evaluate(job);
  const east = h.live('web').filter((a) => h.state.nodeByID(a.NodeID)!.Datacenter === 'east').length;
  assert.equal(east, 8);
});

test('an affinity draws placements to the nodes it matches', async () => {
  const h = new Harness();
  h.addNodes(Array.from({ length: 6 }, (_, i) => mockNode(i, { nodeClass: i < 2 ? 'fast' : 'slow' })));
  const job = h.register(
    mockJob(
      { Affinities: [{ LTarget: '${node.class}', RTarget: 'fast', Operand: '=', Weight: 100 }] },
      { Count: 2 },
    ),
  );
  await h.evaluate(job);
  assert.deepEqual(
    h.live('web').map((a) => h.state.nodeByID(a.NodeID)!.NodeClass),
    ['fast', 'fast'],
  );
});

test('a rolling update replaces max_parallel allocations at a time, as they turn healthy', async () => {
  const h = new Harness();
  nodesOf(h, 4);
  const v0 = h.register(mockJob({}, { Count: 4, Update: { MaxParallel: 2 } }));
  await h.evaluate(v0);
  h.markHealthy(h.live('web'));
  const done = await h.evaluate(v0);
  assert.equal(
    h.state.deploymentByID(
      done.DeploymentID === '' ? h.state.latestDeploymentByJobID('default', 'web')!.ID : done.DeploymentID,
    )!.Status,
    'successful',
  );
  const v1 = h.register(changedTasks(v0, { V: '1' }));
  const e1 = await h.evaluate(v1, { TriggeredBy: 'job-register' });
  const newAllocs = () => h.live('web').filter((a) => a.Job!.Version === 1);
  assert.equal(newAllocs().length, 2);
  assert.equal(h.live('web').length, 4);
  // Nothing more until the new ones are healthy.
  await h.evaluate(v1, { TriggeredBy: 'deployment-watcher' });
  assert.equal(newAllocs().length, 2);
  h.markHealthy(newAllocs());
  await h.evaluate(v1, { TriggeredBy: 'deployment-watcher' });
  assert.equal(newAllocs().length, 4);
  assert.equal(h.live('web').length, 4);
  h.markHealthy(newAllocs().filter((a) => a.DeploymentStatus === null));
  await h.evaluate(v1, { TriggeredBy: 'deployment-watcher' });
  assert.equal(h.state.deploymentByID(e1.DeploymentID)!.Status, 'successful');
});

test('canaries are placed first and the old version stays until promotion', async () => {
  const h = new Harness();
  nodesOf(h, 4);
  const v0 = h.register(mockJob({}, { Count: 3, Update: { MaxParallel: 1, Canary: 1 } }));
  await h.evaluate(v0);
  h.markHealthy(h.live('web'));
  await h.evaluate(v0);
  const v1 = h.register(changedTasks(v0, { V: '1' }));
  const e1 = await h.evaluate(v1);
  const d = h.state.deploymentByID(e1.DeploymentID)!;
  assert.equal(d.StatusDescription, 'Deployment is running but requires manual promotion');
  const canaries = h.live('web').filter((a) => a.DeploymentStatus?.Canary === true);
  assert.equal(canaries.length, 1);
  assert.equal(h.live('web').length, 4);
  h.markHealthy(canaries);
  await h.evaluate(v1, { TriggeredBy: 'deployment-watcher' });
  assert.equal(h.live('web').length, 4, 'nothing replaced before promotion');
  h.promote(d);
  await h.evaluate(v1, { TriggeredBy: 'deployment-watcher' });
  const live = h.live('web');
  assert.equal(live.length, 3, 'the old allocation with the canary name is stopped');
  assert.equal(live.filter((a) => a.Job!.Version === 1).length, 2, 'one more replaced (max_parallel 1)');
  assert.equal(new Set(live.map((a) => a.Name)).size, 3);
});

test('a failed allocation is rescheduled after its delay, away from its node', async () => {
  const h = new Harness();
  nodesOf(h, 3);
  const policy = {
    Attempts: 0,
    Interval: 0,
    Delay: 30 * S,
    DelayFunction: 'constant',
    MaxDelay: 0,
    Unlimited: true,
  };
  const job = h.register(mockJob({}, { Count: 1, Update: { MaxParallel: 0 }, ReschedulePolicy: policy }));
  await h.evaluate(job);
  const first = h.live('web')[0]!;
  h.clientUpdate(first.ID, { ClientStatus: 'failed' });
  const e = await h.evaluate(job, { TriggeredBy: 'alloc-failure' });
  assert.equal(e.Status, 'complete');
  const followUp = h.planner.createdEvals.find((x) => x.TriggeredBy === 'alloc-reschedule')!;
  assert.equal(followUp.WaitUntil, new Date((h.nowNs + 30 * S) / 1e6).toISOString().replace('.000', ''));
  assert.equal(h.state.allocByID(first.ID)!.FollowupEvalID, followUp.ID);
  assert.equal(h.live('web').length, 0);
  h.nowNs += 30 * S;
  await h.evaluate(job, { ID: followUp.ID, TriggeredBy: 'alloc-reschedule', WaitUntil: followUp.WaitUntil });
  const next = h.live('web')[0]!;
  assert.equal(next.PreviousAllocation, first.ID);
  assert.notEqual(next.NodeID, first.NodeID);
  assert.equal(next.RescheduleTracker!.Events[0]!.PrevAllocID, first.ID);
  assert.equal(h.state.allocByID(first.ID)!.NextAllocation, next.ID);
  assert.equal(h.state.allocByID(first.ID)!.DesiredStatus, 'stop');
});

test('allocations of a down node are lost and replaced elsewhere', async () => {
  const h = new Harness();
  nodesOf(h, 3);
  const job = h.register(mockJob({}, { Count: 3, Update: { MaxParallel: 0 } }));
  await h.evaluate(job);
  const victim = h.live('web')[0]!;
  h.state.upsertNode({ ...h.state.nodeByID(victim.NodeID)!, Status: 'down' });
  await h.evaluate(job, { TriggeredBy: 'node-update' });
  const lost = h.state.allocByID(victim.ID)!;
  assert.equal(lost.ClientStatus, 'lost');
  assert.equal(lost.DesiredDescription, 'alloc is lost since its node is down');
  const live = h.live('web');
  assert.equal(live.length, 3);
  assert.ok(live.every((a) => a.NodeID !== victim.NodeID));
});

test('allocations marked for migration move off a draining node', async () => {
  const h = new Harness();
  nodesOf(h, 3);
  const job = h.register(mockJob({}, { Count: 2, Update: { MaxParallel: 0 } }));
  await h.evaluate(job);
  const a = h.live('web')[0]!;
  h.state.upsertNode({
    ...h.state.nodeByID(a.NodeID)!,
    SchedulingEligibility: 'ineligible',
    DrainStrategy: {
      DrainSpec: { Deadline: 0, IgnoreSystemJobs: false },
      ForceDeadline: null,
      StartedAt: null,
    },
  });
  h.clientUpdate(a.ID, {
    DesiredTransition: { Migrate: true, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
  });
  await h.evaluate(job, { TriggeredBy: 'node-drain' });
  assert.equal(h.state.allocByID(a.ID)!.DesiredDescription, 'alloc is being migrated');
  const live = h.live('web');
  assert.equal(live.length, 2);
  assert.ok(live.every((x) => x.NodeID !== a.NodeID));
});

test('stopping a job stops its allocations', async () => {
  const h = new Harness();
  nodesOf(h, 2);
  const job = h.register(mockJob({}, { Count: 2 }));
  await h.evaluate(job);
  const stopped = h.register({ ...job, Stop: true });
  const e = await h.evaluate(stopped, { TriggeredBy: 'job-deregister' });
  assert.equal(e.Status, 'complete');
  assert.equal(h.live('web').length, 0);
});

test('scaling down stops the highest indexes', async () => {
  const h = new Harness();
  nodesOf(h, 3);
  const job = h.register(mockJob({}, { Count: 5, Update: { MaxParallel: 0 } }));
  await h.evaluate(job);
  const smaller = h.register({ ...job, TaskGroups: job.TaskGroups.map((g) => ({ ...g, Count: 2 })) });
  await h.evaluate(smaller, { TriggeredBy: 'job-scaling' });
  assert.deepEqual(
    h
      .live('web')
      .map((a) => a.Name)
      .sort(),
    ['web.web[0]', 'web.web[1]'],
  );
});

test('the dry run reports what would happen and changes nothing', async () => {
  const h = new Harness();
  nodesOf(h, 3);
  const job = h.register(mockJob({}, { Count: 2 }));
  await h.evaluate(job);
  h.markHealthy(h.live('web'));
  const candidate = {
    ...changedTasks(job, { V: '2' }),
    Version: 1,
    JobModifyIndex: job.JobModifyIndex + 100,
  };
  // Count 2 -> 3 with max_parallel 2: one placement and one destructive update fit the window.
  const candidateScaled = {
    ...candidate,
    TaskGroups: candidate.TaskGroups.map((g) => ({
      ...g,
      Count: 3,
      Update: { ...g.Update!, MaxParallel: 2 },
    })),
  };
  const before = h.state.allAllocs().length;
  const r = await dryRun(
    'service',
    { state: stateWithJob(h.state, candidateScaled), ids: h.ids, nowNs: h.nowNs },
    {
      ...h.state.allEvals()[0]!,
      ID: 'dry',
      AnnotatePlan: true,
      Status: 'pending',
    },
  );
  assert.equal(h.state.allAllocs().length, before);
  const d = r.annotations!.DesiredTGUpdates['web']!;
  assert.equal(d.Place, 1);
  assert.equal(d.DestructiveUpdate, 1);
  assert.equal(d.Ignore, 1);
  assert.equal(r.failedTGAllocs, null);
});

test('an evaluation gives up after five refused plans and leaves a blocked evaluation', async () => {
  const h = new Harness();
  nodesOf(h, 2);
  const job = h.register(mockJob({}, { Count: 1, Update: { MaxParallel: 0 } }));
  // Every plan races with a node going down between scheduling and applying.
  h.planner.beforeApply = (plan) => {
    for (const nodeId of Object.keys(plan.NodeAllocation))
      h.state.upsertNode({ ...h.state.nodeByID(nodeId)!, Status: 'down' });
    h.state.upsertNode(mockNode(100 + h.planner.plans.length));
  };
  const e = await h.evaluate(job);
  assert.equal(e.Status, 'failed');
  assert.equal(e.StatusDescription, 'maximum attempts reached (5)');
  const blocked = h.state.evalByID(e.BlockedEval)!;
  assert.equal(blocked.TriggeredBy, 'max-plan-attempts');
  assert.equal(blocked.StatusDescription, 'created due to placement conflicts');
  assert.equal(h.planner.plans.length, 5);
});

test('an unknown trigger fails the evaluation', async () => {
  const h = new Harness();
  nodesOf(h, 1);
  const job = h.register(mockJob());
  const e = await h.evaluate(job, { TriggeredBy: 'bogus' });
  assert.equal(e.Status, 'failed');
  assert.equal(e.StatusDescription, "scheduler cannot handle 'bogus' evaluation reason");
});

test('the same evaluation ID places allocations on the same nodes', async () => {
  const run = async (): Promise<string[]> => {
    const h = new Harness('same-seed');
    nodesOf(h, 50);
    const job = h.register(mockJob({}, { Count: 10 }));
    await h.evaluate(job, { ID: 'fixed-eval-id' });
    return h
      .live('web')
      .map((a) => `${a.Name}@${a.NodeName}`)
      .sort();
  };
  assert.deepEqual(await run(), await run());
});
