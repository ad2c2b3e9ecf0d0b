/**
 * Autopilot, on the leader (as Nomad's, from hashicorp/raft-autopilot): every interval it asks
 * each server in the raft configuration for its raft stats, judges its health, and then makes at
 * most one membership change:
 *   - a server gossip knows (alive, same region) but raft does not is added as a non-voter;
 *   - a server that left gossip gracefully is removed from raft;
 *   - with cleanup_dead_servers, a failed server is removed when the remaining voters keep a
 *     quorum (and at least min_quorum voters stay), and gossip marks it left;
 *   - a non-voter that has been healthy for server_stabilization_time becomes a voter.
 * One change at a time, because raft takes one at a time.
 */
import type { Clock } from '../lib/clock.ts';
import { majority } from '../raft/config.ts';
import type { ConfigChange, Configuration } from '../raft/types.ts';
import type { AutopilotConfig } from './cluster_state_machine.ts';
import type { ServerLogger } from './server.ts';

/** How often the leader runs autopilot. */
export const AUTOPILOT_INTERVAL_MS = 1_000;

/** What a server reports of its raft (Status.RaftStats), and what the leader knows of itself. */
export interface RaftStats {
  /** Milliseconds since the server last heard from a leader (0 on the leader). */
  lastContactMs: number;
  term: number;
  lastIndex: number;
}

/** A server as gossip knows it. */
export interface GossipServer {
  id: string;
  name: string;
  rpcAddr: string;
  region: string;
  status: 'alive' | 'failed' | 'left';
  build: string;
  /** Its bootstrap_expect. */
  expect: number;
}

export interface ServerHealth {
  id: string;
  name: string;
  address: string;
  serfStatus: string;
  version: string;
  leader: boolean;
  voter: boolean;
  healthy: boolean;
  lastContactMs: number;
  lastTerm: number;
  lastIndex: number;
  /** When the server last changed between healthy and unhealthy (Unix ms). */
  stableSinceMs: number;
}

export interface AutopilotHealth {
  healthy: boolean;
  failureTolerance: number;
  leader: string;
  voters: string[];
  servers: ServerHealth[];
}

export interface AutopilotDeps {
  selfId: string;
  region: string;
  clock: Clock;
  logger: ServerLogger;
  config(): AutopilotConfig;
  raft(): { config: Configuration; term: number; lastIndex: number; isLeader: boolean };
  /** Asks a server for its stats; rejects when it does not answer. */
  stats(id: string, addr: string): Promise<RaftStats>;
  gossip(): GossipServer[];
  changeConfig(change: ConfigChange): Promise<unknown>;
  /** Marks a server removed from raft as left in gossip. */
  markLeft(name: string): void;
}

export class Autopilot {
  readonly #d: AutopilotDeps;
  readonly #stable = new Map<string, { healthy: boolean; sinceMs: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running = false;

  constructor(deps: AutopilotDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.runOnce(), AUTOPILOT_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stable.clear();
  }

  /** The health of every server now (asks each for its stats). */
  health(): Promise<AutopilotHealth> {
    return this.#computeHealth();
  }

  /** One round: refresh health, then at most one membership change. */
  async runOnce(): Promise<void> {
    if (this.#running || !this.#d.raft().isLeader) return;
    this.#running = true;
    try {
      const change = this.#nextChange(await this.#computeHealth());
      if (change === undefined) return;
      this.#d.logger.info('autopilot: changing the raft configuration', {
        kind: change.change.kind,
        id: change.change.id,
        reason: change.reason,
      });
      await this.#d.changeConfig(change.change);
      if (change.markLeft !== undefined) this.#d.markLeft(change.markLeft);
    } catch (err) {
      this.#d.logger.warn('autopilot: round failed', { error: String(err) });
    } finally {
      this.#running = false;
    }
  }

  async #computeHealth(): Promise<AutopilotHealth> {
    const r = this.#d.raft();
    const cfg = this.#d.config();
    const gossip = new Map(this.#d.gossip().map((g) => [g.id, g]));
    const members = [
      ...r.config.voters.map((m) => ({ ...m, voter: true })),
      ...r.config.learners.map((m) => ({ ...m, voter: false })),
    ];
    const now = this.#d.clock.nowMs();
    const servers = await Promise.all(
      members.map(async (m): Promise<ServerHealth> => {
        const self = m.id === this.#d.selfId;
        const stats: RaftStats | undefined = self
          ? { lastContactMs: 0, term: r.term, lastIndex: r.lastIndex }
          : await this.#d.stats(m.id, m.addr).catch(() => undefined);
        const g = gossip.get(m.id);
        const serfStatus = g?.status ?? 'none';
        const healthy =
          stats !== undefined &&
          serfStatus === 'alive' &&
          stats.lastContactMs <= cfg.lastContactThresholdMs &&
          stats.term === r.term &&
          (stats.lastIndex > 0 || r.lastIndex === 0) &&
          stats.lastIndex + cfg.maxTrailingLogs >= r.lastIndex;
        const prev = this.#stable.get(m.id);
        const since = prev !== undefined && prev.healthy === healthy ? prev.sinceMs : now;
        this.#stable.set(m.id, { healthy, sinceMs: since });
        return {
          id: m.id,
          name: g?.name ?? '',
          address: m.addr,
          serfStatus,
          version: g?.build ?? '',
          leader: self && r.isLeader,
          voter: m.voter,
          healthy,
          lastContactMs: stats?.lastContactMs ?? -1,
          lastTerm: stats?.term ?? 0,
          lastIndex: stats?.lastIndex ?? 0,
          stableSinceMs: since,
        };
      }),
    );
    for (const id of [...this.#stable.keys()]) if (!members.some((m) => m.id === id)) this.#stable.delete(id);
    const voters = servers.filter((s) => s.voter);
    const healthyVoters = voters.filter((s) => s.healthy).length;
    return {
      healthy: servers.every((s) => s.healthy),
      failureTolerance: Math.max(0, healthyVoters - majority(voters.length)),
      leader: r.isLeader ? this.#d.selfId : '',
      voters: voters.map((s) => s.id),
      servers,
    };
  }

  #nextChange(h: AutopilotHealth): { change: ConfigChange; reason: string; markLeft?: string } | undefined {
    const r = this.#d.raft();
    const cfg = this.#d.config();
    const inRaft = new Set([...r.config.voters, ...r.config.learners].map((m) => m.id));
    const gossip = this.#d.gossip();
    for (const g of gossip) {
      if (g.status === 'alive' && g.region === this.#d.region && g.id !== '' && !inRaft.has(g.id)) {
        return { change: { kind: 'addLearner', id: g.id, addr: g.rpcAddr }, reason: 'new server' };
      }
    }
    for (const g of gossip) {
      if (g.status === 'left' && inRaft.has(g.id) && g.id !== this.#d.selfId) {
        return { change: { kind: 'remove', id: g.id, addr: '' }, reason: 'server left' };
      }
    }
    const dead = this.#deadToRemove(h, gossip);
    if (cfg.cleanupDeadServers && dead !== undefined) {
      return {
        change: { kind: 'remove', id: dead.id, addr: '' },
        reason: 'dead server',
        markLeft: dead.name,
      };
    }
    const now = this.#d.clock.nowMs();
    for (const s of h.servers) {
      if (s.voter || !s.healthy || now - s.stableSinceMs < cfg.serverStabilizationTimeMs) continue;
      return { change: { kind: 'addVoter', id: s.id, addr: s.address }, reason: 'stable non-voter' };
    }
    return undefined;
  }

  /** A failed server whose removal leaves enough healthy voters to keep a quorum, if any. */
  #deadToRemove(h: AutopilotHealth, gossip: readonly GossipServer[]): GossipServer | undefined {
    const failed = gossip.filter(
      (g) => g.status === 'failed' && g.id !== this.#d.selfId && h.servers.some((s) => s.id === g.id),
    );
    const first = failed[0];
    if (first === undefined) return undefined;
    const voters = h.servers.filter((s) => s.voter);
    const isVoter = voters.some((s) => s.id === first.id);
    if (!isVoter) return first;
    const remaining = voters.length - 1;
    const aliveRemaining = voters.filter((s) => s.id !== first.id && s.serfStatus === 'alive').length;
    if (remaining < this.#d.config().minQuorum) return undefined;
    // The change must commit without the dead server, and the rest must still form a quorum.
    return aliveRemaining >= majority(voters.length) && aliveRemaining >= majority(remaining)
      ? first
      : undefined;
  }
}
