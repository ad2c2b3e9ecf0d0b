/**
 * ServerRpc over the network: the client knows every server and talks to one at a time over
 * src/rpc, moving on to the next when one stops answering. Any server will do: followers forward
 * to the leader. The list starts from the configuration and is replaced by what the servers report
 * with each heartbeat (Nomad's heartbeat reply carries the live servers), keeping the configured
 * addresses at the end as a last resort.
 */
import { NomadError } from '../lib/errors.ts';
import { RpcClient } from '../rpc/rpc.ts';
import type { Allocation } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';
import type { AllocClientUpdate, HeartbeatResponse, ServerRpc } from './server_rpc.ts';

/** Method names served by src/server/client_rpc.ts. */
const METHODS = {
  register: 'Node.Register',
  updateStatus: 'Node.UpdateStatus',
  getClientAllocs: 'Node.GetClientAllocs',
  getAllocs: 'Alloc.GetAllocs',
  updateAlloc: 'Node.UpdateAlloc',
  /** Served by src/server/cluster.ts. */
  leader: 'Status.Leader',
} as const;

const CALL_TIMEOUT_MS = 10_000;
/** The most server addresses the client keeps. */
export const SERVERS_MAX = 64;
const BLOCKING_SLACK_MS = 10_000;

export class RemoteServers implements ServerRpc {
  private servers: string[];
  private seeds: string[];
  private current = 0;
  private readonly clients = new Map<string, RpcClient>();

  constructor(servers: readonly string[]) {
    if (servers.length === 0)
      throw new NomadError('bad_request', 'A client needs at least one server address');
    this.seeds = dedupe(servers);
    this.servers = [...this.seeds];
  }

  /** Replaces the configured servers (`/v1/agent/servers`, configuration). */
  setServers(servers: readonly string[]): void {
    if (servers.length === 0) return;
    this.seeds = dedupe(servers);
    this.servers = [...this.seeds];
    this.current = 0;
  }

  /** What the servers reported: the one answering now stays first, the configured ones stay last. */
  private learnServers(reported: unknown): void {
    if (!Array.isArray(reported) || reported.length === 0) return;
    const valid = reported.filter((a): a is string => typeof a === 'string' && /:\d+$/.test(a));
    const now = this.servers[this.current % this.servers.length];
    const next = dedupe([
      ...(now !== undefined && valid.includes(now) ? [now] : []),
      ...valid,
      ...this.seeds,
    ]);
    this.servers = next.slice(0, SERVERS_MAX);
    this.current = 0;
  }

  serverList(): string[] {
    return [...this.servers];
  }

  async registerNode(node: Node): Promise<HeartbeatResponse> {
    const r = (await this.call(METHODS.register, { node })) as HeartbeatResponse;
    this.learnServers(r.servers);
    return r;
  }

  async updateNodeStatus(nodeId: string, status: Node['Status']): Promise<HeartbeatResponse> {
    const r = (await this.call(METHODS.updateStatus, { nodeId, status })) as HeartbeatResponse;
    this.learnServers(r.servers);
    return r;
  }

  getClientAllocs(
    nodeId: string,
    opts: { minIndex: number; waitMs: number; signal?: AbortSignal },
  ): Promise<{ allocs: Record<string, number>; index: number }> {
    return this.call(
      METHODS.getClientAllocs,
      { nodeId, minIndex: opts.minIndex, waitMs: opts.waitMs },
      opts.waitMs + BLOCKING_SLACK_MS,
    ) as Promise<{ allocs: Record<string, number>; index: number }>;
  }

  getAllocs(ids: readonly string[]): Promise<Allocation[]> {
    return this.call(METHODS.getAllocs, { ids }) as Promise<Allocation[]>;
  }

  updateAllocs(updates: readonly AllocClientUpdate[]): Promise<{ index: number }> {
    return this.call(METHODS.updateAlloc, { updates }) as Promise<{ index: number }>;
  }

  /** The leader's HTTP address ("host:port") as a server reports it, '' when there is none. */
  async leaderHttpAddr(): Promise<string> {
    const r = (await this.call(METHODS.leader, {})) as { httpAddr?: unknown };
    return typeof r?.httpAddr === 'string' ? r.httpAddr : '';
  }

  /** Tries each server once, starting with the one that answered last. */
  private async call(method: string, body: unknown, timeoutMs = CALL_TIMEOUT_MS): Promise<unknown> {
    let lastError: unknown;
    for (let tried = 0; tried < this.servers.length; tried++) {
      const addr = this.servers[this.current % this.servers.length]!;
      try {
        return await this.client(addr).call(method, body, { timeoutMs });
      } catch (err) {
        if (!(err instanceof NomadError) || (err.kind !== 'unavailable' && err.kind !== 'timeout')) throw err;
        lastError = err;
        this.current = (this.current + 1) % this.servers.length;
      }
    }
    throw new NomadError(
      'unavailable',
      `No server answered ${method}: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
    );
  }

  private client(addr: string): RpcClient {
    let c = this.clients.get(addr);
    if (c === undefined) {
      c = new RpcClient(addr);
      this.clients.set(addr, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}
