import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Allocation } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { newEvaluation } from './eval_util.ts';
import { NodeBase } from './node_base.ts';
import { allocAmount } from './resources.ts';
import { newScheduler } from './scheduler.ts';
import type { SchedulerState } from './state.ts';
import { seededIds, TestPlanner } from './testing/harness.ts';
import { MemState } from './testing/mem_state.ts';
import { mockAlloc, mockJob, mockNode } from './testing/mock.ts';

test('NodeBase is shared for the same node list and rebuilt for another', () => {
  const nodes = [mockNode(0), mockNode(1)];
  const base = NodeBase.of(nodes);
  assert.equal(NodeBase.of(nodes), base);
  assert.notEqual(NodeBase.of([...nodes]), base);
  assert.equal(base.indexById.get(nodes[1]!.ID), 1);
  assert.equal(base.cpuCap[0], 4000);
});

test('node usage counts live allocations only and is recomputed when the node gets a new list', () => {
  const node = mockNode(0);
  const base = NodeBase.of([node]);
  const job = mockJob();
  const live = mockAlloc(job, 0, node.ID);
  const stopped: Allocation = { ...mockAlloc(job, 1, node.ID), DesiredStatus: 'stop' };
  const list: readonly Allocation[] = [live, stopped];
  const u = base.snapshotUsage(0, list, allocAmount);
  assert.equal(u.count, 1);
  assert.equal(u.cpu, allocAmount(live).cpu);
  assert.equal(base.snapshotUsage(0, list, allocAmount), u, 'the same list is not summed again');
  const grown = base.snapshotUsage(0, [live, stopped, mockAlloc(job, 2, node.ID)], allocAmount);
  assert.notEqual(grown, u);
  assert.equal(grown.count, 2);
});

test('node properties get ids in the order first met, and a node without the property gets -1', () => {
  const nodes = [mockNode(0, { meta: { rack: 'b' } }), mockNode(1), mockNode(2, { meta: { rack: 'a' } })];
  const base = NodeBase.of(nodes);
  const racks = base.property('${meta.rack}');
  assert.equal(base.property('${meta.rack}'), racks);
  assert.equal(racks.idOf(2), 0);
  assert.equal(racks.idOf(0), 1);
  assert.equal(racks.idOf(1), -1);
  assert.deepEqual(racks.values, ['a', 'b']);
});

/** A view of the state that hands out fresh copies, so nothing can be shared between evaluations. */
function unshared(state: MemState): SchedulerState {
  return {
    latestIndex: () => state.latestIndex(),
    jobByID: (ns, id) => state.jobByID(ns, id),
    nodes: () => [...state.nodes()],
    nodeByID: (id) => state.nodeByID(id),
    allocByID: (id) => state.allocByID(id),
    allocsByJob: (ns, id, all) => state.allocsByJob(ns, id, all),
    allocsByNode: (id) => [...state.allocsByNode(id)],
    evalByID: (id) => state.evalByID(id),
    deploymentByID: (id) => state.deploymentByID(id),
    latestDeploymentByJobID: (ns, id) => state.latestDeploymentByJobID(ns, id),
    schedulerConfig: () => state.schedulerConfig(),
  };
}

async function placeJobs(share: boolean): Promise<string[]> {
  const state = new MemState();
  const planner = new TestPlanner(state);
  const ids = seededIds('node-base');
  for (let i = 0; i < 60; i++) state.upsertNode(mockNode(i, { meta: { rack: `r${i % 4}` } }));
  const spreads = [{ Attribute: '${meta.rack}', Weight: 100, SpreadTarget: null }];
  for (let j = 0; j < 4; j++) {
    const job = state.registerJob(
      mockJob({ ID: `job-${j}`, Spreads: j % 2 === 0 ? spreads : null }, { Count: 40 }),
    );
    const e: Evaluation = newEvaluation({
      ID: ids.uuid(),
      Namespace: 'default',
      Priority: 50,
      Type: 'service',
      TriggeredBy: 'job-register',
      JobID: job.ID,
      Status: 'pending',
      nowNs: 0,
    });
    const view = share ? state : unshared(state);
    await newScheduler('service', { state: view, planner, ids, nowNs: 0 }).process(e);
  }
  return state
    .allAllocs()
    .map((a) => `${a.Name}@${a.NodeID}`)
    .sort();
}

test('evaluations that share what a node list implies place exactly as evaluations that share nothing', async () => {
  const shared = await placeJobs(true);
  assert.equal(shared.length, 160);
  assert.deepEqual(shared, await placeJobs(false));
});
