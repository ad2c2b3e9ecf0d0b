/**
 * The HTTP API's view of a server in a cluster (src/http/backend.ts ClusterInfo, OperatorEndpoints,
 * LeaderForwarding) over src/server/cluster.ts: gossip members as /v1/agent/members rows, raft's
 * leader and peers, the operator's raft, autopilot and snapshot calls in Nomad's JSON, and where
 * requests that need the leader go. The one place that converts between the two.
 */
import type { ClientEndpoints, ClusterInfo, OperatorEndpoints } from '../http/backend.ts';
import type { LeaderForwarding, LeaderRoute } from '../http/forward.ts';
import { parseDuration, formatDuration } from '../lib/duration.ts';
import { NomadError } from '../lib/errors.ts';
import type { RemoteServers } from '../client/remote_servers.ts';
import { LEADER_WAIT_MS, type ServerCluster } from '../server/cluster.ts';
import type { AgentMember, AutopilotConfiguration } from '../api/types.ts';
import { memberStatus } from '../server/cluster_members.ts';
import type { Member } from '../server/gossip/member.ts';
import type { ClusterOperator } from '../server/cluster_operator.ts';
import type { AutopilotConfig } from '../server/cluster_state_machine.ts';

export function clusterInfo(c: ServerCluster): ClusterInfo {
  return {
    leaderAddress: () => c.leaderRpcAddr(),
    lastContactMs: () => c.lastContactMs(),
    peers: () => (c.raft.started ? c.raft.node.status().config.voters.map((m) => m.addr) : []),
    members: () => c.gossip.list().map(agentMember),
    join: (addresses) => c.join(addresses),
    forceLeave: async (node) => {
      const list = c.gossip.list();
      const m = list.find((x) => x.name === node) ?? list.find((x) => x.name.split('.')[0] === node);
      if (m === undefined) throw new NomadError('not_found', `No member named "${node}"`);
      if (!c.gossip.forceLeave(m.name)) {
        throw new NomadError('bad_request', `Cannot force "${node}" to leave: it is this server`);
      }
    },
  };
}

function agentMember(m: Member): AgentMember {
  return {
    Name: m.name,
    Addr: m.addr,
    Port: m.port,
    Tags: { ...m.tags },
    Status: memberStatus(m),
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

function autopilotJson(a: AutopilotConfig): AutopilotConfiguration {
  return {
    CleanupDeadServers: a.cleanupDeadServers,
    LastContactThreshold: formatDuration(a.lastContactThresholdMs * 1e6),
    MaxTrailingLogs: a.maxTrailingLogs,
    MinQuorum: a.minQuorum,
    ServerStabilizationTime: formatDuration(a.serverStabilizationTimeMs * 1e6),
    EnableRedundancyZones: a.enableRedundancyZones,
    DisableUpgradeMigration: a.disableUpgradeMigration,
    EnableCustomUpgrades: a.enableCustomUpgrades,
    CreateIndex: a.createIndex,
    ModifyIndex: a.modifyIndex,
  };
}

function autopilotFromJson(j: Partial<AutopilotConfiguration>, current: AutopilotConfig): AutopilotConfig {
  const ms = (v: string | undefined, d: number): number => (v === undefined ? d : parseDuration(v) / 1e6);
  const nonNegative = (name: string, v: number): number => {
    if (v < 0) throw new NomadError('bad_request', `${name} must be >= 0: got ${v}`);
    return v;
  };
  return {
    ...current,
    cleanupDeadServers: j.CleanupDeadServers ?? current.cleanupDeadServers,
    lastContactThresholdMs: nonNegative(
      'LastContactThreshold',
      ms(j.LastContactThreshold, current.lastContactThresholdMs),
    ),
    maxTrailingLogs: nonNegative('MaxTrailingLogs', j.MaxTrailingLogs ?? current.maxTrailingLogs),
    minQuorum: nonNegative('MinQuorum', j.MinQuorum ?? current.minQuorum),
    serverStabilizationTimeMs: nonNegative(
      'ServerStabilizationTime',
      ms(j.ServerStabilizationTime, current.serverStabilizationTimeMs),
    ),
    enableRedundancyZones: j.EnableRedundancyZones ?? current.enableRedundancyZones,
    disableUpgradeMigration: j.DisableUpgradeMigration ?? current.disableUpgradeMigration,
    enableCustomUpgrades: j.EnableCustomUpgrades ?? current.enableCustomUpgrades,
  };
}

export function operatorEndpoints(op: ClusterOperator): OperatorEndpoints {
  return {
    raftConfiguration: () => {
      const r = op.raftConfiguration();
      return {
        Index: r.index,
        Servers: r.servers.map((s) => ({
          ID: s.id,
          Node: s.node,
          Address: s.address,
          Leader: s.leader,
          Voter: s.voter,
          RaftProtocol: '3',
        })),
      };
    },
    raftRemovePeer: (id) => op.removePeer(id),
    raftTransferLeadership: (id) => op.transferLeadership(id),
    autopilotConfiguration: () => autopilotJson(op.autopilotConfig()),
    autopilotSetConfiguration: (j, cas) =>
      op.setAutopilotConfig(autopilotFromJson(j, op.autopilotConfig()), cas),
    autopilotHealth: async () => {
      const h = await op.autopilotHealth();
      return {
        Healthy: h.healthy,
        FailureTolerance: h.failureTolerance,
        Leader: h.leader,
        Voters: h.voters,
        Servers: h.servers.map((s) => ({
          ID: s.id,
          Name: s.name,
          Address: s.address,
          SerfStatus: s.serfStatus,
          Version: s.version,
          Leader: s.leader,
          LastContact: s.lastContactMs < 0 ? '' : formatDuration(s.lastContactMs * 1e6),
          LastTerm: s.lastTerm,
          LastIndex: s.lastIndex,
          Healthy: s.healthy,
          Voter: s.voter,
          StableSince: new Date(s.stableSinceMs).toISOString(),
        })),
      };
    },
    snapshotSave: () => op.snapshotSave(),
    snapshotRestore: (data) => op.snapshotRestore(data),
  };
}

/** A server forwards to the leader it knows, waiting out an election up to Nomad's hold time. */
export function serverForwarding(c: ServerCluster): LeaderForwarding {
  return {
    hasServer: true,
    route: async (): Promise<LeaderRoute> => {
      if (c.isLeader()) return { kind: 'local' };
      await c.waitForLeader(LEADER_WAIT_MS);
      if (c.isLeader()) return { kind: 'local' };
      const addr = c.leaderHttpAddr();
      return addr === '' ? { kind: 'none' } : { kind: 'remote', httpAddr: addr };
    },
  };
}

/** A client-only agent asks its servers where the leader's HTTP API is, and forwards there. */
export function clientForwarding(servers: RemoteServers): LeaderForwarding {
  return {
    hasServer: false,
    route: async (): Promise<LeaderRoute> => {
      const addr = await servers.leaderHttpAddr().catch(() => '');
      return addr === '' ? { kind: 'none' } : { kind: 'remote', httpAddr: addr };
    },
  };
}

/** The client side of the API for a client that talks to its servers over RPC. */
export function remoteServerList(servers: RemoteServers): Pick<ClientEndpoints, 'servers' | 'setServers'> {
  return { servers: () => servers.serverList(), setServers: (list) => servers.setServers(list) };
}
