/**
 * A server's raft: the RaftNode under its Log, the store it keeps (LMDB with fsync in
 * <data_dir>/server/raft, or memory for -dev), and the one decision raft cannot make alone: when to
 * start. A server with stored state starts at once. A new server waits until either the cluster is
 * bootstrapped (bootstrap_expect servers found through gossip, the same voters on every server) or
 * a peer reaches out to it (a candidate of a cluster just bootstrapped, or a leader that added it to
 * a running cluster): then it starts with an empty configuration and learns the voters from the
 * leader's log.
 *
 * Bootstrapping writes the initial voters into the log itself, as one membership entry per voter
 * at term 1 (sorted by ID, so identical on every server), marked committed. A server that joins
 * later receives the same entries from the leader, so every log rebuilds the same configuration.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { NomadError } from '../lib/errors.ts';
import {
  LmdbLogStore,
  MemoryLogStore,
  type LogStore,
  type StoredRaftState,
} from '../raft/driver/log_store.ts';
import { RaftNode, type StateMachine } from '../raft/driver/raft_node.ts';
import { RAFT_MESSAGE_METHOD, RpcRaftTransport } from '../raft/driver/rpc_transport.ts';
import type { ConfigChange, Entry, Member, Message } from '../raft/types.ts';
import type { RpcServer } from '../rpc/rpc.ts';
import type { ServerLogger } from './server.ts';

/** Raft timing: 50 ms ticks; a follower campaigns after 10 to 20 ticks without a leader. */
export const RAFT_TICK_MS = 50;
export const RAFT_ELECTION_TICKS = 10;
/** Nomad's raft_snapshot_threshold default. */
export const RAFT_SNAPSHOT_THRESHOLD = 8192;

export interface ClusterRaftOptions {
  /** '' keeps the log in memory (-dev, or a server without a data_dir). */
  dataDir: string;
  nodeId: string;
  /** The RPC address ("host:port") the other servers reach this one at. */
  rpcAddr: string;
  rpc: RpcServer;
  stateMachine: StateMachine;
  onLeadership: (leader: boolean) => void;
  /** The RPC address of a server by its ID (from gossip), for servers not in the configuration yet. */
  peerAddr: (id: string) => string | undefined;
  logger: ServerLogger;
  snapshotThreshold?: number;
  tickMs?: number;
  electionTicks?: number;
}

/** The server's ID, kept in <data_dir>/server/node-id so that raft knows it again after a restart. */
export function loadOrCreateNodeId(dataDir: string): string {
  if (dataDir === '') return randomUUID();
  const dir = join(dataDir, 'server');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'node-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
    throw new NomadError('bad_request', `The server's node ID in "${file}" is not a UUID: "${id}"`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/** The log entries that make `voters` the initial configuration, identical on every server. */
export function bootstrapEntries(voters: readonly Member[]): Entry[] {
  const sorted = [...voters].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.map((m, i) => {
    const change: ConfigChange = { kind: 'addVoter', id: m.id, addr: m.addr };
    return { index: i + 1, term: 1, type: 'config', data: change };
  });
}

function hasState(s: StoredRaftState): boolean {
  return s.hardState !== undefined || s.snapshot !== undefined || s.entries.length > 0;
}

export class ClusterRaft {
  readonly node: RaftNode;
  readonly store: LogStore;
  readonly #opts: ClusterRaftOptions;
  readonly #transport = new RpcRaftTransport();
  #started = false;
  #starting: Promise<void> | undefined;
  #stopped = false;

  constructor(opts: ClusterRaftOptions) {
    this.#opts = opts;
    this.store =
      opts.dataDir === '' ? new MemoryLogStore() : new LmdbLogStore(join(opts.dataDir, 'server', 'raft'));
    this.node = new RaftNode({
      id: opts.nodeId,
      addr: opts.rpcAddr,
      store: this.store,
      transport: this.#transport,
      fsm: opts.stateMachine,
      bootstrap: undefined,
      tickMs: opts.tickMs ?? RAFT_TICK_MS,
      electionTicks: opts.electionTicks ?? RAFT_ELECTION_TICKS,
      snapshotThreshold: opts.snapshotThreshold ?? RAFT_SNAPSHOT_THRESHOLD,
      onLeadership: opts.onLeadership,
      peerAddr: opts.peerAddr,
      logger: (level, message) => {
        if (level === 'error' || level === 'warn') opts.logger.warn(message);
        else opts.logger.debug(message);
      },
    });
    this.#transport.attach(opts.rpc, this.node);
    // Replaces the transport's handler, so that a peer's first message can start raft.
    opts.rpc.handle(RAFT_MESSAGE_METHOD, (body) => this.#receive(body as Message));
  }

  get started(): boolean {
    return this.#started;
  }

  /** Starts at once when the store holds state (a restart); resolves with whether it started. */
  async startIfStored(): Promise<boolean> {
    const has = hasState(await this.store.load());
    if (has) await this.#start();
    return has;
  }

  /**
   * Bootstraps a new cluster with these voters, unless this server already has state or is
   * already running (a leader reached it first): then the call does nothing and returns false.
   */
  async bootstrap(voters: readonly Member[]): Promise<boolean> {
    if (this.#started || this.#starting !== undefined || this.#stopped) return false;
    let bootstrapped = false;
    // Set before the first await, so a leader's message arriving meanwhile waits for this start.
    this.#starting = (async () => {
      if (!hasState(await this.store.load())) {
        const entries = bootstrapEntries(voters);
        await this.store.save({ hardState: { term: 1, vote: '', commit: entries.length }, entries });
        bootstrapped = true;
        this.#opts.logger.info('raft: cluster bootstrapped', {
          voters: entries.map((e) => (e.data as ConfigChange).id).join(','),
        });
      }
      await this.#run();
    })();
    await this.#starting;
    return bootstrapped;
  }

  #receive(m: Message): void {
    if (this.#stopped) return;
    if (this.#started) {
      this.node.receive(m);
      return;
    }
    // A peer reached us first: its cluster (leader or candidate) counts us in. Start with an empty
    // configuration and learn it from the leader's log; an empty log votes for any candidate.
    this.node.receive(m);
    void this.#start().catch((err: unknown) =>
      this.#opts.logger.warn('raft: cannot start', { error: String(err) }),
    );
  }

  #start(): Promise<void> {
    this.#starting ??= this.#run();
    return this.#starting;
  }

  async #run(): Promise<void> {
    await this.node.start();
    this.#started = true;
    this.#campaignIfAlone();
  }

  /** A lone voter need not wait out an election timeout: it asks itself to campaign now. */
  #campaignIfAlone(): void {
    const s = this.node.status();
    const voters = s.config.voters;
    if (voters.length !== 1 || voters[0]!.id !== s.id || s.role === 'leader') return;
    this.node.receive({ type: 'timeoutNow', from: s.id, to: s.id, term: s.term });
  }

  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#transport.close();
    if (this.#starting !== undefined) await this.#starting.catch(() => undefined);
    if (this.#started) await this.node.shutdown();
    else await this.store.close();
  }
}
