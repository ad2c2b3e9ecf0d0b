// npm run sim -- [--cluster] [--seeds N] [--seed S] [--servers 3|5] [--clients N] [--chaos 0..1] [--duration-ms MS]
// Runs the deterministic simulation for many seeds (or one, to replay a failure) and prints one
// line per failing seed, then a summary as one JSON line. The default is the raft-only simulation
// (src/sim/raft_sim.ts); --cluster runs whole clusters of servers, clients and users
// (src/sim/cluster_sim.ts), where without --servers every fourth seed runs 5 servers, the rest 3.
import { RaftSim } from '../src/sim/raft_sim.ts';
import { ClusterSim } from '../src/sim/cluster_sim.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const cluster = args.includes('--cluster');
const one = flag('seed');
const count = Number(flag('seeds') ?? 200);
const seeds = one !== undefined ? [Number(one)] : Array.from({ length: count }, (_, i) => i + 1);
const servers = flag('servers');
const clients = flag('clients');
const chaos = flag('chaos');
const duration = flag('duration-ms');
const common = {
  ...(chaos === undefined ? {} : { chaos: Number(chaos) }),
  ...(duration === undefined ? {} : { durationMs: Number(duration) }),
};

async function runOne(seed: number): Promise<{ operations: number } & Record<string, unknown>> {
  if (!cluster) {
    const raftServers = servers === undefined ? {} : { servers: Number(servers) };
    return { ...(await new RaftSim({ seed, ...raftServers, ...common }).run()) };
  }
  const n = servers === undefined ? (seed % 4 === 0 ? 5 : 3) : Number(servers);
  return {
    ...(await new ClusterSim({
      seed,
      servers: n,
      ...(clients === undefined ? {} : { clients: Number(clients) }),
      ...common,
    }).run()),
  };
}

let failed = 0;
let ops = 0;
const t0 = performance.now();
for (const seed of seeds) {
  try {
    const r = await runOne(seed);
    ops += r.operations;
    if (one !== undefined) console.log(JSON.stringify(r));
  } catch (err) {
    failed++;
    console.log(`FAIL seed ${seed}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
console.log(
  JSON.stringify({
    sim: cluster ? 'cluster' : 'raft',
    seeds: seeds.length,
    failed,
    operations: ops,
    wall_ms: Math.round(performance.now() - t0),
  }),
);
process.exitCode = failed > 0 ? 1 : 0;
