import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteServers } from '../client/remote_servers.ts';
import { RpcServer } from '../rpc/rpc.ts';
import type { Node } from '../structs/node.ts';
import { ClientRpcService } from './client_rpc.ts';

function recordingNodes(name: string, calls: string[]): ConstructorParameters<typeof ClientRpcService>[0] {
  return {
    registerNode: async (n: Node) => {
      calls.push(`${name}:register:${n.ID}`);
      return { heartbeatTtlMs: 10_000, index: 7, evalIds: [] };
    },
    updateNodeStatus: async (id: string, status: string) => {
      calls.push(`${name}:status:${id}:${status}`);
      return { heartbeatTtlMs: 10_000, index: 8, evalIds: [] };
    },
    getClientAllocs: async () => ({ allocs: { a1: 3 }, index: 9 }),
    getAllocs: async (ids: readonly string[]) => {
      calls.push(`${name}:getAllocs:${ids.join(',')}`);
      return [];
    },
    updateAllocs: async (u: readonly unknown[]) => {
      calls.push(`${name}:updateAllocs:${u.length}`);
      return { index: 10 };
    },
  };
}

test('a follower forwards client RPCs to the leader, and a client fails over past a dead server', async () => {
  const calls: string[] = [];
  const leaderRpc = new RpcServer();
  const followerRpc = new RpcServer();
  const leaderPort = await leaderRpc.listen('127.0.0.1', 0);
  const followerPort = await followerRpc.listen('127.0.0.1', 0);
  const leader = new ClientRpcService(recordingNodes('leader', calls), {
    isLeader: () => true,
    leaderRpcAddr: () => '',
  });
  const follower = new ClientRpcService(recordingNodes('follower', calls), {
    isLeader: () => false,
    leaderRpcAddr: () => `127.0.0.1:${leaderPort}`,
  });
  leader.register(leaderRpc);
  follower.register(followerRpc);
  // The first address has nothing listening: the client moves on to the follower.
  const servers = new RemoteServers(['127.0.0.1:1', `127.0.0.1:${followerPort}`]);
  try {
    const r = await servers.registerNode({ ID: 'node-1' } as Node);
    assert.equal(r.index, 7);
    assert.deepEqual(await servers.getClientAllocs('node-1', { minIndex: 0, waitMs: 10 }), {
      allocs: { a1: 3 },
      index: 9,
    });
    await servers.updateAllocs([]);
    assert.deepEqual(calls, ['leader:register:node-1', 'leader:updateAllocs:0']);
  } finally {
    servers.close();
    leader.close();
    follower.close();
    await leaderRpc.close();
    await followerRpc.close();
  }
});

test('with no leader known, a follower answers that there is none', async () => {
  const rpc = new RpcServer();
  const port = await rpc.listen('127.0.0.1', 0);
  new ClientRpcService(recordingNodes('f', []), { isLeader: () => false, leaderRpcAddr: () => '' }).register(
    rpc,
  );
  const servers = new RemoteServers([`127.0.0.1:${port}`]);
  try {
    await assert.rejects(servers.getAllocs(['x']), /No cluster leader/);
  } finally {
    servers.close();
    await rpc.close();
  }
});
