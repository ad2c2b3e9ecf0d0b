/**
 * One simulated server process: a Server whose log is a RaftNode (RaftLog over the FSM, a
 * SimLogStore on the server's SimDisk, raft messages on the SimNetwork), its leader duties switched
 * on and off as raft's leadership comes and goes, and an RPC listener that serves the clients' and
 * the users' calls, forwarding them to the leader when this server does not lead (as
 * src/server/client_rpc.ts does over src/rpc). A crash kills the process: its timers, its pending
 * disk writes and its connections die with it; a restart builds a new process on the same disk.
 */
import { NomadError } from '../lib/errors.ts';
import { rngFromSeed, uuidFrom, type IdSource } from '../lib/random.ts';
import type { FSM } from '../fsm/fsm.ts';
import type { LogEntry } from '../fsm/log_entry.ts';
import { RaftNode } from '../raft/driver/raft_node.ts';
import type { Configuration, Message } from '../raft/types.ts';
import { RaftLog, fsmStateMachine } from '../server/raft_log.ts';
import { Server } from '../server/server.ts';
import type { AllocClientUpdate } from '../server/node_endpoint.ts';
import type { JobInput } from '../structs/canonicalize.ts';
import type { Node, NodeStatus } from '../structs/node.ts';
import { ProcessClock } from './sim_clock.ts';
import { SimLogStore, type SimDisk } from './sim_disk.ts';
import type { SimNetwork } from './sim_network.ts';
import { DefiniteError, isRpcMessage, SimRpcEndpoint } from './sim_rpc.ts';
import type { SimScheduler } from './sim_scheduler.ts';

/** Raft timing in the simulation: 50 ms ticks, elections after 10 to 20 ticks. */
export const SIM_RAFT_TICK_MS = 50;
export const SIM_RAFT_ELECTION_TICKS = 10;
/** Small, so that snapshots, compaction and InstallSnapshot happen in every run. */
export const SIM_SNAPSHOT_THRESHOLD = 96;
/** How long a follower waits for the leader's answer to a forwarded call. */
export const FORWARD_TIMEOUT_MS = 3_000;
/** Extra time a forwarded blocking query may take beyond its wait. */
export const BLOCKING_SLACK_MS = 2_000;
/** A call is forwarded at most this many times (leaders change while calls travel). */
export const FORWARD_HOPS_MAX = 2;

/** The methods a simulated server answers: Nomad's client RPCs and the job calls users make. */
export type SimMethod =
  | 'Node.Register'
  | 'Node.UpdateStatus'
  | 'Node.GetClientAllocs'
  | 'Alloc.GetAllocs'
  | 'Node.UpdateAlloc'
  | 'Job.Register'
  | 'Job.Scale'
  | 'Job.Deregister'
  | 'Job.GetJob';

export interface Envelope {
  args: Record<string, unknown>;
  hops: number;
}

export interface ServerProcessOptions {
  id: string;
  peers: readonly string[];
  sched: SimScheduler;
  net: SimNetwork;
  disk: SimDisk;
  seed: number;
  incarnation: number;
  skew: { rate: number; offsetMs: number };
  heartbeat: { minTtlMs: number; graceMs: number; failoverTtlMs: number };
  /** Called after this server's FSM applied an entry (the checks watch every server). */
  onApplied: (p: ServerProcess, index: number, entry: LogEntry) => void;
  /** A handler failed with something other than a NomadError: a bug, reported by the simulation. */
  onBug: (p: ServerProcess, message: string) => void;
}

export class ServerProcess {
  readonly id: string;
  readonly incarnation: number;
  readonly clock: ProcessClock;
  readonly server: Server;
  readonly raft: RaftNode;
  readonly rpc: SimRpcEndpoint;
  readonly #o: ServerProcessOptions;
  /** Leadership changes run one after another: establishing must finish before revoking starts. */
  #transitions: Promise<void> = Promise.resolve();
  #alive = true;

  private constructor(o: ServerProcessOptions) {
    this.#o = o;
    this.id = o.id;
    this.incarnation = o.incarnation;
    this.clock = new ProcessClock(o.sched, o.skew);
    const tag = `${o.seed}-${o.id}-${o.incarnation}`;
    const config: Configuration = { voters: o.peers.map((p) => ({ id: p, addr: p })), learners: [] };
    let raft: RaftNode | undefined;
    this.server = new Server({
      clock: this.clock,
      ids: seededIds(`${tag}-ids`),
      rng: rngFromSeed(`${tag}-server`),
      numSchedulers: 2,
      heartbeat: o.heartbeat,
      logFactory: (fsm: FSM) => {
        raft = new RaftNode({
          id: o.id,
          addr: o.id,
          store: new SimLogStore(o.disk, o.sched, rngFromSeed(`${tag}-disk`)),
          transport: { send: (to, m: Message) => o.net.send(o.id, to.id, m) },
          fsm: fsmStateMachine(fsm),
          bootstrap: config,
          tickMs: SIM_RAFT_TICK_MS,
          electionTicks: SIM_RAFT_ELECTION_TICKS,
          snapshotThreshold: SIM_SNAPSHOT_THRESHOLD,
          onLeadership: (leader) => this.#leadership(leader),
          clock: this.clock,
          defer: this.clock.defer,
          rng: rngFromSeed(`${tag}-raft`),
        });
        return new RaftLog(raft, fsm);
      },
    });
    this.raft = raft!;
    this.server.fsm.addHooks({ applied: (index, entry) => o.onApplied(this, index, entry) });
    // Raft messages and RPCs share the node's address, as they share port 4647 in Nomad.
    this.rpc = new SimRpcEndpoint({
      addr: o.id,
      net: o.net,
      clock: this.clock,
      incarnation: o.incarnation,
      handler: (method, body) => this.#handle(method as SimMethod, body as Envelope),
    });
    o.net.listen(o.id, (from, msg) => {
      if (isRpcMessage(msg)) this.rpc.receive(from, msg);
      else this.raft.receive(msg as Message);
    });
  }

  static async start(o: ServerProcessOptions): Promise<ServerProcess> {
    const p = new ServerProcess(o);
    await p.raft.start();
    return p;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Kills the process: nothing it started runs on, and writes not yet on disk are lost. */
  crash(): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.clock.kill();
    this.rpc.close();
    this.#o.net.unlisten(this.id);
    this.raft.halt();
    this.#o.disk.crash();
    // Nothing of a dead process may run on: stop the leader's loops without touching the log.
    void this.server.revokeLeadership();
  }

  #leadership(leader: boolean): void {
    this.#transitions = this.#transitions.then(async () => {
      if (!this.#alive) return;
      if (leader) await this.server.establishLeadership();
      else await this.server.revokeLeadership();
    });
  }

  async #handle(method: SimMethod, env: Envelope): Promise<unknown> {
    if (!this.#alive) throw new NomadError('unavailable', 'The server is gone');
    try {
      if (this.server.isLeader()) return await this.#local(method, env.args);
      return await this.#forward(method, env);
    } catch (err) {
      if (!(err instanceof NomadError)) {
        this.#o.onBug(
          this,
          `${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
      }
      throw err;
    }
  }

  async #forward(method: SimMethod, env: Envelope): Promise<unknown> {
    const leader = this.raft.status().leader;
    if (leader === '' || leader === this.id) throw new DefiniteError('unavailable', 'No cluster leader');
    if (env.hops >= FORWARD_HOPS_MAX)
      throw new DefiniteError('unavailable', `Forwarded ${env.hops} times without reaching the leader`);
    const timeoutMs =
      method === 'Node.GetClientAllocs' ? Number(env.args['waitMs']) + BLOCKING_SLACK_MS : FORWARD_TIMEOUT_MS;
    return this.rpc.call(leader, method, { args: env.args, hops: env.hops + 1 }, timeoutMs);
  }

  async #local(method: SimMethod, a: Record<string, unknown>): Promise<unknown> {
    const s = this.server;
    switch (method) {
      case 'Node.Register':
        return s.nodes.registerNode(a['node'] as Node);
      case 'Node.UpdateStatus':
        return s.nodes.updateNodeStatus(a['nodeId'] as string, a['status'] as NodeStatus);
      case 'Node.GetClientAllocs':
        return s.nodes.getClientAllocs(a['nodeId'] as string, {
          minIndex: a['minIndex'] as number,
          waitMs: a['waitMs'] as number,
        });
      case 'Alloc.GetAllocs':
        return s.nodes.getAllocs(a['ids'] as string[]);
      case 'Node.UpdateAlloc':
        return s.nodes.updateAllocs(a['updates'] as AllocClientUpdate[]);
      default:
        return this.#job(method, a);
    }
  }

  /**
   * Job calls read the leader's state before they write (does the job exist, which version), so
   * the leader first confirms with a quorum that it still leads and has applied everything
   * committed (a ReadIndex barrier): a deposed leader answers nothing, stale or otherwise.
   */
  async #job(method: SimMethod, a: Record<string, unknown>): Promise<unknown> {
    try {
      await this.raft.barrier();
    } catch (err) {
      throw new DefiniteError('unavailable', `Cannot confirm leadership: ${(err as Error).message}`);
    }
    const s = this.server;
    const jobId = a['jobId'] as string;
    switch (method) {
      case 'Job.Register':
        return s.jobs.register({ job: a['job'] as JobInput });
      case 'Job.Scale':
        return s.jobs.scale({ jobId, group: a['group'] as string, count: a['count'] as number });
      case 'Job.Deregister':
        return s.jobs.deregister({ jobId });
      case 'Job.GetJob':
        return (await s.jobReads.getJob({ jobId })).value;
      default:
        throw new NomadError('method_not_allowed', `Unknown method "${method}"`);
    }
  }
}

function seededIds(seed: string): IdSource {
  const rng = rngFromSeed(seed);
  return { uuid: () => uuidFrom(rng) };
}
