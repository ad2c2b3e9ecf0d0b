import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftSim } from './raft_sim.ts';

const seeds = Number(process.env['NOMAD_SIM_SEEDS'] ?? 200);

test(`raft under simulated faults stays safe and linearizable for ${seeds} seeds`, async () => {
  let ops = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    // A failure names its seed; `npm run sim -- --seed N` replays it exactly.
    const r = await new RaftSim({ seed, servers: seed % 4 === 0 ? 5 : 3 }).run();
    ops += r.operations;
  }
  assert.ok(ops > seeds * 50, `clients made progress: ${ops} operations`);
});

test('the same seed replays the same run', async () => {
  const a = await new RaftSim({ seed: 42 }).run();
  const b = await new RaftSim({ seed: 42 }).run();
  assert.deepEqual(a, b);
});
