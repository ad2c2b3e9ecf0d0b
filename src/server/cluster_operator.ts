/**
 * The operator's view of the servers (`nomad operator raft|autopilot|snapshot`): the raft
 * configuration with names from gossip, removing a peer, handing leadership over, autopilot's
 * settings (kept in raft) and health, and snapshots of the whole state that can be saved to a file
 * and restored through the log. Every call here runs on the leader: the HTTP layer forwards.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { NomadError } from '../lib/errors.ts';
import { NotLeaderError } from '../raft/raft.ts';
import type { AutopilotHealth } from './autopilot.ts';
import type { ServerCluster } from './cluster.ts';
import type { AutopilotConfig, ClusterEntry, ServerSnapshotData } from './cluster_state_machine.ts';

/** How long a leadership transfer may take before the call gives up. */
export const TRANSFER_WAIT_MS = 5_000;
/** The largest snapshot file accepted for a restore, uncompressed. */
export const SNAPSHOT_BYTES_MAX = 512 * 1024 * 1024;
const SNAPSHOT_FORMAT = 'nomad-ts-snapshot';

export interface RaftServerView {
  id: string;
  node: string;
  address: string;
  leader: boolean;
  voter: boolean;
}

/** What a snapshot file holds: the state at one raft index. */
interface SnapshotFile {
  Format: string;
  Version: number;
  Index: number;
  Term: number;
  State: ServerSnapshotData;
}

export class ClusterOperator {
  readonly #c: ServerCluster;

  constructor(cluster: ServerCluster) {
    this.#c = cluster;
  }

  #requireLeader(): void {
    if (!this.#c.isLeader())
      throw new NotLeaderError(this.#c.raft.started ? this.#c.raft.node.status().leader : '');
  }

  raftConfiguration(): { servers: RaftServerView[]; index: number } {
    if (!this.#c.raft.started) return { servers: [], index: 0 };
    const s = this.#c.raft.node.status();
    const names = new Map(this.#c.gossipServers().map((g) => [g.id, g.name]));
    const row = (voter: boolean) => (m: { id: string; addr: string }) => ({
      id: m.id,
      node: names.get(m.id) ?? '(unknown)',
      address: m.addr,
      leader: m.id === s.leader,
      voter,
    });
    return {
      servers: [...s.config.voters.map(row(true)), ...s.config.learners.map(row(false))],
      index: s.commitIndex,
    };
  }

  async removePeer(id: string): Promise<void> {
    this.#requireLeader();
    const c = this.#c.raft.node.status().config;
    if (![...c.voters, ...c.learners].some((m) => m.id === id)) {
      throw new NomadError('not_found', `id "${id}" was not found in the Raft configuration`);
    }
    await this.#c.raft.node.changeConfig({ kind: 'remove', id, addr: '' });
  }

  async transferLeadership(id: string): Promise<void> {
    this.#requireLeader();
    const s = this.#c.raft.node.status();
    if (id === s.id) throw new NomadError('bad_request', `Server "${id}" is already the leader`);
    if (!s.config.voters.some((m) => m.id === id)) {
      throw new NomadError('bad_request', `Cannot transfer leadership to "${id}": it is not a voter`);
    }
    this.#c.raft.node.transferLeadership(id);
    const deadline = Date.now() + TRANSFER_WAIT_MS;
    while (Date.now() < deadline) {
      if (this.#c.raft.node.status().leader === id) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new NomadError('timeout', `Leadership did not move to "${id}" within ${TRANSFER_WAIT_MS} ms`);
  }

  autopilotConfig(): AutopilotConfig {
    return this.#c.autopilotConfig();
  }

  /** Stores a new configuration through raft; false when cas does not match the stored ModifyIndex. */
  async setAutopilotConfig(config: AutopilotConfig, cas: number | null): Promise<boolean> {
    this.#requireLeader();
    const entry: ClusterEntry = { type: 'AutopilotSetConfig', config, cas };
    const r = await this.#c.raft.node.propose(entry);
    return r.result === true;
  }

  autopilotHealth(): Promise<AutopilotHealth> {
    this.#requireLeader();
    return this.#c.autopilot.health();
  }

  /** The state at the leader's latest committed index, gzipped JSON. */
  async snapshotSave(): Promise<Buffer> {
    this.#requireLeader();
    await this.#c.raft.node.barrier();
    const s = this.#c.raft.node.status();
    const file: SnapshotFile = {
      Format: SNAPSHOT_FORMAT,
      Version: 1,
      Index: s.appliedIndex,
      Term: s.term,
      State: this.#c.machine.snapshot(),
    };
    return gzipSync(JSON.stringify(file));
  }

  /** Replaces the whole state with a saved one, as one log entry every server applies. */
  async snapshotRestore(data: Buffer): Promise<void> {
    this.#requireLeader();
    let file: SnapshotFile;
    try {
      const text = gunzipSync(data, { maxOutputLength: SNAPSHOT_BYTES_MAX }).toString('utf8');
      file = JSON.parse(text) as SnapshotFile;
    } catch (err) {
      throw new NomadError('bad_request', `Invalid snapshot: not a saved Nomad state (${String(err)})`, {
        cause: err,
      });
    }
    if (
      file.Format !== SNAPSHOT_FORMAT ||
      typeof file.State?.state !== 'object' ||
      file.State.state === null
    ) {
      throw new NomadError('bad_request', 'Invalid snapshot: not a saved Nomad state');
    }
    const entry: ClusterEntry = {
      type: 'SnapshotRestore',
      snapshot: { index: file.Index, state: file.State.state },
    };
    await this.#c.raft.node.propose(entry);
  }
}
