/**
 * A server in a cluster: the Server on raft (ClusterRaft under a RaftLog), the RPC listener that
 * carries raft messages, the clients' RPCs and the servers' own calls, gossip among the servers
 * (membership, bootstrap_expect, join), autopilot on the leader, and leader duties switched on
 * and off as raft's leadership comes and goes. -dev is the same with an in-memory log and a
 * single voter.
 */
import { networkInterfaces } from 'node:os';
import { NomadError } from '../lib/errors.ts';
import { rngFromSeed } from '../lib/random.ts';
import type { FSM } from '../fsm/fsm.ts';
import { Gossip, defaultGossipTimings, type GossipConfig } from './gossip/gossip.ts';
import { RpcClient, RpcServer } from '../rpc/rpc.ts';
import type { Configuration, Member as RaftMember } from '../raft/types.ts';
import { Autopilot, type GossipServer, type RaftStats } from './autopilot.ts';
import { ClientRpcService } from './client_rpc.ts';
import { ClusterRaft } from './cluster_raft.ts';
import { AUTOPILOT_DEFAULTS, ClusterStateMachine, type AutopilotConfig } from './cluster_state_machine.ts';
import { RaftLog } from './raft_log.ts';
import { Server, type ServerConfig, type ServerLogger } from './server.ts';
import { gossipServer, serverTags, type ServerTagsInput } from './cluster_members.ts';

/** How long a call waits for a leader to be elected before answering "No cluster leader" (Nomad's RPC hold timeout). */
export const LEADER_WAIT_MS = 5_000;
/** How long a graceful leave waits for the leader to take this server out of raft. */
export const LEAVE_WAIT_MS = 5_000;
/** How often a server that has not bootstrapped looks for bootstrap_expect servers. */
export const BOOTSTRAP_CHECK_MS = 500;
const STATS_TIMEOUT_MS = 500;
const POLL_MS = 50;

export const RPC_RAFT_STATS = 'Status.RaftStats';
/** Where the leader is: { rpcAddr, httpAddr } ('' when unknown); client-only agents forward HTTP there. */
export const RPC_STATUS_LEADER = 'Status.Leader';

export interface RaftStatsReply extends RaftStats {
  started: boolean;
  config: Configuration;
}

export interface ServerClusterOptions {
  server: Omit<ServerConfig, 'logFactory'>;
  /** The agent's name; the gossip member is "<name>.<region>". */
  name: string;
  /** '' keeps raft in memory. */
  dataDir: string;
  nodeId: string;
  bootstrapExpect: number;
  devMode: boolean;
  rpc: { bind: string; port: number; advertise: string };
  serf: { bind: string; port: number; advertise: string };
  join: { addresses: string[]; retryMax: number; retryIntervalMs: number };
  autopilot: AutopilotConfig;
  build: string;
  logger: ServerLogger;
  gossip?: Partial<GossipConfig>;
  snapshotThreshold?: number;
}

export class ServerCluster {
  readonly server: Server;
  readonly raft: ClusterRaft;
  readonly machine: ClusterStateMachine;
  readonly rpc: RpcServer;
  readonly gossip: Gossip;
  readonly clientRpc: ClientRpcService;
  readonly autopilot: Autopilot;
  readonly nodeId: string;
  readonly rpcAddr: string;
  readonly #o: ServerClusterOptions;
  readonly #peers = new Map<string, RpcClient>();
  #transitions: Promise<void> = Promise.resolve();
  #timers: ReturnType<typeof setInterval>[] = [];
  #httpAddr = '';
  #stopped = false;
  #bootstrapping = false;
  #leadershipWaiters: (() => void)[] = [];

  /** Binds the RPC listener first: raft's address must be known before raft is built. */
  static async create(o: ServerClusterOptions): Promise<ServerCluster> {
    const rpc = new RpcServer();
    const port = await rpc.listen(o.rpc.bind, o.rpc.port);
    return new ServerCluster(o, rpc, `${o.rpc.advertise}:${port}`);
  }

  private constructor(o: ServerClusterOptions, rpc: RpcServer, rpcAddr: string) {
    this.#o = o;
    this.rpc = rpc;
    this.rpcAddr = rpcAddr;
    this.nodeId = o.nodeId;
    let raft: ClusterRaft | undefined;
    let machine: ClusterStateMachine | undefined;
    this.server = new Server({
      ...o.server,
      logFactory: (fsm: FSM) => {
        machine = new ClusterStateMachine(fsm, (index) => this.#restored(index));
        raft = new ClusterRaft({
          dataDir: o.dataDir,
          nodeId: o.nodeId,
          rpcAddr,
          rpc,
          stateMachine: machine,
          onLeadership: (leader) => this.#leadership(leader),
          peerAddr: (id) => this.gossipServers().find((g) => g.id === id)?.rpcAddr,
          logger: o.logger,
          ...(o.snapshotThreshold === undefined ? {} : { snapshotThreshold: o.snapshotThreshold }),
        });
        return new RaftLog(raft.node, fsm);
      },
    });
    this.raft = raft!;
    this.machine = machine!;
    this.gossip = new Gossip({
      ...defaultGossipTimings(),
      name: `${o.name}.${this.server.region}`,
      bindAddr: o.serf.bind,
      port: o.serf.port,
      advertiseAddr: o.serf.advertise,
      tags: serverTags(this.#tagInput()),
      rng: rngFromSeed(`${o.nodeId}-${Date.now()}`),
      logger: (level, message) => (level === 'debug' ? o.logger.debug(message) : o.logger.info(message)),
      ...o.gossip,
    });
    this.clientRpc = new ClientRpcService(this.server.nodes, {
      isLeader: () => this.isLeader(),
      leaderRpcAddr: () => this.leaderRpcAddr(),
      waitForLeader: (ms) => this.waitForLeader(ms),
      servers: () => this.serverRpcAddrs(),
    });
    this.clientRpc.register(rpc);
    rpc.handle(RPC_RAFT_STATS, () => this.raftStats());
    rpc.handle(RPC_STATUS_LEADER, async () => {
      await this.waitForLeader(LEADER_WAIT_MS);
      return { rpcAddr: this.leaderRpcAddr(), httpAddr: this.leaderHttpAddr() };
    });
    this.autopilot = new Autopilot({
      selfId: o.nodeId,
      region: this.server.region,
      clock: this.server.clock,
      logger: o.logger,
      config: () => this.autopilotConfig(),
      raft: () => {
        const s = this.raft.node.status();
        return { config: s.config, term: s.term, lastIndex: s.lastIndex, isLeader: this.isLeader() };
      },
      stats: (_id, addr) => this.#call<RaftStatsReply>(addr, RPC_RAFT_STATS, STATS_TIMEOUT_MS),
      gossip: () => this.gossipServers(),
      changeConfig: (change) => this.raft.node.changeConfig(change),
      markLeft: (name) => void this.gossip.forceLeave(name),
    });
  }

  #tagInput(): ServerTagsInput {
    const [host, port] = splitHostPort(this.rpcAddr);
    return {
      region: this.server.region,
      datacenter: this.server.datacenter,
      build: this.#o.build,
      rpcHost: host,
      rpcPort: port,
      id: this.nodeId,
      bootstrapExpect: this.#o.bootstrapExpect,
      httpAddr: this.#httpAddr,
    };
  }

  /** Starts raft (at once when it has state), gossip, joining, and the bootstrap watch. */
  async start(): Promise<void> {
    const stored = await this.raft.startIfStored();
    await this.gossip.start();
    this.gossip.onEvent(() => void this.#maybeBootstrap());
    if (!stored && (this.#o.devMode || this.#o.bootstrapExpect === 1)) {
      await this.raft.bootstrap([{ id: this.nodeId, addr: this.rpcAddr }]);
    }
    if (!this.raft.started) this.#every(BOOTSTRAP_CHECK_MS, () => void this.#maybeBootstrap());
    if (this.#o.join.addresses.length > 0) void this.#joinWithRetry();
    if (this.#o.devMode) await this.waitForLeader(LEADER_WAIT_MS);
  }

  /** The HTTP address to advertise in gossip (known once the HTTP listener is bound). */
  setHttpAddr(addr: string): void {
    this.#httpAddr = addr;
    this.gossip.setTags(serverTags(this.#tagInput()));
  }

  isLeader(): boolean {
    return this.server.isLeader() && this.raft.started && this.raft.node.isLeader();
  }

  /** The leader's RPC address, '' when none is known. */
  leaderRpcAddr(): string {
    if (!this.raft.started) return '';
    const s = this.raft.node.status();
    if (s.leader === '') return '';
    return s.leader === this.nodeId ? this.rpcAddr : s.leaderAddr;
  }

  /** The leader's HTTP address from its gossip tags ('' when unknown). */
  leaderHttpAddr(): string {
    if (!this.raft.started) return '';
    const leader = this.raft.node.status().leader;
    if (leader === '') return '';
    if (leader === this.nodeId) return this.#httpAddr;
    return this.gossip.list().find((m) => m.tags['id'] === leader)?.tags['http_addr'] ?? '';
  }

  /** Milliseconds since the leader was last heard from: 0 on the leader. */
  lastContactMs(): number {
    if (!this.raft.started) return 0;
    const s = this.raft.node.status();
    if (s.role === 'leader') return 0;
    return s.lastContactMs === 0 ? 0 : Math.max(0, this.server.clock.nowMs() - s.lastContactMs);
  }

  /** Resolves true once this server leads or another leader is known, false after waitMs. */
  async waitForLeader(waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.isLeader()) return true;
      const addr = this.leaderRpcAddr();
      if (addr !== '' && addr !== this.rpcAddr) return true;
      if (this.#stopped || Date.now() >= deadline) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        this.#leadershipWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  raftStats(): RaftStatsReply {
    if (!this.raft.started) {
      return {
        started: false,
        lastContactMs: 0,
        term: 0,
        lastIndex: 0,
        config: { voters: [], learners: [] },
      };
    }
    const s = this.raft.node.status();
    return {
      started: true,
      lastContactMs: this.lastContactMs(),
      term: s.term,
      lastIndex: s.lastIndex,
      config: s.config,
    };
  }

  /** The servers of this region as gossip knows them. */
  gossipServers(): GossipServer[] {
    return this.gossip
      .list()
      .map(gossipServer)
      .filter((g): g is GossipServer => g !== undefined);
  }

  /** RPC addresses of the live servers of this region, for clients (the heartbeat's server list). */
  serverRpcAddrs(): string[] {
    const live = this.gossipServers().filter((g) => g.status === 'alive' && g.region === this.server.region);
    const addrs = live.map((g) => g.rpcAddr);
    return addrs.includes(this.rpcAddr) ? addrs : [this.rpcAddr, ...addrs];
  }

  autopilotConfig(): AutopilotConfig {
    return this.machine.autopilot ?? this.#o.autopilot ?? AUTOPILOT_DEFAULTS;
  }

  /** Joins the gossip pool through the given addresses ("host" or "host:port"). */
  join(addresses: readonly string[]): Promise<number> {
    return this.gossip.join(addresses.map((a) => (/:\d+$/.test(a) ? a : `${a}:4648`)));
  }

  async #joinWithRetry(): Promise<void> {
    const { addresses, retryMax, retryIntervalMs } = this.#o.join;
    for (let attempt = 1; !this.#stopped; attempt++) {
      const n = await this.join(addresses);
      if (n > 0) {
        this.#o.logger.info('agent: join completed', { num_joined: n });
        return;
      }
      if (retryMax > 0 && attempt >= retryMax) {
        this.#o.logger.warn('agent: max join retry exhausted', { attempts: attempt });
        return;
      }
      this.#o.logger.warn('agent: join failed, retrying', { retry_interval_ms: retryIntervalMs });
      await new Promise((r) => setTimeout(r, retryIntervalMs).unref());
    }
  }

  /** bootstrap_expect: once that many servers of this region are known and none runs raft yet, bootstrap. */
  async #maybeBootstrap(): Promise<void> {
    const expect = this.#o.bootstrapExpect;
    if (this.raft.started || this.#bootstrapping || expect < 1 || this.#stopped) return;
    const servers = this.gossipServers().filter(
      (g) => g.status === 'alive' && g.region === this.server.region,
    );
    if (servers.length < expect) return;
    const conflicting = servers.find((g) => g.expect !== expect);
    if (conflicting !== undefined) {
      this.#o.logger.warn('nomad: member has a conflicting expect value; not bootstrapping', {
        member: conflicting.name,
        expect: conflicting.expect,
      });
      return;
    }
    this.#bootstrapping = true;
    try {
      for (const g of servers) {
        if (g.id === this.nodeId) continue;
        const stats = await this.#call<RaftStatsReply>(g.rpcAddr, RPC_RAFT_STATS, STATS_TIMEOUT_MS);
        // Someone runs raft already: this server is (or will be) added by its leader.
        if (stats.started) return;
      }
      const voters: RaftMember[] = servers.map((g) => ({ id: g.id, addr: g.rpcAddr }));
      await this.raft.bootstrap(voters);
    } catch (err) {
      this.#o.logger.debug('nomad: bootstrap check failed; will retry', { error: String(err) });
    } finally {
      this.#bootstrapping = false;
    }
  }

  #leadership(leader: boolean): void {
    this.#transitions = this.#transitions
      .then(async () => {
        if (this.#stopped) return;
        if (leader) {
          await this.server.establishLeadership();
          this.autopilot.start();
          this.#o.logger.info('cluster leadership acquired');
        } else {
          this.autopilot.stop();
          await this.server.revokeLeadership();
          this.#o.logger.info('cluster leadership lost');
        }
        for (const w of this.#leadershipWaiters.splice(0)) w();
      })
      .catch((err: unknown) =>
        this.#o.logger.warn('nomad: leadership transition failed', { error: String(err) }),
      );
  }

  /** A snapshot restore replaced the state: the leader's machinery is rebuilt from it. */
  #restored(index: number): void {
    this.server.indexes.advanced(index);
    if (!this.server.isLeader()) return;
    this.#transitions = this.#transitions
      .then(async () => {
        await this.server.revokeLeadership();
        if (this.raft.node.isLeader()) await this.server.establishLeadership();
      })
      .catch((err: unknown) =>
        this.#o.logger.warn('nomad: rebuilding after restore failed', { error: String(err) }),
      );
  }

  async #call<T>(addr: string, method: string, timeoutMs: number): Promise<T> {
    let c = this.#peers.get(addr);
    if (c === undefined) {
      c = new RpcClient(addr);
      this.#peers.set(addr, c);
    }
    return (await c.call(method, {}, { timeoutMs })) as T;
  }

  /**
   * Graceful leave (leave_on_interrupt / leave_on_terminate): a leader takes itself out of raft;
   * a follower announces its leave in gossip and waits for the leader to remove it.
   */
  async leave(): Promise<void> {
    const self = this.nodeId;
    const inConfig = (c: Configuration): boolean => [...c.voters, ...c.learners].some((m) => m.id === self);
    if (this.raft.started && this.raft.node.isLeader()) {
      const s = this.raft.node.status();
      if (s.config.voters.length > 1 && inConfig(s.config)) {
        await this.raft.node
          .changeConfig({ kind: 'remove', id: self, addr: '' })
          .catch((err: unknown) =>
            this.#o.logger.warn('nomad: cannot remove self from raft', { error: String(err) }),
          );
      }
    }
    await this.gossip.leave();
    const deadline = Date.now() + LEAVE_WAIT_MS;
    while (this.raft.started && Date.now() < deadline) {
      const leader = this.leaderRpcAddr();
      if (leader === '' || leader === this.rpcAddr) break;
      const stats = await this.#call<RaftStatsReply>(leader, RPC_RAFT_STATS, STATS_TIMEOUT_MS).catch(
        () => undefined,
      );
      if (stats !== undefined && !inConfig(stats.config)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.autopilot.stop();
    for (const w of this.#leadershipWaiters.splice(0)) w();
    await this.#transitions;
    await this.server.revokeLeadership();
    await this.raft.shutdown();
    this.clientRpc.close();
    for (const c of this.#peers.values()) c.close();
    await this.gossip.shutdown();
    await this.rpc.close();
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.push(t);
  }
}

function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), Number(addr.slice(i + 1))];
}

/** The address others reach this host at when it binds every interface: its first non-internal IPv4. */
export function advertiseHost(bind: string): string {
  if (bind !== '0.0.0.0' && bind !== '::') return bind;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function noLeaderError(): NomadError {
  return new NomadError('unavailable', 'No cluster leader');
}
