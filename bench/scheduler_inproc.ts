// npm run bench -- scheduler_inproc [--nodes N] [--jobs J] [--count C] [--spread]
// The scheduler alone: J service jobs of count C placed on N nodes (default 5,000 nodes, 100 jobs of
// 1,000) through the real generic scheduler, against an in-memory state that applies each plan.
// With --spread, each job has an even spread block over 50 racks (${meta.rack}). Prints placements
// per second as the last JSON line.
import { parseArgs } from 'node:util';
import { newEvaluation } from '../src/scheduler/eval_util.ts';
import { newScheduler } from '../src/scheduler/scheduler.ts';
import { seededIds, TestPlanner } from '../src/scheduler/testing/harness.ts';
import { MemState } from '../src/scheduler/testing/mem_state.ts';
import { mockJob, mockNode } from '../src/scheduler/testing/mock.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    jobs: { type: 'string', default: '100' },
    count: { type: 'string', default: '1000' },
    spread: { type: 'boolean', default: false },
  },
});
const nodeCount = Number(values.nodes);
const jobCount = Number(values.jobs);
const count = Number(values.count);
const RACKS = 50;

const state = new MemState();
// The benchmark measures the scheduler: the planner applies plans without re-checking fit.
const planner = new TestPlanner(state, { verifyFit: false });
const ids = seededIds('bench');
for (let i = 0; i < nodeCount; i++) state.upsertNode(mockNode(i, { meta: { rack: `r${i % RACKS}` } }));

let placed = 0;
let failedEvals = 0;
const start = performance.now();
for (let j = 0; j < jobCount; j++) {
  const job = state.registerJob(
    mockJob(
      {
        ID: `job-${j}`,
        Spreads: values.spread ? [{ Attribute: '${meta.rack}', Weight: 100, SpreadTarget: null }] : null,
      },
      { Count: count, Tasks: [{ Name: 't', Driver: 'mock', Resources: { CPU: 50, MemoryMB: 30 } }] },
    ),
  );
  const e = newEvaluation({
    ID: ids.uuid(),
    Namespace: 'default',
    Priority: 50,
    Type: 'service',
    TriggeredBy: 'job-register',
    JobID: job.ID,
    Status: 'pending',
    nowNs: 0,
  });
  await newScheduler('service', { state, planner, ids, nowNs: 0 }).process(e);
  const final = state.evalByID(e.ID);
  if (final?.Status !== 'complete' || final.FailedTGAllocs !== null) failedEvals++;
  placed += count - (final?.QueuedAllocations?.['web'] ?? 0);
}
const seconds = (performance.now() - start) / 1000;
const live = state.allAllocs().length;
console.log(
  JSON.stringify({
    nodes: nodeCount,
    jobs: jobCount,
    count,
    spread: values.spread,
    allocations: live,
    failed_evals: failedEvals,
    refused_nodes: planner.refusedNodes,
    seconds: Number(seconds.toFixed(3)),
    placements_per_second: Math.round(live / seconds),
  }),
);
void placed;
