import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterSim } from './cluster_sim.ts';

/**
 * Seeds run one after another until this much wall time has passed (at least SEEDS_MIN, at most
 * SEEDS_MAX), so CI runs as many as fit; the count is printed. NOMAD_SIM_CLUSTER_SEEDS fixes it.
 */
const WALL_BUDGET_MS = 55_000;
const SEEDS_MIN = 50;
const SEEDS_MAX = 400;
const fixed = process.env['NOMAD_SIM_CLUSTER_SEEDS'];

test('clusters of servers, clients and users under simulated faults stay safe, linearizable and converge', async (t) => {
  const started = performance.now();
  let seeds = 0;
  let ops = 0;
  let crashes = 0;
  for (let seed = 1; seed <= SEEDS_MAX; seed++) {
    if (
      fixed !== undefined
        ? seed > Number(fixed)
        : seeds >= SEEDS_MIN && performance.now() - started > WALL_BUDGET_MS
    )
      break;
    // A failure names its seed; `npm run sim -- --cluster --seed N` replays it exactly.
    const r = await new ClusterSim({ seed, servers: seed % 4 === 0 ? 5 : 3 }).run();
    seeds++;
    ops += r.operations;
    crashes += r.serverCrashes;
  }
  t.diagnostic(`cluster simulation: ${seeds} seeds, ${ops} operations, ${crashes} server crashes`);
  console.log(`cluster simulation ran ${seeds} seeds`);
  assert.ok(seeds >= Math.min(SEEDS_MIN, Number(fixed ?? SEEDS_MIN)), `ran ${seeds} seeds`);
  assert.ok(ops > seeds * 50, `users made progress: ${ops} operations`);
  assert.ok(crashes > 0, 'servers crashed in some seeds');
});

test('one seed of the cluster simulation replays identically', async () => {
  const a = await new ClusterSim({ seed: 7, servers: 5 }).run();
  const b = await new ClusterSim({ seed: 7, servers: 5 }).run();
  assert.deepEqual(a, b);
  assert.ok(a.operations > 0 && a.finalStateHash !== '');
});
