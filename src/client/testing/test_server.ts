/**
 * An in-memory stand-in for the servers' client RPCs, for the client's tests: it stores the node
 * and allocations, answers blocking queries on its own index, records the updates it is sent, and
 * can be made unavailable to test the client's behaviour without servers.
 */
import type { Allocation } from '../../structs/allocation.ts';
import type { Node } from '../../structs/node.ts';
import { NomadError } from '../../lib/errors.ts';
import type { AllocClientUpdate, HeartbeatResponse, ServerRpc } from '../server_rpc.ts';

export class TestServer implements ServerRpc {
  available = true;
  heartbeatTtlMs = 10_000;
  index = 1;
  nodes = new Map<string, Node>();
  registrations = 0;
  heartbeats = 0;
  allocs = new Map<string, Allocation>();
  updates: AllocClientUpdate[] = [];
  #waiters: (() => void)[] = [];

  #check(): void {
    if (!this.available) throw new NomadError('unavailable', 'No cluster leader');
  }

  #bump(): void {
    this.index += 1;
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async registerNode(node: Node): Promise<HeartbeatResponse> {
    this.#check();
    this.registrations += 1;
    this.nodes.set(node.ID, node);
    this.#bump();
    return { heartbeatTtlMs: this.heartbeatTtlMs, index: this.index };
  }

  async updateNodeStatus(nodeId: string, status: Node['Status']): Promise<HeartbeatResponse> {
    this.#check();
    const n = this.nodes.get(nodeId);
    if (n === undefined) throw new NomadError('not_found', `node "${nodeId}" not found`);
    this.heartbeats += 1;
    if (n.Status !== status) {
      this.nodes.set(nodeId, { ...n, Status: status });
      this.#bump();
    }
    return { heartbeatTtlMs: this.heartbeatTtlMs, index: this.index };
  }

  /** Adds or changes an allocation, as a plan apply would. */
  putAlloc(a: Allocation): void {
    this.#bump();
    this.allocs.set(a.ID, { ...a, AllocModifyIndex: this.index, ModifyIndex: this.index });
  }

  async getClientAllocs(
    nodeId: string,
    opts: { minIndex: number; waitMs: number; signal?: AbortSignal },
  ): Promise<{ allocs: Record<string, number>; index: number }> {
    this.#check();
    if (this.index <= opts.minIndex) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.waitMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        opts.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#check();
    }
    const allocs: Record<string, number> = {};
    for (const a of this.allocs.values()) if (a.NodeID === nodeId) allocs[a.ID] = a.AllocModifyIndex;
    return { allocs, index: this.index };
  }

  async getAllocs(ids: readonly string[]): Promise<Allocation[]> {
    this.#check();
    return ids.map((id) => this.allocs.get(id)).filter((a): a is Allocation => a !== undefined);
  }

  async updateAllocs(updates: readonly AllocClientUpdate[]): Promise<{ index: number }> {
    this.#check();
    this.updates.push(...updates);
    for (const u of updates) {
      const a = this.allocs.get(u.ID);
      if (a !== undefined) {
        this.allocs.set(u.ID, {
          ...a,
          ClientStatus: u.ClientStatus,
          ClientDescription: u.ClientDescription,
          TaskStates: u.TaskStates,
          DeploymentStatus: u.DeploymentStatus,
        });
      }
    }
    return { index: this.index };
  }

  /** The newest update the client sent for an allocation. */
  lastUpdate(allocId: string): AllocClientUpdate | undefined {
    return this.updates.findLast((u) => u.ID === allocId);
  }
}
