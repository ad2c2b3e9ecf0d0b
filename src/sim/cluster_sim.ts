/**
 * A deterministic simulation of a whole cluster: 3 or 5 servers (each a real Server on a RaftNode),
 * several client agents (the real Client with the mock driver) and users calling the job API, all
 * in one process on simulated time, network and disk, from one seed. Faults: partitions (servers
 * and clients), message loss, delay, duplication and reordering, server crashes that lose unsynced
 * writes, restarts, client crashes and restarts, clock skew and clock jumps. Checked all along
 * (cluster_checks.ts), and at the end: the users' history is linearizable per job, and after the
 * faults heal the cluster converges (every service job runs its count, nothing runs that should not).
 * A failure names its seed; the same seed replays the same run exactly.
 */
import { rngFromSeed, type Rng } from '../lib/random.ts';
import type { ClientLogger } from '../client/config.ts';
import type { LogEntry } from '../fsm/log_entry.ts';
import type { Job } from '../structs/job.ts';
import { checkLinearizable } from './linearizability.ts';
import { SimDisk } from './sim_disk.ts';
import { SimNetwork } from './sim_network.ts';
import { ProcessClock } from './sim_clock.ts';
import { SimRpcEndpoint } from './sim_rpc.ts';
import { SimScheduler } from './sim_scheduler.ts';
import { ServerProcess } from './cluster_server.ts';
import { ClientProcess, newClientDisk, type ClientDisk } from './cluster_client.ts';
import { ClusterChecks, hashString, stateHash } from './cluster_checks.ts';
import { convergenceProblem } from './cluster_convergence.ts';
import { ClusterFaults } from './cluster_faults.ts';
import { jobIds, jobModel, jobView, userCall, type JobOperation } from './cluster_workload.ts';

export interface ClusterSimOptions {
  seed: number;
  servers?: number;
  clients?: number;
  users?: number;
  jobs?: number;
  /** Simulated time under faults; then everything heals and the cluster must converge. */
  durationMs?: number;
  /** Fault intensity, 0..1. */
  chaos?: number;
}

export interface ClusterSimResult {
  seed: number;
  operations: number;
  unknownOutcomes: number;
  committed: number;
  leaders: number;
  plansChecked: number;
  serverCrashes: number;
  clientCrashes: number;
  clockJumps: number;
  convergedAfterMs: number;
  /** Hashes of the final state on the leader and of the users' history: equal across replays of one seed. */
  finalStateHash: string;
  historyHash: string;
  eventsRun: number;
}

/** After healing, the cluster must converge within this much simulated time. */
export const CONVERGE_MS_MAX = 420_000;
const CHECK_EVERY_MS = 100;
/** Scaled heartbeat settings (as the reliability plan's): a lost client is noticed in seconds. */
const HEARTBEAT = { minTtlMs: 2_000, graceMs: 2_000, failoverTtlMs: 10_000 };

const quietClientLogger: ClientLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export class ClusterSim {
  readonly seed: number;
  readonly opts: Required<ClusterSimOptions>;
  readonly sched = new SimScheduler();
  readonly net: SimNetwork;
  readonly rng: Rng;
  readonly serverIds: string[];
  readonly clientNames: string[];
  readonly servers = new Map<string, ServerProcess>();
  readonly clients = new Map<string, ClientProcess>();
  readonly serverDisks = new Map<string, SimDisk>();
  readonly clientDisks = new Map<string, ClientDisk>();
  readonly checks: ClusterChecks;
  readonly history: JobOperation[] = [];
  readonly jobs: string[];
  #incarnation = 0;
  #failure: Error | undefined;
  #faults: ClusterFaults | undefined;

  constructor(opts: ClusterSimOptions) {
    this.opts = { servers: 3, clients: 3, users: 4, jobs: 6, durationMs: 30_000, chaos: 0.5, ...opts };
    this.seed = opts.seed;
    this.rng = rngFromSeed(`cluster-${opts.seed}`);
    this.net = new SimNetwork(this.sched, rngFromSeed(`cluster-${opts.seed}-net`));
    this.serverIds = Array.from({ length: this.opts.servers }, (_, i) => `s${i + 1}`);
    this.clientNames = Array.from({ length: this.opts.clients }, (_, i) => `c${i + 1}`);
    this.jobs = jobIds(this.opts.jobs);
    this.checks = new ClusterChecks((m) => this.fail(m));
  }

  async run(): Promise<ClusterSimResult> {
    for (const id of this.serverIds) {
      this.serverDisks.set(id, new SimDisk());
      await this.startServer(id);
    }
    for (const name of this.clientNames) {
      this.clientDisks.set(name, newClientDisk(this.seed, name));
      await this.startClient(name);
    }
    for (let u = 0; u < this.opts.users; u++) this.#userLoop(u);
    this.#faults = new ClusterFaults(this, rngFromSeed(`cluster-${this.seed}-faults`));
    this.#faults.start(this.opts.durationMs);
    this.#checkLoop();
    await this.#runUntil(this.opts.durationMs);
    await this.#heal();
    const healedAt = this.sched.nowMs;
    await this.#converge();
    const convergedAfterMs = Math.round(this.sched.nowMs - healedAt);
    await this.#finalReads();
    this.#checkNow();
    if (this.#failure !== undefined) throw this.#failure;
    this.#checkHistory();
    const leader = this.leader();
    const result: ClusterSimResult = {
      seed: this.seed,
      operations: this.history.length,
      unknownOutcomes: this.history.filter((o) => o.ret === Infinity).length,
      committed: this.checks.committedCount,
      leaders: this.checks.leaderOfTerm.size,
      plansChecked: this.checks.plansChecked,
      serverCrashes: this.#faults.serverCrashes,
      clientCrashes: this.#faults.clientCrashes,
      clockJumps: this.#faults.clockJumps,
      convergedAfterMs,
      finalStateHash: leader === undefined ? '' : stateHash(leader.server.state),
      historyHash: hashString(JSON.stringify(this.history, (_k, v: unknown) => (v === Infinity ? 'inf' : v))),
      eventsRun: this.sched.eventsRun,
    };
    for (const s of this.servers.values()) s.crash();
    for (const c of this.clients.values()) c.crash();
    return result;
  }

  fail(message: string): void {
    this.#failure ??= new Error(`seed ${this.seed} at ${this.sched.nowMs.toFixed(1)} ms: ${message}`);
  }

  nextIncarnation(): number {
    return ++this.#incarnation;
  }

  skew(): { rate: number; offsetMs: number } {
    const chaos = this.opts.chaos;
    return {
      rate: 1 + (this.rng.next() - 0.5) * 0.1 * chaos,
      offsetMs: (this.rng.next() - 0.5) * 2000 * chaos,
    };
  }

  async startServer(id: string): Promise<void> {
    const p = await ServerProcess.start({
      id,
      peers: this.serverIds,
      sched: this.sched,
      net: this.net,
      disk: this.serverDisks.get(id)!,
      seed: this.seed,
      incarnation: this.nextIncarnation(),
      skew: this.skew(),
      heartbeat: HEARTBEAT,
      onApplied: (s: ServerProcess, index: number, entry: LogEntry) => {
        if (s.alive) this.checks.onApplied(s.id, s.server.state, index, entry);
      },
      onBug: (s, message) => this.fail(`server ${s.id}: ${message}`),
    });
    this.servers.set(id, p);
  }

  crashServer(id: string): void {
    const p = this.servers.get(id);
    if (p === undefined || !p.alive) return;
    p.crash();
    // Its connections reset: whoever waits on it learns at once.
    for (const s of this.servers.values()) if (s.alive) s.rpc.connectionReset(id);
    for (const c of this.clients.values()) if (c.alive) c.rpc.connectionReset(id);
    for (const u of this.#users) u.connectionReset(id);
  }

  async startClient(name: string): Promise<void> {
    const p = await ClientProcess.start({
      name,
      servers: this.serverIds,
      sched: this.sched,
      net: this.net,
      seed: this.seed,
      incarnation: this.nextIncarnation(),
      skew: this.skew(),
      disk: this.clientDisks.get(name)!,
      logger: quietClientLogger,
    });
    this.clients.set(name, p);
  }

  crashClient(name: string): void {
    const p = this.clients.get(name);
    if (p === undefined || !p.alive) return;
    p.crash();
    for (const s of this.servers.values()) if (s.alive) s.rpc.connectionReset(name);
  }

  /** The server that leads (leader duties on), if exactly one live server does. */
  leader(): ServerProcess | undefined {
    const leaders = [...this.servers.values()].filter((s) => s.alive && s.server.isLeader());
    if (leaders.length !== 1) return undefined;
    // Of two that think they lead, only the newest term's is the leader: then there is one.
    return leaders[0];
  }

  // ---- users ------------------------------------------------------------------------------

  readonly #users: SimRpcEndpoint[] = [];

  #userLoop(u: number): void {
    const name = `u${u + 1}`;
    const clock = new ProcessClock(this.sched, { rate: 1, offsetMs: 0 });
    const rpc = new SimRpcEndpoint({ addr: name, net: this.net, clock, incarnation: 0 });
    this.net.listen(name, (from, msg) => rpc.receive(from, msg));
    this.#users.push(rpc);
    const deps = {
      id: u,
      rpc,
      rng: rngFromSeed(`cluster-${this.seed}-${name}`),
      jobs: this.jobs,
      nowMs: () => this.sched.nowMs,
      servers: () => this.serverIds.map((id) => ({ id, up: this.servers.get(id)?.alive === true })),
      record: (op: JobOperation) => this.history.push(op),
      forget: (op: JobOperation) => {
        const i = this.history.lastIndexOf(op);
        if (i >= 0) this.history.splice(i, 1);
      },
    };
    let seq = 0;
    const next = (): void => {
      if (this.sched.nowMs > this.opts.durationMs) return;
      void userCall(deps, ++seq).then(() => clock.setTimer(deps.rng.next() * 300, next));
    };
    clock.setTimer(500 + deps.rng.next() * 500, next);
  }

  // ---- phases -----------------------------------------------------------------------------

  async #runUntil(timeMs: number): Promise<void> {
    await this.sched.runUntil(timeMs);
  }

  async #heal(): Promise<void> {
    this.#faults!.stop();
    this.net.heal();
    this.net.faults = { lossRate: 0, duplicateRate: 0, delayMsMin: 0.1, delayMsMax: 2 };
    for (const id of this.serverIds) if (this.servers.get(id)?.alive !== true) await this.startServer(id);
    for (const n of this.clientNames) if (this.clients.get(n)?.alive !== true) await this.startClient(n);
  }

  async #converge(): Promise<void> {
    const deadline = this.sched.nowMs + CONVERGE_MS_MAX;
    let problem: string | undefined = 'not checked yet';
    while (this.sched.nowMs < deadline && this.#failure === undefined) {
      await this.sched.runUntil(this.sched.nowMs + 1000);
      problem = convergenceProblem(this);
      if (problem === undefined) return;
    }
    this.fail(`the cluster did not converge within ${CONVERGE_MS_MAX} ms after healing: ${problem}`);
  }

  /** After the faults, one more read of every job through the leader: acked writes must show. */
  async #finalReads(): Promise<void> {
    const leader = this.leader();
    if (leader === undefined) return;
    for (const jobId of this.jobs) {
      const call = this.sched.nowMs;
      const job = (await leader.server.jobReads.getJob({ jobId })).value as Job | null;
      this.history.push({
        clientId: -1,
        key: jobId,
        input: { kind: 'read' },
        output: jobView(job),
        call,
        ret: call,
      });
    }
  }

  #checkHistory(): void {
    const lin = checkLinearizable(jobModel, this.history);
    if (!lin.ok) {
      const ops = this.history.filter((o) => o.key === lin.key);
      throw new Error(
        `seed ${this.seed}: the history of job "${lin.key}" is not linearizable: ${lin.reason}\n${ops
          .map(
            (o) =>
              `  client ${o.clientId} [${o.call.toFixed(1)}, ${o.ret === Infinity ? '?' : o.ret.toFixed(1)}] ${JSON.stringify(o.input)} -> ${JSON.stringify(o.output)}`,
          )
          .join('\n')}`,
      );
    }
  }

  // ---- checks -----------------------------------------------------------------------------

  #checkLoop(): void {
    const clock = new ProcessClock(this.sched, { rate: 1, offsetMs: 0 });
    const step = (): void => {
      this.#checkNow();
      clock.setTimer(CHECK_EVERY_MS, step);
    };
    clock.setTimer(CHECK_EVERY_MS, step);
  }

  #checkNow(): void {
    const cores = [...this.servers.values()]
      .filter((s) => s.alive)
      .map((s) => ({ s, core: s.raft.inspect() }))
      .filter((x) => x.core !== undefined)
      .map(({ s, core }) => ({ id: s.id, role: core!.role, term: core!.term, log: core!.log }));
    this.checks.checkRaft(cores);
  }
}
