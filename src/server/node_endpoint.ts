/**
 * Node endpoints (Nomad's Node.Register, UpdateStatus, GetClientAllocs, UpdateAlloc, UpdateDrain,
 * UpdateEligibility, Deregister, List, GetNode). The client-facing methods match
 * src/client/server_rpc.ts ServerRpc, so -dev can hand this object to the client directly.
 */
import { NomadError } from '../lib/errors.ts';
import { proposeOrThrow } from '../fsm/log.ts';
import { blockingQuery, watchItems } from '../state/index.ts';
import type {
  Allocation,
  AllocClientStatus,
  AllocDeploymentStatus,
  TaskState,
} from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Node, NodeStatus } from '../structs/node.ts';
import {
  newJobEval,
  nowNs,
  requireId,
  type EndpointDeps,
  type QueryOptions,
  type QueryResponse,
} from './endpoint_common.ts';
import { createNodeEvals } from './node_evals.ts';
import { rescheduleEligible } from './reschedule.ts';
import { computeNodeClass } from '../scheduler/node_class.ts';

/** Longest a blocking query waits (Nomad's MaxBlockingRPCQueryTime). */
export const BLOCKING_QUERY_WAIT_MS_MAX = 300_000;
/** Most allocation updates one Node.UpdateAlloc call may carry. */
export const ALLOC_UPDATES_MAX = 10_000;
const NODE_STATUSES: readonly NodeStatus[] = ['initializing', 'ready', 'down', 'disconnected'];

/** The leader's heartbeat timers (src/server/heartbeat.ts HeartbeatTimers fits). */
export interface Heartbeater {
  /** Restarts the node's timer; returns the TTL the node must heartbeat within. */
  reset(nodeId: string): number;
  clear(nodeId: string): void;
}

export interface HeartbeatResponse {
  heartbeatTtlMs: number;
  index: number;
  evalIds: string[];
}

/** One allocation's client update (ServerRpc's AllocClientUpdate). */
export interface AllocClientUpdate {
  ID: string;
  NodeID: string;
  ClientStatus: AllocClientStatus;
  ClientDescription: string;
  TaskStates: Record<string, TaskState>;
  DeploymentStatus: AllocDeploymentStatus | null;
  ModifyTime: number;
}

function statusRequiresEval(next: NodeStatus, prev: NodeStatus): boolean {
  return (
    (prev === 'initializing' && next === 'ready') ||
    (prev === 'down' && next === 'ready') ||
    (prev === 'disconnected' && next !== 'disconnected') ||
    (prev !== 'disconnected' && next === 'disconnected')
  );
}

function clusterEvent(
  message: string,
  nowMs: number,
  subsystem = 'Cluster',
): NonNullable<Node['Events']>[number] {
  return {
    Message: message,
    Subsystem: subsystem,
    Details: null,
    Timestamp: new Date(nowMs).toISOString(),
    CreateIndex: 0,
  };
}

export class NodeEndpoint {
  private readonly deps: EndpointDeps;
  private readonly heartbeats: Heartbeater;

  constructor(deps: EndpointDeps, heartbeats: Heartbeater) {
    this.deps = deps;
    this.heartbeats = heartbeats;
  }

  private node(nodeId: string): Node {
    const n = this.deps.store.snapshot().nodeByID(nodeId);
    if (n === undefined) throw new NomadError('not_found', `node "${nodeId}" not found`);
    return n;
  }

  /** Node.Register: creates or updates the node; evaluates its jobs when its status calls for it. */
  async registerNode(input: Node): Promise<HeartbeatResponse> {
    if (input.ID === '') throw new NomadError('bad_request', 'missing node ID for client registration');
    if (input.Datacenter === '')
      throw new NomadError('bad_request', 'missing datacenter for client registration');
    if (input.Name === '') throw new NomadError('bad_request', 'missing node name for client registration');
    if (Object.keys(input.Attributes).length === 0)
      throw new NomadError('bad_request', 'missing attributes for client registration');
    if (input.SecretID === '')
      throw new NomadError('bad_request', 'missing node secret ID for client registration');
    const status = (input.Status as string) === '' ? 'initializing' : input.Status;
    if (!NODE_STATUSES.includes(status)) throw new NomadError('bad_request', 'invalid status for node');
    const original = this.deps.store.snapshot().nodeByID(input.ID);
    if (original !== undefined && original.SecretID !== '' && original.SecretID !== input.SecretID) {
      throw new NomadError('permission_denied', 'node secret ID does not match. Not registering node.');
    }
    const node: Node = {
      ...input,
      Status: status,
      SchedulingEligibility:
        (input.SchedulingEligibility as string) === '' ? 'eligible' : input.SchedulingEligibility,
      StatusUpdatedAt: Math.floor(this.deps.clock.nowMs() / 1000),
    };
    // Blocked evaluations and feasibility caches are keyed by the node's computed class.
    node.ComputedClass = computeNodeClass(node);
    const { index } = await proposeOrThrow(this.deps.log, { type: 'NodeRegister', node });
    let evalIds: string[] = [];
    if (statusRequiresEval(node.Status, original?.Status ?? 'initializing'))
      evalIds = await createNodeEvals(this.deps, node.ID, index);
    const ttl = node.Status === 'down' ? 0 : this.heartbeats.reset(node.ID);
    return { heartbeatTtlMs: ttl, index, evalIds };
  }

  /** Node.UpdateStatus: the heartbeat, or a status change (down evaluates the node's jobs). */
  async updateNodeStatus(nodeId: string, status: NodeStatus): Promise<HeartbeatResponse> {
    requireId(nodeId, 'missing node ID for client status update');
    if (!NODE_STATUSES.includes(status)) throw new NomadError('bad_request', 'invalid status for node');
    const node = this.node(nodeId);
    let index = this.deps.store.snapshot().latestIndex();
    if (node.Status !== status) {
      const event =
        node.Status === 'down'
          ? clusterEvent('Node reregistered by heartbeat', this.deps.clock.nowMs())
          : null;
      const r = await proposeOrThrow(this.deps.log, {
        type: 'NodeUpdateStatus',
        nodeId,
        status,
        updatedAt: Math.floor(this.deps.clock.nowMs() / 1000),
        event,
        evals: [],
      });
      index = r.index;
    }
    let evalIds: string[] = [];
    if (status === 'down' || statusRequiresEval(status, node.Status))
      evalIds = await createNodeEvals(this.deps, nodeId, index);
    let ttl = 0;
    if (status === 'down') this.heartbeats.clear(nodeId);
    else ttl = this.heartbeats.reset(nodeId);
    return { heartbeatTtlMs: ttl, index, evalIds };
  }

  /** Node.GetClientAllocs: the node's allocations as ID -> AllocModifyIndex, blocking past minIndex. */
  async getClientAllocs(
    nodeId: string,
    opts: { minIndex: number; waitMs: number; signal?: AbortSignal },
  ): Promise<{ allocs: Record<string, number>; index: number }> {
    this.node(nodeId);
    const ac = new AbortController();
    const timer = this.deps.clock.setTimer(
      Math.min(Math.max(0, opts.waitMs), BLOCKING_QUERY_WAIT_MS_MAX),
      () => ac.abort(),
    );
    const onAbort = (): void => ac.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await blockingQuery(this.deps.store, { minIndex: opts.minIndex, signal: ac.signal }, (s) => {
        const allocs: Record<string, number> = {};
        let max = 0;
        for (const a of s.allocsByNode(nodeId)) {
          allocs[a.ID] = a.AllocModifyIndex;
          max = Math.max(max, a.ModifyIndex);
        }
        return {
          index: max === 0 ? s.tableIndex('allocs') : max,
          value: allocs,
          items: [watchItems.allocsByNode(nodeId)],
        };
      });
      return { allocs: r.value, index: r.index };
    } finally {
      this.deps.clock.clearTimer(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Alloc.GetAllocs for clients: the full allocations (with their job) for the IDs that exist. */
  getAllocs(ids: readonly string[]): Promise<Allocation[]> {
    const snap = this.deps.store.snapshot();
    const out: Allocation[] = [];
    for (const id of ids) {
      const a = snap.allocByID(id);
      if (a !== undefined) out.push(a);
    }
    return Promise.resolve(out);
  }

  /** Node.UpdateAlloc: one log entry for the batch, with evaluations for failed allocations to reschedule. */
  async updateAllocs(updates: readonly AllocClientUpdate[]): Promise<{ index: number }> {
    if (updates.length === 0) throw new NomadError('bad_request', 'must update at least one allocation');
    if (updates.length > ALLOC_UPDATES_MAX) {
      throw new NomadError(
        'too_large',
        `Too many allocation updates: ${updates.length} > ${ALLOC_UPDATES_MAX}`,
      );
    }
    const nodeId = updates[0]!.NodeID;
    const node = this.deps.store.snapshot().nodeByID(nodeId);
    if (node === undefined) throw new NomadError('not_found', `node ${nodeId} not found`);
    if (node.Status === 'down' || node.Status === 'disconnected') {
      throw new NomadError(
        'bad_request',
        `node ${nodeId} is not allowed to update allocs while in status ${node.Status}`,
      );
    }
    const now = nowNs(this.deps.clock);
    const rows = updates.map((u) => ({ ...u, ModifyTime: now }));
    const evals = this.evalsForUpdates(rows, now);
    const { index } = await proposeOrThrow(this.deps.log, { type: 'AllocClientUpdate', allocs: rows, evals });
    return { index };
  }

  private evalsForUpdates(rows: readonly AllocClientUpdate[], now: number): Evaluation[] {
    const snap = this.deps.store.snapshot();
    const evals: Evaluation[] = [];
    for (const u of rows) {
      const alloc = snap.allocByID(u.ID);
      if (alloc === undefined || alloc.Job === null) continue;
      const terminal =
        u.ClientStatus === 'complete' || u.ClientStatus === 'failed' || u.ClientStatus === 'lost';
      if (!terminal && alloc.ClientStatus !== 'unknown') continue;
      const job = snap.jobByID(alloc.Namespace, alloc.JobID);
      let trigger = '';
      if (job === undefined) trigger = 'job-deregister';
      else if (u.ClientStatus === 'failed' && alloc.FollowupEvalID === '') {
        const tg = job.TaskGroups.find((g) => g.Name === alloc.TaskGroup);
        if (tg === undefined) continue;
        if (rescheduleEligible(alloc, tg.ReschedulePolicy, now)) trigger = 'alloc-failure';
      }
      if (trigger !== 'job-deregister' && alloc.ClientStatus === 'unknown') trigger = 'reconnect';
      if (trigger === '') continue;
      const source = job ?? alloc.Job;
      evals.push(
        newJobEval(
          this.deps,
          { ...source, ID: alloc.JobID, Namespace: alloc.Namespace },
          { triggeredBy: trigger },
        ),
      );
    }
    return evals;
  }

  /** Node.List: nodes whose ID starts with prefix, without their secrets. */
  list(req: { prefix?: string }, opts: QueryOptions = {}): Promise<QueryResponse<Node[]>> {
    return blockingQuery(
      this.deps.store,
      { minIndex: opts.minIndex ?? 0, ...(opts.signal ? { signal: opts.signal } : {}) },
      (s) => ({
        index: s.tableIndex('nodes'),
        value: s.nodesByIDPrefix(req.prefix ?? '').map((n) => ({ ...n, SecretID: '' })),
        items: [watchItems.table('nodes')],
      }),
    );
  }

  /** Node.GetNode: the node without its secret, or null. */
  getNode(nodeId: string, opts: QueryOptions = {}): Promise<QueryResponse<Node | null>> {
    return blockingQuery(
      this.deps.store,
      { minIndex: opts.minIndex ?? 0, ...(opts.signal ? { signal: opts.signal } : {}) },
      (s) => {
        const n = s.nodeByID(nodeId);
        return {
          index: n?.ModifyIndex ?? s.tableIndex('nodes'),
          value: n === undefined ? null : { ...n, SecretID: '' },
          items: [watchItems.node(nodeId)],
        };
      },
    );
  }

  /** Allocations on a node, for GET /v1/node/:id/allocations. */
  allocations(nodeId: string, opts: QueryOptions = {}): Promise<QueryResponse<Allocation[]>> {
    return blockingQuery(
      this.deps.store,
      { minIndex: opts.minIndex ?? 0, ...(opts.signal ? { signal: opts.signal } : {}) },
      (s) => {
        const allocs = s.allocsByNode(nodeId);
        return {
          index: allocs.reduce((m, a) => Math.max(m, a.ModifyIndex), 0) || s.tableIndex('allocs'),
          // The snapshot's list is shared and frozen; callers get their own.
          value: allocs.slice(),
          items: [watchItems.allocsByNode(nodeId)],
        };
      },
    );
  }

  /** The evaluations created for a node as if its status changed (POST /v1/node/:id/evaluate). */
  async evaluate(nodeId: string): Promise<{ evalIds: string[]; index: number }> {
    const node = this.node(nodeId);
    const evalIds = await createNodeEvals(this.deps, nodeId, node.ModifyIndex);
    return { evalIds, index: this.deps.store.latestIndex() };
  }

  /** Node.Deregister: removes nodes, evaluating their jobs. */
  async deregister(nodeIds: readonly string[]): Promise<{ index: number; evalIds: string[] }> {
    if (nodeIds.length === 0) throw new NomadError('bad_request', 'missing node IDs for node deregistration');
    for (const id of nodeIds) this.node(id);
    const { index } = await proposeOrThrow(this.deps.log, { type: 'NodeDeregister', nodeIds: [...nodeIds] });
    const evalIds: string[] = [];
    for (const id of nodeIds) {
      this.heartbeats.clear(id);
      evalIds.push(...(await createNodeEvals(this.deps, id, index)));
    }
    return { index, evalIds };
  }
}
