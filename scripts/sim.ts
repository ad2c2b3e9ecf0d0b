// npm run sim -- [--seeds N] [--seed S] [--servers 3|5] [--chaos 0..1] [--duration-ms MS]
// Runs the deterministic raft simulation for many seeds (or one, to replay a failure) and prints
// one line per failing seed, then a summary as one JSON line.
import { RaftSim } from '../src/sim/raft_sim.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const one = flag('seed');
const count = Number(flag('seeds') ?? 200);
const seeds = one !== undefined ? [Number(one)] : Array.from({ length: count }, (_, i) => i + 1);
const servers = flag('servers');
const chaos = flag('chaos');
const duration = flag('duration-ms');
let failed = 0;
let ops = 0;
const t0 = performance.now();
for (const seed of seeds) {
  try {
    const r = await new RaftSim({
      seed,
      ...(servers === undefined ? {} : { servers: Number(servers) }),
      ...(chaos === undefined ? {} : { chaos: Number(chaos) }),
      ...(duration === undefined ? {} : { durationMs: Number(duration) }),
    }).run();
    ops += r.operations;
    if (one !== undefined) console.log(JSON.stringify(r));
  } catch (err) {
    failed++;
    console.log(`FAIL seed ${seed}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
console.log(
  JSON.stringify({
    sim: 'raft',
    seeds: seeds.length,
    failed,
    operations: ops,
    wall_ms: Math.round(performance.now() - t0),
  }),
);
process.exitCode = failed > 0 ? 1 : 0;
