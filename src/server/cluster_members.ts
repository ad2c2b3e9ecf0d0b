/**
 * What a server tells the others about itself through gossip (Nomad's serf tags: role, region, dc,
 * build, port, id, rpc_addr, expect, raft_vsn ...), plus the HTTP address its API listens on, and
 * how those members read back as servers, for autopilot and bootstrap.
 */
import type { GossipServer } from './autopilot.ts';
import type { Member } from './gossip/member.ts';

export interface ServerTagsInput {
  region: string;
  datacenter: string;
  build: string;
  rpcHost: string;
  rpcPort: number;
  id: string;
  bootstrapExpect: number;
  /** "host:port" of the HTTP API, '' until it listens. */
  httpAddr: string;
}

export function serverTags(t: ServerTagsInput): Record<string, string> {
  return {
    role: 'nomad',
    region: t.region,
    dc: t.datacenter,
    build: t.build,
    port: String(t.rpcPort),
    rpc_addr: t.rpcHost,
    id: t.id,
    expect: String(t.bootstrapExpect),
    bootstrap: t.bootstrapExpect === 1 ? '1' : '0',
    vsn: '1',
    raft_vsn: '3',
    http_addr: t.httpAddr,
  };
}

/** A gossip member as a server of the cluster; undefined for a member that is not a Nomad server. */
export function gossipServer(m: Member): GossipServer | undefined {
  const t = m.tags;
  if (t['role'] !== 'nomad' || (t['id'] ?? '') === '') return undefined;
  const host = t['rpc_addr'] ?? m.addr;
  return {
    id: t['id']!,
    name: m.name,
    rpcAddr: `${host.includes(':') ? `[${host}]` : host}:${t['port'] ?? '4647'}`,
    region: t['region'] ?? '',
    status: memberStatus(m),
    build: t['build'] ?? '',
    expect: Number(t['expect'] ?? '0'),
  };
}

/** Serf's statuses: a suspect member is still alive until it is declared failed. */
export function memberStatus(m: Member): 'alive' | 'failed' | 'left' {
  return m.status === 'suspect' ? 'alive' : m.status;
}
