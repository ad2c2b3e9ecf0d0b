import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, nodeOvercommit } from './testing/harness.ts';
import { mockJob, mockNode } from './testing/mock.ts';

function systemJob(o: Parameters<typeof mockJob>[0] = {}, g: Parameters<typeof mockJob>[1] = {}) {
  return mockJob(
    { ID: 'agent', Type: 'system', Datacenters: ['*'], ...o },
    { Name: 'agent', Count: 1, ...g },
  );
}

test('a system job runs on every ready, eligible node of its datacenters', async () => {
  const h = new Harness();
  h.addNodes([
    mockNode(0),
    mockNode(1),
    mockNode(2, { eligibility: 'ineligible' }),
    mockNode(3, { status: 'down' }),
    mockNode(4, { draining: true }),
    mockNode(5, { datacenter: 'other' }),
  ]);
  const job = h.register(systemJob({ Datacenters: ['dc1'] }));
  const e = await h.evaluate(job);
  assert.equal(e.Status, 'complete');
  assert.deepEqual(
    h
      .live('agent')
      .map((a) => a.NodeName)
      .sort(),
    ['node-0', 'node-1'],
  );
  assert.ok(h.live('agent').every((a) => a.Name === 'agent.agent[0]'));
});

test('a new node gets the system job on the next evaluation', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0)]);
  const job = h.register(systemJob());
  await h.evaluate(job);
  h.addNodes([mockNode(1)]);
  await h.evaluate(job, { TriggeredBy: 'node-update' });
  assert.equal(h.live('agent').length, 2);
  await h.evaluate(job, { TriggeredBy: 'node-update' });
  assert.equal(h.live('agent').length, 2, 'nothing more on a re-evaluation');
});

test('nodes that fail the constraints are skipped without failing the evaluation', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0), mockNode(1, { attributes: { 'kernel.name': 'darwin' } })]);
  const job = h.register(
    systemJob({ Constraints: [{ LTarget: '${attr.kernel.name}', RTarget: 'linux', Operand: '=' }] }),
  );
  const e = await h.evaluate(job);
  assert.equal(h.live('agent').length, 1);
  assert.equal(e.FailedTGAllocs, null);
  assert.deepEqual(e.QueuedAllocations, { agent: 0 });
});

test('a full node is a failed placement for a system job without preemption', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0, { cpu: 100 })]);
  h.state.config = {
    ...h.state.config,
    PreemptionConfig: { ...h.state.config.PreemptionConfig, SystemSchedulerEnabled: false },
  };
  const job = h.register(
    systemJob({}, { Tasks: [{ Name: 'a', Driver: 'mock', Resources: { CPU: 500, MemoryMB: 64 } }] }),
  );
  const e = await h.evaluate(job);
  assert.equal(h.live('agent').length, 0);
  assert.equal(e.FailedTGAllocs!['agent']!.DimensionExhausted!['cpu'], 1);
});

test('a system job preempts lower-priority allocations when a node is full', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0, { cpu: 1000 })]);
  const low = h.register(
    mockJob(
      { ID: 'low', Priority: 20 },
      {
        Count: 4,
        Update: { MaxParallel: 0 },
        Tasks: [{ Name: 'w', Driver: 'mock', Resources: { CPU: 250, MemoryMB: 64 } }],
      },
    ),
  );
  await h.evaluate(low);
  assert.equal(h.live('low').length, 4);
  const job = h.register(
    systemJob(
      { Priority: 100 },
      { Tasks: [{ Name: 'a', Driver: 'mock', Resources: { CPU: 400, MemoryMB: 64 } }] },
    ),
  );
  const e = await h.evaluate(job);
  assert.equal(e.FailedTGAllocs, null);
  const agent = h.live('agent')[0]!;
  const plan = h.planner.plans.at(-1)!;
  const preempted = Object.values(plan.NodePreemptions).flat();
  assert.equal(preempted.length, 2);
  assert.deepEqual([...agent.PreemptedAllocations!].sort(), preempted.map((a) => a.ID).sort());
  assert.ok(
    preempted.every(
      (a) => a.DesiredStatus === 'evict' && a.DesiredDescription === `Preempted by alloc ID ${agent.ID}`,
    ),
  );
  assert.equal(h.live('low').length, 2);
  for (const node of h.state.nodes()) assert.equal(nodeOvercommit(node, h.state.allocsByNode(node.ID)), '');
});

test('allocations of equal priority are never preempted', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0, { cpu: 1000 })]);
  const peer = h.register(
    mockJob(
      { ID: 'peer', Priority: 95 },
      {
        Count: 4,
        Update: { MaxParallel: 0 },
        Tasks: [{ Name: 'w', Driver: 'mock', Resources: { CPU: 250, MemoryMB: 64 } }],
      },
    ),
  );
  await h.evaluate(peer);
  const job = h.register(
    systemJob(
      { Priority: 100 },
      { Tasks: [{ Name: 'a', Driver: 'mock', Resources: { CPU: 400, MemoryMB: 64 } }] },
    ),
  );
  const e = await h.evaluate(job);
  assert.equal(h.live('agent').length, 0);
  assert.notEqual(e.FailedTGAllocs, null);
});

test('a system allocation marked for migration leaves a draining node and is not replaced there', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0), mockNode(1)]);
  const job = h.register(systemJob());
  await h.evaluate(job);
  const a = h.live('agent').find((x) => x.NodeName === 'node-0')!;
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
  assert.equal(h.state.allocByID(a.ID)!.DesiredDescription, 'alloc not needed as node is tainted');
  assert.deepEqual(
    h.live('agent').map((x) => x.NodeName),
    ['node-1'],
  );
});

test('a system job update replaces allocations max_parallel at a time', async () => {
  const h = new Harness();
  h.addNodes([0, 1, 2, 3].map((i) => mockNode(i)));
  const v0 = h.register(systemJob({ Update: { MaxParallel: 2, Stagger: 1e9 } }));
  await h.evaluate(v0);
  const v1 = h.register({
    ...v0,
    TaskGroups: v0.TaskGroups.map((g) => ({ ...g, Tasks: g.Tasks.map((t) => ({ ...t, Env: { V: '1' } })) })),
  });
  const e = await h.evaluate(v1);
  assert.equal(e.Status, 'complete');
  assert.equal(h.live('agent').filter((a) => a.Job!.Version === 1).length, 2);
  assert.equal(h.live('agent').length, 4);
});

test('a sysbatch job does not rerun where it completed', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0), mockNode(1)]);
  const job = h.register(systemJob({ ID: 'sweep', Type: 'sysbatch' }, { Name: 'sweep' }));
  await h.evaluate(job);
  for (const a of h.live('sweep')) h.clientUpdate(a.ID, { ClientStatus: 'complete' });
  await h.evaluate(job, { TriggeredBy: 'node-update' });
  assert.equal(h.live('sweep').length, 0);
  assert.equal(h.state.allocsByJob('default', 'sweep', true).length, 2);
});

test('stopping a system job stops it everywhere', async () => {
  const h = new Harness();
  h.addNodes([mockNode(0), mockNode(1)]);
  const job = h.register(systemJob());
  await h.evaluate(job);
  const stopped = h.register({ ...job, Stop: true });
  await h.evaluate(stopped, { TriggeredBy: 'job-deregister' });
  assert.equal(h.live('agent').length, 0);
});
