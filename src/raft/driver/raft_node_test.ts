import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcServer } from '../../rpc/rpc.ts';
import type { Configuration } from '../types.ts';
import { LmdbLogStore, MemoryLogStore, type LogStore } from './log_store.ts';
import { RaftNode, type StateMachine } from './raft_node.ts';
import { RpcRaftTransport } from './rpc_transport.ts';

class ListMachine implements StateMachine {
  items: unknown[] = [];
  apply(data: unknown): unknown {
    this.items.push(data);
    return this.items.length;
  }
  snapshot(): unknown {
    return [...this.items];
  }
  restore(data: unknown): void {
    this.items = [...(data as unknown[])];
  }
}

async function waitFor(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Server {
  id: string;
  node: RaftNode;
  fsm: ListMachine;
  rpc: RpcServer;
  transport: RpcRaftTransport;
  store: LogStore;
}

async function startServer(
  id: string,
  port: number,
  config: Configuration,
  store: LogStore,
): Promise<Server> {
  const rpc = new RpcServer();
  await rpc.listen('127.0.0.1', port);
  const transport = new RpcRaftTransport();
  const fsm = new ListMachine();
  const node = new RaftNode({
    id,
    addr: `127.0.0.1:${port}`,
    store,
    transport,
    fsm,
    bootstrap: config,
    tickMs: 20,
    snapshotThreshold: 50,
  });
  transport.attach(rpc, node);
  await node.start();
  return { id, node, fsm, rpc, transport, store };
}

async function stopServer(s: Server): Promise<void> {
  await s.node.shutdown();
  s.transport.close();
  await s.rpc.close();
}

test('a single in-memory node commits and applies proposals with their results', async () => {
  const fsm = new ListMachine();
  const node = new RaftNode({
    id: 'a',
    addr: 'a',
    store: new MemoryLogStore(),
    transport: { send: () => undefined },
    fsm,
    bootstrap: { voters: [{ id: 'a', addr: 'a' }], learners: [] },
    tickMs: 5,
  });
  let leading = false;
  await node.start();
  await waitFor('leadership', () => node.isLeader());
  const results = await Promise.all([node.propose('x'), node.propose('y'), node.propose('z')]);
  assert.deepEqual(
    results.map((r) => r.result),
    [1, 2, 3],
  );
  assert.deepEqual(fsm.items, ['x', 'y', 'z']);
  await node.barrier();
  leading = node.isLeader();
  assert.ok(leading);
  await node.shutdown();
});

test('three servers over TCP with LMDB: replicate, fail over, and come back with their state', async () => {
  const base = 24000 + Math.floor(Math.random() * 20000);
  const dirs = ['a', 'b', 'c'].map(() => mkdtempSync(join(tmpdir(), 'raft-')));
  const config: Configuration = {
    voters: ['a', 'b', 'c'].map((id, i) => ({ id, addr: `127.0.0.1:${base + i}` })),
    learners: [],
  };
  const servers = await Promise.all(
    ['a', 'b', 'c'].map((id, i) => startServer(id, base + i, config, new LmdbLogStore(dirs[i]!))),
  );
  try {
    await waitFor('a leader', () => servers.some((s) => s.node.isLeader()));
    const leader = servers.find((s) => s.node.isLeader())!;
    for (let i = 0; i < 120; i++) await leader.node.propose(`w${i}`);
    await waitFor('replication', () => servers.every((s) => s.fsm.items.length === 120));

    // The leader dies; the other two elect a new one and keep accepting writes.
    await stopServer(leader);
    const rest = servers.filter((s) => s !== leader);
    await waitFor('a new leader', () => rest.some((s) => s.node.isLeader()));
    const next = rest.find((s) => s.node.isLeader())!;
    await next.node.propose('after-failover');

    // The old leader comes back from its disk (snapshot + log) and catches up.
    const i = servers.indexOf(leader);
    const back = await startServer(leader.id, base + i, config, new LmdbLogStore(dirs[i]!));
    servers[i] = back;
    await waitFor('catch-up', () => back.fsm.items.length === 121);
    assert.deepEqual(back.fsm.items, next.fsm.items);
  } finally {
    await Promise.all(servers.map((s) => stopServer(s).catch(() => undefined)));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
