/**
 * A deterministic simulation of a raft cluster: N servers (RaftNode drivers with a key-value state
 * machine) on a simulated clock, network and disk, with clients writing and reading keys, under
 * faults: partitions, loss, delay, duplication and reordering, crashes that lose unsynced writes,
 * restarts, and clock skew. Checked all along: one leader per term, log matching, leader
 * completeness, equal state at equal applied index; at the end, linearizability of what the clients
 * saw. Everything follows from the seed, so a failing seed replays exactly.
 */
import { rngFromSeed, type Rng } from '../lib/random.ts';
import { NotAppliedError, RaftNode } from '../raft/driver/raft_node.ts';
import type { Configuration, Entry, Message } from '../raft/types.ts';
import { checkLinearizable, registerModel, type Operation, type RegisterInput } from './linearizability.ts';
import { SimDisk, SimLogStore } from './sim_disk.ts';
import { SimNetwork } from './sim_network.ts';
import { SimScheduler } from './sim_scheduler.ts';

export interface RaftSimOptions {
  seed: number;
  servers?: number;
  clients?: number;
  keys?: number;
  durationMs?: number;
  /** Fault intensity, 0..1. */
  chaos?: number;
}

export interface RaftSimResult {
  seed: number;
  operations: number;
  committed: number;
  leaders: number;
  crashes: number;
  eventsRun: number;
}

interface SimServer {
  id: string;
  node: RaftNode;
  disk: SimDisk;
  kv: Map<string, string>;
  /** Rolling hash of every applied command: equal index must mean equal hash. */
  hash: number;
  up: boolean;
}

const TICK_MS = 50;

export class RaftSim {
  readonly seed: number;
  private readonly rng: Rng;
  private readonly sched = new SimScheduler();
  private readonly net: SimNetwork;
  private readonly servers = new Map<string, SimServer>();
  private readonly ids: string[];
  private readonly config: Configuration;
  private readonly leaderOfTerm = new Map<number, string>();
  private readonly hashAt = new Map<number, number>();
  private readonly committed = new Map<number, { term: number; data: string }>();
  private readonly history: Operation<RegisterInput, string | undefined>[] = [];
  private readonly opts: Required<RaftSimOptions>;
  private crashes = 0;
  private failure: Error | undefined;

  constructor(opts: RaftSimOptions) {
    this.opts = { servers: 3, clients: 4, keys: 8, durationMs: 10_000, chaos: 0.5, ...opts };
    this.seed = opts.seed;
    this.rng = rngFromSeed(opts.seed);
    this.net = new SimNetwork(this.sched, rngFromSeed(opts.seed * 7919 + 1));
    this.ids = Array.from({ length: this.opts.servers }, (_, i) => `s${i + 1}`);
    this.config = { voters: this.ids.map((id) => ({ id, addr: id })), learners: [] };
  }

  async run(): Promise<RaftSimResult> {
    for (const id of this.ids) await this.startServer(id, new SimDisk());
    for (let c = 0; c < this.opts.clients; c++) this.clientLoop(c);
    this.faultLoop();
    this.checkLoop();
    await this.sched.runUntil(this.opts.durationMs);
    // Heal everything, let the cluster settle, and require progress: a final write must commit.
    this.net.heal();
    this.net.faults = { lossRate: 0, duplicateRate: 0, delayMsMin: 0.1, delayMsMax: 2 };
    for (const s of this.servers.values()) if (!s.up) await this.startServer(s.id, s.disk);
    await this.sched.runUntil(this.opts.durationMs + 5000);
    await this.finalWrite();
    this.checkInvariants();
    if (this.failure !== undefined) throw this.failure;
    const lin = checkLinearizable(registerModel, withoutUnobservedUnknowns(this.history));
    if (!lin.ok)
      throw new Error(`seed ${this.seed}: history not linearizable on key "${lin.key}": ${lin.reason}`);
    for (const s of this.servers.values()) s.node.halt();
    return {
      seed: this.seed,
      operations: this.history.length,
      committed: this.committed.size,
      leaders: this.leaderOfTerm.size,
      crashes: this.crashes,
      eventsRun: this.sched.eventsRun,
    };
  }

  private async startServer(id: string, disk: SimDisk): Promise<void> {
    const clock = this.sched.clockFor({
      rate: 1 + (this.rng.next() - 0.5) * 0.2 * this.opts.chaos,
      offsetMs: 0,
    });
    const server: SimServer = {
      id,
      node: undefined as unknown as RaftNode,
      disk,
      kv: new Map(),
      hash: 0,
      up: true,
    };
    server.node = new RaftNode({
      id,
      addr: id,
      store: new SimLogStore(disk, this.sched, rngFromSeed(`${this.seed}-${id}-${this.crashes}`)),
      transport: { send: (to, m: Message) => this.net.send(id, to.id, m) },
      fsm: {
        apply: (data, index) => this.apply(server, data as Command, index),
        snapshot: () => ({ kv: [...server.kv], hash: server.hash }),
        restore: (data) => {
          const d = data as { kv: [string, string][]; hash: number };
          server.kv = new Map(d.kv);
          server.hash = d.hash;
        },
      },
      bootstrap: this.config,
      tickMs: TICK_MS,
      electionTicks: 10,
      snapshotThreshold: 64,
      clock,
      defer: clock.defer,
      rng: rngFromSeed(`${this.seed}-${id}-raft-${this.crashes}`),
    });
    this.servers.set(id, server);
    this.net.listen(id, (_from, msg) => server.node.receive(msg as Message));
    await server.node.start();
  }

  private apply(server: SimServer, cmd: Command, index: number): unknown {
    const prev = server.kv.get(cmd.key);
    server.kv.set(cmd.key, cmd.value);
    server.hash =
      (Math.imul(server.hash ^ hashString(`${index}:${cmd.key}=${cmd.value}`), 16777619) >>> 0) + 1;
    const seen = this.hashAt.get(index);
    if (seen === undefined) this.hashAt.set(index, server.hash);
    else if (seen !== server.hash)
      this.fail(`state of ${server.id} at index ${index} differs from another server's`);
    return prev;
  }

  // ---- clients ----------------------------------------------------------------------------

  private clientLoop(clientId: number): void {
    const next = (): void => {
      if (this.sched.nowMs > this.opts.durationMs) return;
      void this.clientOp(clientId).then(() => this.sched.at(this.sched.nowMs + this.rng.next() * 20, next));
    };
    this.sched.at(this.rng.next() * 100, next);
  }

  private async clientOp(clientId: number): Promise<void> {
    const up = [...this.servers.values()].filter((s) => s.up);
    const target = up.find((s) => s.node.isLeader()) ?? up[this.rng.int(up.length)];
    if (target === undefined) return;
    const key = `job-${this.rng.int(this.opts.keys)}`;
    const call = this.sched.nowMs;
    if (this.rng.next() < 0.5) {
      const value = `v${this.history.length}-${clientId}`;
      const op: Operation<RegisterInput, string | undefined> = {
        clientId,
        key,
        input: { kind: 'write', value },
        output: undefined,
        call,
        ret: Infinity,
      };
      this.history.push(op);
      try {
        await target.node.propose({ key, value } satisfies Command);
        op.ret = this.sched.nowMs;
      } catch (err) {
        // Certainly not applied: it never happened. Otherwise the outcome is unknown (ret stays Infinity).
        if (err instanceof NotAppliedError) this.history.splice(this.history.indexOf(op), 1);
      }
      return;
    }
    try {
      await target.node.barrier();
      if (!target.up) return;
      this.history.push({
        clientId,
        key,
        input: { kind: 'read' },
        output: target.kv.get(key),
        call,
        ret: this.sched.nowMs,
      });
    } catch {
      // a read that could not be confirmed returns nothing and changes nothing
    }
  }

  private async finalWrite(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const leader = [...this.servers.values()].find((s) => s.up && s.node.isLeader());
      if (leader !== undefined) {
        try {
          await this.drive(leader.node.propose({ key: 'final', value: 'done' }), 2000);
          await this.sched.runUntil(this.sched.nowMs + 1000);
          for (const s of this.servers.values()) {
            if (s.kv.get('final') !== 'done')
              this.fail(`${s.id} did not apply the final write after the faults healed`);
          }
          return;
        } catch {
          // try again below
        }
      }
      await this.sched.runUntil(this.sched.nowMs + 500);
    }
    this.fail('no leader could commit a write after the faults healed');
  }

  /** Runs the simulation until the promise settles or the simulated timeout passes. */
  private async drive<T>(p: Promise<T>, timeoutMs: number): Promise<T> {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    const deadline = this.sched.nowMs + timeoutMs;
    while (!settled && this.sched.nowMs < deadline) await this.sched.runUntil(this.sched.nowMs + 10);
    if (!settled) throw new Error('timeout');
    return watched;
  }

  // ---- faults -----------------------------------------------------------------------------

  private faultLoop(): void {
    const chaos = this.opts.chaos;
    const step = (): void => {
      if (this.sched.nowMs > this.opts.durationMs) return;
      const r = this.rng.next();
      if (r < 0.15 * chaos) this.net.isolate(this.ids[this.rng.int(this.ids.length)]!, this.ids);
      else if (r < 0.25 * chaos)
        this.net.partition([
          this.ids.slice(0, 1 + this.rng.int(this.ids.length - 1)),
          this.ids.slice(1 + this.rng.int(this.ids.length - 1)),
        ]);
      else if (r < 0.45 * chaos) this.net.heal();
      else if (r < 0.55 * chaos) this.crashOne();
      else if (r < 0.75 * chaos) void this.restartDown();
      this.net.faults = {
        lossRate: this.rng.next() * 0.1 * chaos,
        duplicateRate: this.rng.next() * 0.05 * chaos,
        delayMsMin: 0.1,
        delayMsMax: 1 + this.rng.next() * 30 * chaos,
      };
      this.sched.at(this.sched.nowMs + 200 + this.rng.next() * 800, step);
    };
    this.sched.at(500, step);
  }

  private crashOne(): void {
    const up = [...this.servers.values()].filter((s) => s.up);
    if (up.length <= Math.floor(this.ids.length / 2)) return; // keep a quorum's worth of machines
    const victim = up[this.rng.int(up.length)]!;
    victim.up = false;
    victim.node.halt();
    victim.disk.crash();
    this.net.unlisten(victim.id);
    this.crashes++;
  }

  private async restartDown(): Promise<void> {
    const down = [...this.servers.values()].filter((s) => !s.up);
    const s = down[this.rng.int(down.length)];
    if (s !== undefined) await this.startServer(s.id, s.disk);
  }

  // ---- invariants -------------------------------------------------------------------------

  private checkLoop(): void {
    const step = (): void => {
      this.checkInvariants();
      if (this.sched.nowMs < this.opts.durationMs + 5000) this.sched.at(this.sched.nowMs + 25, step);
    };
    this.sched.at(25, step);
  }

  private checkInvariants(): void {
    const cores = [...this.servers.values()]
      .filter((s) => s.up)
      .map((s) => ({ id: s.id, core: s.node.inspect()! }));
    for (const { id, core } of cores) {
      if (core.role !== 'leader') continue;
      const prev = this.leaderOfTerm.get(core.term);
      if (prev !== undefined && prev !== id) this.fail(`two leaders in term ${core.term}: ${prev} and ${id}`);
      if (prev === undefined) {
        this.leaderOfTerm.set(core.term, id);
        this.checkLeaderCompleteness(id, core.log);
      }
    }
    for (const { core } of cores) this.recordCommitted(core.log);
    for (let i = 0; i < cores.length; i++)
      for (let j = i + 1; j < cores.length; j++) this.checkLogMatching(cores[i]!, cores[j]!);
  }

  private recordCommitted(log: LogView): void {
    for (let i = Math.max(log.firstIndex(), log.committed - 50); i <= log.committed; i++) {
      const e = log.entry(i);
      if (e === undefined) continue;
      const data = JSON.stringify(e.data);
      const known = this.committed.get(i);
      if (known === undefined) this.committed.set(i, { term: e.term, data });
      else if (known.term !== e.term || known.data !== data) this.fail(`committed entry ${i} changed`);
    }
  }

  private checkLeaderCompleteness(id: string, log: LogView): void {
    for (const [index, c] of this.committed) {
      if (index < log.firstIndex()) continue;
      const e = log.entry(index);
      if (e === undefined || e.term !== c.term) this.fail(`new leader ${id} lacks committed entry ${index}`);
    }
  }

  private checkLogMatching(
    a: { id: string; core: { log: LogView } },
    b: { id: string; core: { log: LogView } },
  ): void {
    const lo = Math.max(a.core.log.firstIndex(), b.core.log.firstIndex());
    const hi = Math.min(a.core.log.lastIndex(), b.core.log.lastIndex());
    let matchedFrom = -1;
    for (let i = hi; i >= lo; i--) {
      const x = a.core.log.entry(i)!;
      const y = b.core.log.entry(i)!;
      if (matchedFrom < 0 && x.term === y.term) matchedFrom = i;
      if (matchedFrom >= 0 && (x.term !== y.term || JSON.stringify(x.data) !== JSON.stringify(y.data))) {
        this.fail(`logs of ${a.id} and ${b.id} agree at ${matchedFrom} but differ at ${i}`);
        return;
      }
    }
  }

  private fail(message: string): void {
    this.failure ??= new Error(`seed ${this.seed} at ${this.sched.nowMs.toFixed(1)} ms: ${message}`);
  }
}

interface Command {
  key: string;
  value: string;
}

interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  committed: number;
  entry(index: number): Entry | undefined;
}

/**
 * A write whose outcome is unknown and whose value nobody ever read can always be placed after
 * everything else: dropping it keeps the check exact and the search small.
 */
function withoutUnobservedUnknowns(
  history: Operation<RegisterInput, string | undefined>[],
): Operation<RegisterInput, string | undefined>[] {
  const observed = new Set(history.filter((o) => o.input.kind === 'read').map((o) => o.output));
  return history.filter((o) => o.ret !== Infinity || o.input.kind !== 'write' || observed.has(o.input.value));
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
