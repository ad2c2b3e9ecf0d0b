import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FSM } from '../fsm/fsm.ts';
import type { Log, ProposeResult } from '../fsm/log.ts';
import type { LogEntry } from '../fsm/log_entry.ts';
import { StateStore } from '../state/index.ts';
import { mockJob, mockNode } from '../state/testing/mocks.ts';
import { allocTerminal, type AllocatedResources } from '../structs/allocation.ts';
import type { Job } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import type { Plan } from '../structs/plan.ts';
import { ManualClock } from '../../test/helpers/manual_clock.ts';
import { InmemLog } from './inmem_log.ts';
import { PlanApplier, ResourcesInterner } from './plan_apply.ts';
import { allocPorts, allocsFit } from './plan_fit.ts';
import { PlanQueue } from './plan_queue.ts';
import { emptyPlan, seededIds, sizedAlloc, type AllocSize } from './testing/fixtures.ts';

interface Harness {
  store: StateStore;
  log: Log;
  queue: PlanQueue;
  applier: PlanApplier;
  job: Job;
}

/** A log whose commits take a macrotask, like a real one that waits on disk and peers. */
class SlowLog implements Log {
  readonly inner: InmemLog;
  constructor(inner: InmemLog) {
    this.inner = inner;
  }
  async propose(entry: LogEntry): Promise<ProposeResult> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.inner.propose(entry);
  }
  appliedIndex(): number {
    return this.inner.appliedIndex();
  }
}

async function harness(nodes: Node[], opts: { pipeline?: boolean; slow?: boolean } = {}): Promise<Harness> {
  const store = new StateStore();
  const inner = new InmemLog(new FSM(store));
  const log = opts.slow === true ? new SlowLog(inner) : inner;
  for (const node of nodes) await log.propose({ type: 'NodeRegister', node });
  const job = mockJob({ ID: 'web' });
  await log.propose({ type: 'JobRegister', job, eval: null });
  const queue = new PlanQueue();
  queue.setEnabled(true);
  const applier = new PlanApplier({
    store,
    log,
    queue,
    clock: new ManualClock(),
    ids: seededIds('plan'),
    ...(opts.pipeline === undefined ? {} : { pipeline: opts.pipeline }),
  });
  applier.start();
  return { store, log, queue, applier, job: store.snapshot().jobByID('default', 'web')! };
}

const smallNode = (id: string, overrides: Partial<Node> = {}): Node =>
  mockNode(id, {
    NodeResources: {
      ...mockNode(id).NodeResources,
      Cpu: { CpuShares: 1000, TotalCpuCores: 1, ReservableCpuCores: null },
    },
    ...overrides,
  });

function placePlan(
  job: Job,
  placements: { id: string; node: string; size: AllocSize }[],
  extra: Partial<Plan> = {},
): Plan {
  const plan = emptyPlan(job, extra);
  for (const p of placements)
    (plan.NodeAllocation[p.node] ??= []).push(sizedAlloc(p.id, job, p.node, p.size));
  return plan;
}

test('a plan that fits is committed as one entry with the job attached to its allocations', async () => {
  const h = await harness([smallNode('n1'), smallNode('n2')]);
  const before = h.log.appliedIndex();
  const result = await h.queue.enqueue(
    placePlan(h.job, [
      { id: 'a1', node: 'n1', size: { cpu: 500, memoryMb: 100 } },
      { id: 'a2', node: 'n2', size: { cpu: 500, memoryMb: 100 } },
    ]),
  );
  assert.equal(result.AllocIndex, before + 1);
  assert.equal(result.RefreshIndex, 0);
  const snap = h.store.snapshot();
  assert.equal(snap.allocByID('a1')?.Job?.ID, 'web');
  assert.ok((snap.allocByID('a1')?.CreateTime ?? 0) > 0);
  assert.equal(snap.allocsByNode('n2').length, 1);
  h.queue.setEnabled(false);
  await h.applier.stopped();
});

test('a node that no longer has room is refused, the rest committed, and the worker told to refresh', async () => {
  const h = await harness([smallNode('n1'), smallNode('n2')]);
  await h.queue.enqueue(placePlan(h.job, [{ id: 'first', node: 'n1', size: { cpu: 800, memoryMb: 100 } }]));
  const result = await h.queue.enqueue(
    placePlan(h.job, [
      { id: 'late', node: 'n1', size: { cpu: 300, memoryMb: 100 } },
      { id: 'ok', node: 'n2', size: { cpu: 300, memoryMb: 100 } },
    ]),
  );
  assert.deepEqual(Object.keys(result.NodeAllocation), ['n2']);
  assert.ok(result.RefreshIndex >= result.AllocIndex && result.AllocIndex > 0);
  assert.equal(h.store.snapshot().allocByID('late'), undefined);
  h.queue.setEnabled(false);
});

test('an AllAtOnce plan is refused entirely when one node does not fit', async () => {
  const h = await harness([smallNode('n1'), smallNode('n2')]);
  await h.queue.enqueue(placePlan(h.job, [{ id: 'first', node: 'n1', size: { cpu: 800, memoryMb: 100 } }]));
  const index = h.log.appliedIndex();
  const result = await h.queue.enqueue(
    placePlan(
      h.job,
      [
        { id: 'x1', node: 'n1', size: { cpu: 300, memoryMb: 100 } },
        { id: 'x2', node: 'n2', size: { cpu: 300, memoryMb: 100 } },
      ],
      { AllAtOnce: true },
    ),
  );
  assert.deepEqual(result.NodeAllocation, {});
  assert.equal(result.AllocIndex, 0);
  assert.ok(result.RefreshIndex >= index);
  assert.equal(h.log.appliedIndex(), index, 'nothing was written');
  h.queue.setEnabled(false);
});

test('nodes that are down or ineligible refuse placements but still accept stops', async () => {
  const h = await harness([
    smallNode('up'),
    smallNode('down', { Status: 'down' }),
    smallNode('off', { SchedulingEligibility: 'ineligible' }),
  ]);
  await h.queue.enqueue(placePlan(h.job, [{ id: 'keep', node: 'up', size: { cpu: 100, memoryMb: 10 } }]));
  const stop = {
    ...h.store.snapshot().allocByID('keep')!,
    DesiredStatus: 'stop' as const,
    DesiredDescription: 'alloc not needed',
  };
  const plan = placePlan(h.job, [
    { id: 'p-down', node: 'down', size: { cpu: 100, memoryMb: 10 } },
    { id: 'p-off', node: 'off', size: { cpu: 100, memoryMb: 10 } },
  ]);
  plan.NodeUpdate['up'] = [stop];
  const result = await h.queue.enqueue(plan);
  assert.deepEqual(Object.keys(result.NodeAllocation), []);
  assert.deepEqual(Object.keys(result.NodeUpdate), ['up']);
  const stored = h.store.snapshot().allocByID('keep')!;
  assert.equal(stored.DesiredStatus, 'stop');
  assert.equal(stored.DesiredDescription, 'alloc not needed');
  h.queue.setEnabled(false);
});

test('two allocations may not claim the same port on a node', async () => {
  const h = await harness([smallNode('n1')]);
  await h.queue.enqueue(
    placePlan(h.job, [{ id: 'a', node: 'n1', size: { cpu: 10, memoryMb: 10, ports: [8080] } }]),
  );
  const result = await h.queue.enqueue(
    placePlan(h.job, [{ id: 'b', node: 'n1', size: { cpu: 10, memoryMb: 10, ports: [8080] } }]),
  );
  assert.deepEqual(result.NodeAllocation, {});
  const reserved = await harness([
    smallNode('n2', {
      ReservedResources: {
        Cpu: { CpuShares: 0, ReservedCpuCores: null },
        Memory: { MemoryMB: 0 },
        Disk: { DiskMB: 0 },
        Networks: { ReservedHostPorts: '22,8000-8100' },
      },
    }),
  ]);
  const r2 = await reserved.queue.enqueue(
    placePlan(reserved.job, [{ id: 'c', node: 'n2', size: { cpu: 10, memoryMb: 10, ports: [8050] } }]),
  );
  assert.deepEqual(r2.NodeAllocation, {});
  h.queue.setEnabled(false);
  reserved.queue.setEnabled(false);
});

test('refused canaries are dropped from the deployment the plan carries', async () => {
  const h = await harness([smallNode('n1'), smallNode('n2')]);
  await h.queue.enqueue(placePlan(h.job, [{ id: 'fill', node: 'n1', size: { cpu: 1000, memoryMb: 10 } }]));
  const plan = placePlan(h.job, [
    { id: 'c1', node: 'n1', size: { cpu: 100, memoryMb: 10 } },
    { id: 'c2', node: 'n2', size: { cpu: 100, memoryMb: 10 } },
  ]);
  plan.Deployment = {
    ID: 'dep-1',
    Namespace: 'default',
    JobID: 'web',
    JobVersion: 0,
    JobModifyIndex: h.job.JobModifyIndex,
    JobSpecModifyIndex: h.job.JobModifyIndex,
    JobCreateIndex: h.job.CreateIndex,
    IsMultiregion: false,
    TaskGroups: {
      web: {
        AutoRevert: false,
        AutoPromote: false,
        ProgressDeadline: 0,
        RequireProgressBy: null,
        Promoted: false,
        PlacedCanaries: ['c1', 'c2'],
        DesiredCanaries: 2,
        DesiredTotal: 3,
        PlacedAllocs: 0,
        HealthyAllocs: 0,
        UnhealthyAllocs: 0,
      },
    },
    Status: 'running',
    StatusDescription: 'Deployment is running',
    EvalPriority: 50,
    CreateIndex: 0,
    ModifyIndex: 0,
    CreateTime: 0,
    ModifyTime: 0,
  };
  const result = await h.queue.enqueue(plan);
  assert.deepEqual(result.Deployment?.TaskGroups['web']?.PlacedCanaries, ['c2']);
  assert.deepEqual(h.store.snapshot().deploymentByID('dep-1')?.TaskGroups['web']?.PlacedCanaries, ['c2']);
  h.queue.setEnabled(false);
});

test('disabling the queue fails waiting plans as unavailable', async () => {
  const queue = new PlanQueue();
  await assert.rejects(queue.enqueue(emptyPlan(null)), /plan queue is disabled/);
  queue.setEnabled(true);
  const waiting = queue.enqueue(emptyPlan(null));
  queue.setEnabled(false);
  await assert.rejects(waiting, /plan queue is disabled/);
});

/** No node runs more than it offers, nor two allocations on one port. */
function assertNoOvercommit(h: Harness, nodes: readonly Node[]): void {
  const snap = h.store.snapshot();
  for (const node of nodes) {
    const live = snap.allocsByNode(node.ID).filter((a) => !allocTerminal(a));
    const verdict = allocsFit(node, live);
    assert.ok(
      verdict.fit,
      `node ${node.ID} over-committed (${verdict.reason}) with ${live.length} allocations`,
    );
    const seen = new Set<number>();
    for (const a of live)
      for (const p of allocPorts(a)) {
        assert.ok(!seen.has(p), `port ${p} used twice on ${node.ID}`);
        seen.add(p);
      }
  }
}

test('property: concurrent conflicting plans never over-commit a node', async () => {
  const placement = fc.record({
    node: fc.integer({ min: 0, max: 3 }),
    cpu: fc.integer({ min: 50, max: 700 }),
    memoryMb: fc.integer({ min: 10, max: 3000 }),
    port: fc.option(fc.integer({ min: 8000, max: 8004 }), { nil: undefined }),
  });
  const planArb = fc.record({
    placements: fc.array(placement, { minLength: 1, maxLength: 6 }),
    stopExisting: fc.boolean(),
    allAtOnce: fc.boolean(),
    priority: fc.integer({ min: 1, max: 100 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(planArb, { minLength: 2, maxLength: 8 }),
      fc.boolean(),
      fc.boolean(),
      async (plans, pipeline, slow) => {
        const nodes = [0, 1, 2, 3].map((i) => smallNode(`n${i}`));
        const h = await harness(nodes, { pipeline, slow });
        let seq = 0;
        // Every plan is built from the same (empty) snapshot, as workers racing each other would.
        const submitted = plans.map((p) => {
          const plan = placePlan(
            h.job,
            p.placements.map((x) => ({
              id: `a${seq++}`,
              node: `n${x.node}`,
              size: {
                cpu: x.cpu,
                memoryMb: x.memoryMb,
                ...(x.port === undefined ? {} : { ports: [x.port] }),
              },
            })),
            { AllAtOnce: p.allAtOnce, Priority: p.priority },
          );
          return h.queue.enqueue(plan);
        });
        const results = await Promise.all(submitted);
        assertNoOvercommit(h, nodes);
        // A second round stops some of what exists and places more, racing again.
        const snap = h.store.snapshot();
        const second = plans.map((p, i) => {
          const plan = placePlan(
            h.job,
            p.placements.map((x) => ({
              id: `b${seq++}`,
              node: `n${(x.node + i) % 4}`,
              size: { cpu: x.cpu, memoryMb: x.memoryMb },
            })),
          );
          if (p.stopExisting) {
            const victim = snap.allocsByNode(`n${i % 4}`)[0];
            if (victim !== undefined) plan.NodeUpdate[victim.NodeID] = [{ ...victim, DesiredStatus: 'stop' }];
          }
          return h.queue.enqueue(plan);
        });
        await Promise.all(second);
        assertNoOvercommit(h, nodes);
        for (const r of results) {
          for (const [nodeId, allocs] of Object.entries(r.NodeAllocation)) {
            for (const a of allocs) assert.equal(h.store.snapshot().allocByID(a.ID)?.NodeID, nodeId);
          }
        }
        h.queue.setEnabled(false);
        await h.applier.stopped();
      },
    ),
    { numRuns: 150 },
  );
});

test('the resources interner hands out one object for equal resources, also when asked twice in a row', () => {
  const interner = new ResourcesInterner();
  const make = (diskMb: number): AllocatedResources => ({
    Tasks: {
      web: {
        Cpu: { CpuShares: 100, ReservedCores: null },
        Memory: { MemoryMB: 64, MemoryMaxMB: 0 },
        Networks: null,
        Devices: null,
      },
    },
    TaskLifecycles: { web: null },
    Shared: { DiskMB: diskMb, Networks: null, Ports: null },
  });
  const first = make(10);
  assert.equal(interner.intern(first), first);
  assert.equal(interner.intern(first), first);
  assert.equal(interner.intern(make(10)), first);
  const other = make(20);
  assert.equal(interner.intern(other), other);
  assert.equal(interner.intern(make(10)), first);
  assert.equal(interner.intern(null), null);
});
