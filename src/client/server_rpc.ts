/**
 * What the client needs from the servers: Nomad's client RPCs. In -dev the agent implements this by
 * calling the server's endpoints in-process; in a cluster, over src/rpc. Every call may reject with
 * a NomadError of kind 'unavailable' when no server answers: the client keeps its tasks running,
 * retries with backoff, and re-registers when a server answers again.
 */
import type {
  Allocation,
  AllocDeploymentStatus,
  AllocClientStatus,
  TaskState,
} from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';

export interface HeartbeatResponse {
  /** How long the server waits for the next heartbeat before marking the node down. */
  heartbeatTtlMs: number;
  /** Index of the write. */
  index: number;
  /** The RPC addresses ("host:port") of every live server, as Nomad's heartbeat reply lists them. */
  servers?: string[];
}

/** What the client reports of one allocation: Node.UpdateAlloc's element. */
export interface AllocClientUpdate {
  ID: string;
  NodeID: string;
  ClientStatus: AllocClientStatus;
  ClientDescription: string;
  TaskStates: Record<string, TaskState>;
  DeploymentStatus: AllocDeploymentStatus | null;
  /** Unix nanoseconds of the change, set by the client. */
  ModifyTime: number;
}

export interface ServerRpc {
  /** Node.Register: creates or updates the node; its status becomes what node.Status says. */
  registerNode(node: Node): Promise<HeartbeatResponse>;
  /** Node.UpdateStatus: the heartbeat ('ready'), or a status change. */
  updateNodeStatus(nodeId: string, status: Node['Status']): Promise<HeartbeatResponse>;
  /**
   * Node.GetClientAllocs: a blocking query for the node's allocations, as ID -> AllocModifyIndex.
   * Resolves when the index passes minIndex or after waitMs (with the current index).
   */
  getClientAllocs(
    nodeId: string,
    opts: { minIndex: number; waitMs: number; signal?: AbortSignal },
  ): Promise<{ allocs: Record<string, number>; index: number }>;
  /** Alloc.GetAllocs: the full allocations (with their Job) for the given IDs. */
  getAllocs(ids: readonly string[]): Promise<Allocation[]>;
  /** Node.UpdateAlloc: a batch of client updates, applied as one log entry. */
  updateAllocs(updates: readonly AllocClientUpdate[]): Promise<{ index: number }>;
}
