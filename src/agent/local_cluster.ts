/**
 * The cluster as one server sees it when it is the whole cluster (-dev, bootstrap_expect = 1 with
 * no one to join): it leads, it is the only peer and the only gossip member. A server in a real
 * cluster reports these from raft and gossip instead.
 */
import { NomadError } from '../lib/errors.ts';
import type { AgentMember } from '../api/types.ts';
import type { ClusterInfo } from '../http/backend.ts';

export interface LocalServerInfo {
  name: string;
  region: string;
  datacenter: string;
  rpcAddr: { host: string; port: number };
  serfAddr: { host: string; port: number };
  version: string;
  bootstrapExpect: number;
  /** Whether the server has taken leadership (after its first log entry applied). */
  isLeader: () => boolean;
}

export function localCluster(info: LocalServerInfo): ClusterInfo {
  const rpc = `${info.rpcAddr.host}:${info.rpcAddr.port}`;
  const member: AgentMember = {
    Name: `${info.name}.${info.region}`,
    Addr: info.serfAddr.host,
    Port: info.serfAddr.port,
    Tags: {
      role: 'nomad',
      region: info.region,
      dc: info.datacenter,
      build: info.version,
      port: String(info.rpcAddr.port),
      bootstrap: info.bootstrapExpect === 1 ? '1' : '0',
      expect: String(info.bootstrapExpect),
      vsn: '1',
      raft_vsn: '3',
      id: '',
      rpc_addr: info.rpcAddr.host,
    },
    Status: 'alive',
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
  return {
    leaderAddress: () => (info.isLeader() ? rpc : ''),
    lastContactMs: () => 0,
    peers: () => [rpc],
    members: () => [member],
    join: (addresses) =>
      Promise.reject(
        new NomadError(
          'bad_request',
          `Cannot join ${addresses.join(', ')}: this server runs alone (no gossip configured)`,
        ),
      ),
    forceLeave: (node) =>
      Promise.reject(new NomadError('not_found', `No member named "${node}": this server runs alone`)),
  };
}
