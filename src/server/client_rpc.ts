/**
 * The RPCs clients call on servers (src/client/server_rpc.ts), served over src/rpc on port 4647.
 * A server that is not the leader forwards each call to the leader, as Nomad's servers do, so a
 * client may talk to any server.
 */
import { NomadError } from '../lib/errors.ts';
import { RpcClient, type RpcServer } from '../rpc/rpc.ts';
import type { Node, NodeStatus } from '../structs/node.ts';
import type { AllocClientUpdate, NodeEndpoint } from './node_endpoint.ts';

export const CLIENT_RPC = {
  register: 'Node.Register',
  updateStatus: 'Node.UpdateStatus',
  getClientAllocs: 'Node.GetClientAllocs',
  getAllocs: 'Alloc.GetAllocs',
  updateAlloc: 'Node.UpdateAlloc',
} as const;

/** How a server learns whether it leads, and where the leader's RPC listener is. */
export interface Leadership {
  isLeader(): boolean;
  /** "host:port" of the leader's RPC listener, or "" when there is none. */
  leaderRpcAddr(): string;
  /** Resolves true once a leader is known (or this server leads), false after waitMs. */
  waitForLeader?(waitMs: number): Promise<boolean>;
  /** The RPC addresses of every live server, told to clients with each heartbeat (Nomad's Servers). */
  servers?(): string[];
}

/** How long a call waits for an election before answering "No cluster leader" (Nomad's RPC hold timeout). */
export const LEADER_HOLD_MS = 5_000;
/** A call is forwarded at most this many times (leaders change while calls travel). */
export const FORWARD_HOPS_MAX = 2;

/** Extra time an RPC carrying a blocking query may take beyond its wait. */
const BLOCKING_RPC_SLACK_MS = 5_000;

export class ClientRpcService {
  private readonly nodes: Pick<
    NodeEndpoint,
    'registerNode' | 'updateNodeStatus' | 'getClientAllocs' | 'getAllocs' | 'updateAllocs'
  >;
  private readonly leadership: Leadership;
  private readonly forwarders = new Map<string, RpcClient>();
  /** Aborts the blocking queries in progress when the service closes. */
  private readonly closing = new AbortController();

  constructor(nodes: ClientRpcService['nodes'], leadership: Leadership) {
    this.nodes = nodes;
    this.leadership = leadership;
  }

  register(server: RpcServer): void {
    server.handle(CLIENT_RPC.register, async (b) =>
      this.withServers(
        await this.leaderOr(CLIENT_RPC.register, b, () => this.nodes.registerNode(field<Node>(b, 'node'))),
      ),
    );
    server.handle(CLIENT_RPC.updateStatus, async (b) =>
      this.withServers(
        await this.leaderOr(CLIENT_RPC.updateStatus, b, () =>
          this.nodes.updateNodeStatus(field<string>(b, 'nodeId'), field<NodeStatus>(b, 'status')),
        ),
      ),
    );
    server.handle(CLIENT_RPC.getClientAllocs, (b) => {
      const waitMs = Number(field<number>(b, 'waitMs'));
      return this.leaderOr(
        CLIENT_RPC.getClientAllocs,
        b,
        () =>
          this.nodes.getClientAllocs(field<string>(b, 'nodeId'), {
            minIndex: Number(field<number>(b, 'minIndex')),
            waitMs,
            signal: this.closing.signal,
          }),
        waitMs + BLOCKING_RPC_SLACK_MS,
      );
    });
    server.handle(CLIENT_RPC.getAllocs, (b) =>
      this.leaderOr(CLIENT_RPC.getAllocs, b, () => this.nodes.getAllocs(field<string[]>(b, 'ids'))),
    );
    server.handle(CLIENT_RPC.updateAlloc, (b) =>
      this.leaderOr(CLIENT_RPC.updateAlloc, b, () =>
        this.nodes.updateAllocs(field<AllocClientUpdate[]>(b, 'updates')),
      ),
    );
  }

  /** A heartbeat's answer, with the servers a client may fail over to. */
  private withServers(reply: unknown): unknown {
    const servers = this.leadership.servers?.();
    if (servers === undefined || typeof reply !== 'object' || reply === null) return reply;
    return { ...reply, servers };
  }

  private async leaderOr(
    method: string,
    body: unknown,
    local: () => Promise<unknown>,
    timeoutMs?: number,
  ): Promise<unknown> {
    if (this.leadership.isLeader()) return local();
    if (this.leadership.waitForLeader !== undefined) {
      await this.leadership.waitForLeader(LEADER_HOLD_MS);
      if (this.leadership.isLeader()) return local();
    }
    const addr = this.leadership.leaderRpcAddr();
    if (addr === '') throw new NomadError('unavailable', 'No cluster leader');
    // Two servers that each believe the other leads (briefly, around an election) must not
    // bounce a call between them forever.
    const hops =
      typeof body === 'object' && body !== null
        ? Number((body as { forwardHops?: unknown }).forwardHops ?? 0)
        : 0;
    if (hops >= FORWARD_HOPS_MAX) {
      throw new NomadError('unavailable', `No cluster leader: forwarded ${hops} times without reaching it`);
    }
    let client = this.forwarders.get(addr);
    if (client === undefined) {
      client = new RpcClient(addr);
      this.forwarders.set(addr, client);
    }
    const forwarded = { ...(body as object), forwardHops: hops + 1 };
    return client.call(method, forwarded, timeoutMs === undefined ? {} : { timeoutMs });
  }

  close(): void {
    this.closing.abort();
    for (const c of this.forwarders.values()) c.close();
    this.forwarders.clear();
  }
}

function field<T>(body: unknown, name: string): T {
  if (typeof body !== 'object' || body === null || !(name in body)) {
    throw new NomadError('bad_request', `RPC body is missing the field "${name}"`);
  }
  return (body as Record<string, unknown>)[name] as T;
}
