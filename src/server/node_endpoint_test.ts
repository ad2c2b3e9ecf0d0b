import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NomadError } from '../lib/errors.ts';
import { proposeOrThrow } from '../fsm/log.ts';
import { mockAlloc, mockJob, mockNode } from '../state/testing/mocks.ts';
import type { Node } from '../structs/node.ts';
import { AllocEndpoint } from './alloc_endpoint.ts';
import { EvalEndpoint } from './eval_endpoint.ts';
import { NodeDrainEndpoint, NODE_DRAIN_SET, NODE_INELIGIBLE } from './node_drain_endpoint.ts';
import { NodeEndpoint, type AllocClientUpdate } from './node_endpoint.ts';
import { newHarness, type Harness } from './testing/endpoint_harness.ts';

function fresh(id: string): Node {
  return mockNode(id, { Status: 'initializing' });
}

async function withPlacedJob(h: Harness, nodes: NodeEndpoint): Promise<void> {
  await nodes.registerNode({ ...fresh('n1'), Status: 'ready' });
  const job = mockJob({ SubmitTime: 1 }, 2);
  await proposeOrThrow(h.log, { type: 'JobRegister', job, eval: null });
  const stored = h.store.snapshot().jobByID('default', 'web')!;
  await proposeOrThrow(h.log, {
    type: 'AllocUpdate',
    allocs: [
      mockAlloc('a1', stored, 'n1', { EvalID: 'e0' }),
      mockAlloc('a2', stored, 'n1', { EvalID: 'e0', Name: 'web.web[1]' }),
    ],
    job: null,
    evals: [],
  });
}

function update(id: string, status: AllocClientUpdate['ClientStatus']): AllocClientUpdate {
  return {
    ID: id,
    NodeID: 'n1',
    ClientStatus: status,
    ClientDescription: '',
    TaskStates: {},
    DeploymentStatus: null,
    ModifyTime: 0,
  };
}

test('Node.Register stores the node with a registration event and starts its heartbeat timer', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  const r = await nodes.registerNode(fresh('n1'));
  assert.ok(r.heartbeatTtlMs >= 10_000);
  assert.equal(h.heartbeats.has('n1'), true);
  const node = h.store.snapshot().nodeByID('n1')!;
  assert.equal(node.Status, 'initializing');
  assert.equal(node.Events![0]!.Message, 'Node registered');
  assert.equal(node.StatusUpdatedAt, Math.floor(h.clock.nowMs() / 1000));
});

test('Node.Register refuses bad input and a changed secret, leaving state unchanged', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  await nodes.registerNode(fresh('n1'));
  const before = h.dump();
  await assert.rejects(
    nodes.registerNode({ ...fresh('n2'), Datacenter: '' }),
    /missing datacenter for client registration/,
  );
  await assert.rejects(
    nodes.registerNode({ ...fresh('n1'), SecretID: 'other' }),
    (e: unknown) =>
      e instanceof NomadError && e.message === 'node secret ID does not match. Not registering node.',
  );
  assert.equal(h.dump(), before);
});

test('Node.UpdateStatus to ready evaluates system jobs; to down evaluates the node\u2019s jobs and stops its timer', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  await nodes.registerNode(fresh('n1'));
  await proposeOrThrow(h.log, {
    type: 'JobRegister',
    job: mockJob({ ID: 'agent', Name: 'agent', Type: 'system', SubmitTime: 1 }),
    eval: null,
  });
  const ready = await nodes.updateNodeStatus('n1', 'ready');
  assert.equal(ready.evalIds.length, 1);
  assert.equal(h.store.snapshot().evalByID(ready.evalIds[0]!)!.TriggeredBy, 'node-update');
  const beat = await nodes.updateNodeStatus('n1', 'ready');
  assert.deepEqual(beat.evalIds, [], 'a plain heartbeat evaluates nothing');
  const down = await nodes.updateNodeStatus('n1', 'down');
  assert.equal(down.heartbeatTtlMs, 0);
  assert.equal(h.heartbeats.has('n1'), false);
  assert.equal(h.store.snapshot().nodeByID('n1')!.Status, 'down');
  await assert.rejects(nodes.updateNodeStatus('nope', 'ready'), /node "nope" not found/);
});

test('Node.GetClientAllocs answers at once, then blocks until the node\u2019s allocations change', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  await withPlacedJob(h, nodes);
  const first = await nodes.getClientAllocs('n1', { minIndex: 0, waitMs: 60_000 });
  assert.deepEqual(Object.keys(first.allocs).sort(), ['a1', 'a2']);
  const waiting = nodes.getClientAllocs('n1', { minIndex: first.index, waitMs: 60_000 });
  await new AllocEndpoint(h).stop({ allocId: 'a1' });
  const stored = h.store.snapshot().jobByID('default', 'web')!;
  await proposeOrThrow(h.log, {
    type: 'AllocUpdate',
    allocs: [mockAlloc('a3', stored, 'n1', { Name: 'web.web[2]' })],
    job: null,
    evals: [],
  });
  const next = await waiting;
  assert.ok(next.index > first.index);
  const timedOut = nodes.getClientAllocs('n1', { minIndex: h.store.latestIndex(), waitMs: 30_000 });
  h.clock.advance(30_000);
  assert.equal((await timedOut).index, h.store.snapshot().allocByID('a3')!.ModifyIndex);
});

test('Node.UpdateAlloc applies a batch as one entry and evaluates failed allocations that may be rescheduled', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  await withPlacedJob(h, nodes);
  const before = h.store.latestIndex();
  const r = await nodes.updateAllocs([update('a1', 'running'), update('a2', 'failed')]);
  assert.equal(r.index, before + 1);
  const snap = h.store.snapshot();
  assert.equal(snap.allocByID('a1')!.ClientStatus, 'running');
  assert.equal(snap.allocByID('a2')!.ClientStatus, 'failed');
  const evals = snap.evalsByJob('default', 'web');
  assert.deepEqual(
    evals.map((e) => e.TriggeredBy),
    ['alloc-failure'],
  );
  await assert.rejects(nodes.updateAllocs([]), /must update at least one allocation/);
});

test('Node.UpdateAlloc refuses updates from a down node', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  await withPlacedJob(h, nodes);
  await nodes.updateNodeStatus('n1', 'down');
  const before = h.dump();
  await assert.rejects(
    nodes.updateAllocs([update('a1', 'running')]),
    /node n1 is not allowed to update allocs while in status down/,
  );
  assert.equal(h.dump(), before);
});

test('draining a node makes it ineligible with a drain event; eligibility cannot be restored while draining', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  const drains = new NodeDrainEndpoint(h);
  await nodes.registerNode({ ...fresh('n1'), Status: 'ready' });
  await drains.updateDrain({ nodeId: 'n1', drainSpec: { Deadline: 60e9, IgnoreSystemJobs: false } });
  let node = h.store.snapshot().nodeByID('n1')!;
  assert.equal(node.SchedulingEligibility, 'ineligible');
  assert.equal(node.DrainStrategy!.ForceDeadline, new Date(h.clock.nowMs() + 60_000).toISOString());
  assert.equal(node.Events!.at(-1)!.Message, NODE_DRAIN_SET);
  const before = h.dump();
  await assert.rejects(
    drains.updateEligibility({ nodeId: 'n1', eligibility: 'eligible' }),
    /can not set node's scheduling eligibility to eligible while it is draining/,
  );
  assert.equal(h.dump(), before);
  await drains.updateDrain({ nodeId: 'n1', drainSpec: null, markEligible: true });
  node = h.store.snapshot().nodeByID('n1')!;
  assert.equal(node.DrainStrategy, null);
  assert.equal(node.SchedulingEligibility, 'eligible');
  await drains.updateEligibility({ nodeId: 'n1', eligibility: 'ineligible' });
  assert.equal(h.store.snapshot().nodeByID('n1')!.Events!.at(-1)!.Message, NODE_INELIGIBLE);
});

test('Alloc.Stop marks the allocation to migrate and evaluates its job; evaluation reads find it', async () => {
  const h = newHarness();
  const nodes = new NodeEndpoint(h, h.heartbeats);
  await withPlacedJob(h, nodes);
  const allocs = new AllocEndpoint(h);
  const r = await allocs.stop({ allocId: 'a1' });
  const snap = h.store.snapshot();
  assert.equal(snap.allocByID('a1')!.DesiredTransition.Migrate, true);
  const evals = new EvalEndpoint(h);
  assert.equal((await evals.getEval(r.EvalID)).value!.TriggeredBy, 'alloc-stop');
  assert.deepEqual(
    (await evals.list({ jobId: 'web' })).value.map((e) => e.ID),
    [r.EvalID],
  );
  assert.deepEqual(
    (await evals.allocations('e0')).value.map((a) => a.ID),
    ['a1', 'a2'],
  );
  assert.deepEqual(
    (await allocs.list({ prefix: 'a' })).value.map((a) => a.ID),
    ['a1', 'a2'],
  );
  await assert.rejects(allocs.stop({ allocId: 'zzz' }), /Unknown allocation "zzz"/);
});
