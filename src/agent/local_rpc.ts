/**
 * The client's ServerRpc (src/client/server_rpc.ts) in one process with the server: each call goes
 * straight to the server's node and alloc endpoints. Objects cross as copies, as they would over
 * the wire, so neither side can mutate what the other holds (the state store's rows are shared
 * with every reader).
 */
import type { AllocEndpoint } from '../server/alloc_endpoint.ts';
import type { NodeEndpoint } from '../server/node_endpoint.ts';
import type { ServerRpc } from '../client/server_rpc.ts';

export function localServerRpc(node: NodeEndpoint, alloc: AllocEndpoint): ServerRpc {
  return {
    registerNode: async (n) => {
      const r = await node.registerNode(structuredClone(n));
      return { heartbeatTtlMs: r.heartbeatTtlMs, index: r.index };
    },
    updateNodeStatus: async (nodeId, status) => {
      const r = await node.updateNodeStatus(nodeId, status);
      return { heartbeatTtlMs: r.heartbeatTtlMs, index: r.index };
    },
    // An index of 0 would make the client's next query non-blocking, and in one process a loop of
    // queries that answer at once never yields to the event loop. Nomad never reports index 0.
    getClientAllocs: async (nodeId, opts) => {
      const r = await node.getClientAllocs(nodeId, opts);
      return { allocs: r.allocs, index: Math.max(1, r.index) };
    },
    getAllocs: async (ids) => structuredClone(alloc.getAllocs(ids).value),
    updateAllocs: (updates) => node.updateAllocs(structuredClone(updates)),
  };
}
