// Scheduler throughput: 100 service jobs of count 1,000 placed on 5,000 simulated nodes through the
// whole server path (Job.Register -> log -> FSM -> eval broker -> workers -> scheduler -> plan queue
// -> plan applier -> log -> FSM), then the same on 10,000 nodes with a spread block. Prints
// placements per second and server heap bytes per allocation; the last line is one JSON object.
//
// Usage: npm run bench -- scheduler [--jobs N] [--count N] [--nodes N] [--spread-nodes N] [--workers N]
//        [--skip-spread | --spread-only]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Clock, TimerId } from '../src/lib/clock.ts';
import { Server } from '../src/server/server.ts';
import { mockNode } from '../src/state/testing/mocks.ts';
import { allocTerminal } from '../src/structs/allocation.ts';
import type { JobInput } from '../src/structs/canonicalize.ts';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    count: { type: 'string', default: '1000' },
    nodes: { type: 'string', default: '5000' },
    'spread-nodes': { type: 'string', default: '10000' },
    workers: { type: 'string', default: '2' },
    'skip-spread': { type: 'boolean', default: false },
    'spread-only': { type: 'boolean', default: false },
  },
});
const JOBS = Number(args.jobs);
const COUNT = Number(args.count);
const NODES = Number(args.nodes);
const SPREAD_NODES = Number(args['spread-nodes']);
const WORKERS = Number(args.workers);
const RACKS = 25;
/** Gives up if the placements take longer than this. */
const RUN_TIMEOUT_MS = 600_000;

const clock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (delayMs, fn) => setTimeout(fn, delayMs) as unknown as TimerId,
  clearTimer: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
};

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc (npm run bench does)');
  g();
  g();
}

/** The C2M benchmark's job: small tasks, deployments off (update { max_parallel = 0 }). */
function benchJob(i: number, spread: boolean): JobInput {
  return {
    ID: `bench-${i}`,
    Name: `bench-${i}`,
    Type: 'service',
    Datacenters: ['dc1'],
    Update: { MaxParallel: 0 },
    TaskGroups: [
      {
        Name: 'group',
        Count: COUNT,
        ...(spread ? { Spreads: [{ Attribute: '${meta.rack}', Weight: 100, SpreadTarget: null }] } : {}),
        EphemeralDisk: { SizeMB: 300 },
        Tasks: [
          {
            Name: 'task',
            Driver: 'mock_driver',
            Config: { run_for: '1h' },
            Resources: { CPU: 50, MemoryMB: 30 },
          },
        ],
      },
    ],
  };
}

async function addNodes(server: Server, n: number): Promise<void> {
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    batch.push(server.nodes.registerNode(mockNode(id, { Meta: { rack: `r${i % RACKS}` }, Status: 'ready' })));
    if (batch.length >= 500) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}

function liveAllocs(server: Server): number {
  let n = 0;
  const snap = server.state.snapshot();
  for (let i = 0; i < JOBS; i++) {
    for (const a of snap.allocsByJob('default', `bench-${i}`, true)) if (!allocTerminal(a)) n++;
  }
  return n;
}

/** Resolves when the broker and the plan queue are empty and nothing is in a worker's hands. */
async function drained(server: Server): Promise<void> {
  const started = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const s = server.broker.stats();
    if (s.TotalReady === 0 && s.TotalUnacked === 0 && s.TotalPending === 0 && server.planQueue.depth() === 0)
      return;
    if (Date.now() - started > RUN_TIMEOUT_MS)
      throw new Error(`not drained after ${RUN_TIMEOUT_MS} ms: ${JSON.stringify(s)}`);
  }
}

interface RunResult {
  nodes: number;
  placed: number;
  seconds: number;
  placementsPerS: number;
  heapBytesPerAlloc: number;
}

async function run(nodes: number, spread: boolean): Promise<RunResult> {
  const server = new Server({ clock, ids: { uuid: () => randomUUID() }, numSchedulers: WORKERS });
  await server.start();
  await addNodes(server, nodes);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: JOBS }, (_, i) => server.jobs.register({ job: benchJob(i, spread) })),
  );
  await drained(server);
  const seconds = (performance.now() - t0) / 1000;
  const placed = liveAllocs(server);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const stats = server.planApplier.stats();
  console.log(
    `${spread ? 'spread ' : ''}${nodes} nodes: ${placed} allocations in ${seconds.toFixed(2)} s ` +
      `(${Math.round(placed / seconds)} placements/s), ${Math.round((heapAfter - heapBefore) / placed)} heap bytes/alloc, ` +
      `${stats.plansApplied} plans, ${stats.plansPartial} partly refused, ${stats.nodesRefused} node refusals`,
  );
  await server.shutdown();
  return {
    nodes,
    placed,
    seconds,
    placementsPerS: Math.round(placed / seconds),
    heapBytesPerAlloc: Math.round((heapAfter - heapBefore) / placed),
  };
}

if (args['spread-only']) {
  await run(SPREAD_NODES, true);
  process.exit(0);
}
const base = await run(NODES, false);
if (base.placed !== JOBS * COUNT) throw new Error(`placed ${base.placed} of ${JOBS * COUNT}`);
const spread = args['skip-spread'] ? undefined : await run(SPREAD_NODES, true);
console.log(
  JSON.stringify({
    bench: 'scheduler',
    nodes: base.nodes,
    allocations: base.placed,
    placements_per_s: base.placementsPerS,
    heap_bytes_per_alloc: base.heapBytesPerAlloc,
    ...(spread === undefined
      ? {}
      : {
          spread_nodes: spread.nodes,
          spread_allocations: spread.placed,
          spread_placements_per_s: spread.placementsPerS,
          spread_heap_bytes_per_alloc: spread.heapBytesPerAlloc,
        }),
  }),
);
