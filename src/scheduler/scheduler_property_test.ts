import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Job } from '../structs/job.ts';
import { Harness, nodeOvercommit } from './testing/harness.ts';
import { mockJob, mockNode } from './testing/mock.ts';

type Op =
  | { kind: 'register'; job: number; count: number; cpu: number; maxParallel: number; batch: boolean }
  | { kind: 'scale'; job: number; count: number }
  | { kind: 'update'; job: number; destructive: boolean }
  | { kind: 'stop'; job: number }
  | { kind: 'nodeDown'; node: number }
  | { kind: 'nodeUp'; node: number }
  | { kind: 'fail'; job: number; pick: number }
  | { kind: 'healthy'; job: number };

const JOBS = 3;
const NODES = 5;

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    job: fc.nat(JOBS - 1),
    count: fc.integer({ min: 0, max: 8 }),
    cpu: fc.constantFrom(100, 300, 700),
    maxParallel: fc.nat(2),
    batch: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('scale' as const),
    job: fc.nat(JOBS - 1),
    count: fc.integer({ min: 0, max: 10 }),
  }),
  fc.record({ kind: fc.constant('update' as const), job: fc.nat(JOBS - 1), destructive: fc.boolean() }),
  fc.record({ kind: fc.constant('stop' as const), job: fc.nat(JOBS - 1) }),
  fc.record({ kind: fc.constant('nodeDown' as const), node: fc.nat(NODES - 1) }),
  fc.record({ kind: fc.constant('nodeUp' as const), node: fc.nat(NODES + 2) }),
  fc.record({ kind: fc.constant('fail' as const), job: fc.nat(JOBS - 1), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('healthy' as const), job: fc.nat(JOBS - 1) }),
);

function jobId(i: number): string {
  return `job-${i}`;
}

/** Applies one operation; returns the jobs to evaluate afterwards. */
function apply(h: Harness, o: Op, version: { n: number }): string[] {
  const all = Array.from({ length: JOBS }, (_, i) => jobId(i)).filter(
    (id) => h.state.jobByID('default', id) !== undefined,
  );
  const current = (i: number): Job | undefined => h.state.jobByID('default', jobId(i));
  switch (o.kind) {
    case 'register': {
      const job = mockJob(
        { ID: jobId(o.job), Type: o.batch ? 'batch' : 'service' },
        {
          Count: o.count,
          Update: { MaxParallel: o.maxParallel },
          Tasks: [{ Name: 't', Driver: 'mock', Resources: { CPU: o.cpu, MemoryMB: 128 } }],
        },
      );
      h.register(job);
      return [job.ID];
    }
    case 'scale':
    case 'update': {
      const j = current(o.job);
      if (j === undefined) return [];
      version.n++;
      const tgs = j.TaskGroups.map((g) => ({
        ...g,
        Count: o.kind === 'scale' ? o.count : g.Count,
        Tasks: g.Tasks.map((t) =>
          o.kind === 'update'
            ? o.destructive
              ? { ...t, Env: { V: String(version.n) } }
              : { ...t, KillTimeout: version.n }
            : t,
        ),
      }));
      h.register({ ...j, Stop: false, TaskGroups: tgs });
      return [j.ID];
    }
    case 'stop': {
      const j = current(o.job);
      if (j === undefined) return [];
      h.register({ ...j, Stop: true });
      return [j.ID];
    }
    case 'nodeDown': {
      const n = h.state.nodeByID(mockNode(o.node).ID);
      if (n !== undefined) h.state.upsertNode({ ...n, Status: 'down' });
      return all;
    }
    case 'nodeUp':
      h.state.upsertNode(mockNode(o.node, { cpu: 2000, memoryMb: 2048 }));
      return all;
    case 'fail': {
      const live = h.live(jobId(o.job));
      const a = live[o.pick % Math.max(1, live.length)];
      if (a !== undefined) h.clientUpdate(a.ID, { ClientStatus: 'failed' });
      return [jobId(o.job)];
    }
    case 'healthy':
      h.markHealthy(h.live(jobId(o.job)).filter((a) => a.DeploymentStatus?.Healthy !== true));
      return [jobId(o.job)];
  }
}

function checkInvariants(h: Harness): void {
  assert.equal(h.planner.refusedNodes, 0, 'the scheduler proposed a plan that over-commits a node');
  for (const node of h.state.nodes()) {
    assert.equal(
      nodeOvercommit(node, h.state.allocsByNode(node.ID)),
      '',
      `node ${node.Name} is over-committed`,
    );
  }
  for (let i = 0; i < JOBS; i++) {
    const job = h.state.jobByID('default', jobId(i));
    if (job === undefined) continue;
    const live = h.live(job.ID).filter((a) => a.DesiredStatus === 'run');
    for (const tg of job.TaskGroups) {
      const n = live.filter((a) => a.TaskGroup === tg.Name).length;
      const allowed = job.Stop ? 0 : tg.Count;
      assert.ok(n <= allowed, `${job.ID}.${tg.Name} runs ${n} allocations, more than ${allowed}`);
    }
  }
}

let placedTotal = 0;

test('for any sequence of register, scale, update, stop, node down and up, no node is over-committed and no group exceeds its count', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
      const h = new Harness('property');
      h.addNodes(Array.from({ length: NODES }, (_, i) => mockNode(i, { cpu: 2000, memoryMb: 2048 })));
      const version = { n: 0 };
      for (const o of ops) {
        h.nowNs += 60e9;
        for (const id of apply(h, o, version)) {
          const job = h.state.jobByID('default', id);
          if (job === undefined) continue;
          await h.evaluate(job, {
            TriggeredBy: o.kind === 'nodeDown' || o.kind === 'nodeUp' ? 'node-update' : 'job-register',
          });
          checkInvariants(h);
        }
      }
      placedTotal += h.state.allAllocs().length;
    }),
    { numRuns: 150 },
  );
  // The property must have exercised the scheduler, not just empty clusters.
  assert.ok(placedTotal > 100, `only ${placedTotal} allocations were placed over all runs`);
});
