/**
 * The simulation's nemesis: from its own seeded source, every 0.2 to 1 s of simulated time it cuts
 * or heals the network (a server alone, the servers split in two, a client cut off), crashes or
 * restarts a server (keeping a majority of machines up) or a client, steps a process's wall clock
 * (±4 ms to ±65 s), and draws new loss, duplication and delay rates for every link.
 */
import type { Rng } from '../lib/random.ts';
import type { ClusterSim } from './cluster_sim.ts';

export class ClusterFaults {
  serverCrashes = 0;
  clientCrashes = 0;
  clockJumps = 0;
  readonly #sim: ClusterSim;
  readonly #rng: Rng;
  #stopped = false;

  constructor(sim: ClusterSim, rng: Rng) {
    this.#sim = sim;
    this.#rng = rng;
  }

  start(untilMs: number): void {
    const step = (): void => {
      if (this.#stopped || this.#sim.sched.nowMs > untilMs) return;
      void this.#inject().then(() => {
        this.#sim.sched.at(this.#sim.sched.nowMs + 200 + this.#rng.next() * 800, step);
      });
    };
    this.#sim.sched.at(1000, step);
  }

  stop(): void {
    this.#stopped = true;
  }

  async #inject(): Promise<void> {
    const sim = this.#sim;
    const rng = this.#rng;
    const chaos = sim.opts.chaos;
    const servers = sim.serverIds;
    const clients = sim.clientNames;
    const pick = <T>(xs: readonly T[]): T | undefined => xs[rng.int(xs.length)];
    const r = rng.next();
    if (r < 0.12 * chaos) {
      const s = pick(servers)!;
      sim.net.partition([[s], [...servers, ...clients].filter((n) => n !== s)]);
    } else if (r < 0.2 * chaos) {
      const a: string[] = [];
      const b: string[] = [];
      for (const n of [...servers, ...clients]) (rng.next() < 0.5 ? a : b).push(n);
      sim.net.partition([a, b]);
    } else if (r < 0.26 * chaos) {
      const c = pick(clients)!;
      sim.net.partition([[c], servers]);
    } else if (r < 0.45 * chaos) {
      sim.net.heal();
    } else if (r < 0.53 * chaos) {
      const up = servers.filter((id) => sim.servers.get(id)?.alive === true);
      // Keep a majority of machines running, or nothing could make progress.
      const victim = pick(up);
      if (victim !== undefined && up.length - 1 > Math.floor(servers.length / 2)) {
        sim.crashServer(victim);
        this.serverCrashes++;
      }
    } else if (r < 0.68 * chaos) {
      const down = servers.filter((id) => sim.servers.get(id)?.alive !== true);
      const s = pick(down);
      if (s !== undefined) await sim.startServer(s);
    } else if (r < 0.73 * chaos) {
      const up = clients.filter((n) => sim.clients.get(n)?.alive === true);
      const c = pick(up);
      if (c !== undefined) {
        sim.crashClient(c);
        this.clientCrashes++;
      }
    } else if (r < 0.85 * chaos) {
      const down = clients.filter((n) => sim.clients.get(n)?.alive !== true);
      const c = pick(down);
      if (c !== undefined) await sim.startClient(c);
    } else if (r < 0.9 * chaos) {
      const procs = [...sim.servers.values(), ...sim.clients.values()].filter((p) => p.alive);
      const p = pick(procs);
      if (p !== undefined) {
        p.clock.jump((rng.next() < 0.5 ? -1 : 1) * 2 ** (2 + rng.int(15)));
        this.clockJumps++;
      }
    }
    sim.net.faults = {
      lossRate: rng.next() * 0.1 * chaos,
      duplicateRate: rng.next() * 0.05 * chaos,
      delayMsMin: 0.1,
      delayMsMax: 1 + rng.next() * 30 * chaos,
    };
  }
}
