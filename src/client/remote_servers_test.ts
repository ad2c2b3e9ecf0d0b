import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcServer } from '../rpc/rpc.ts';
import { NomadError } from '../lib/errors.ts';
import { RemoteServers } from './remote_servers.ts';

/** A server that answers heartbeats with its name and the server list it is given. */
async function fakeServer(
  name: string,
  servers: () => string[],
): Promise<{ addr: string; close: () => Promise<void> }> {
  const rpc = new RpcServer();
  rpc.handle('Node.UpdateStatus', () => ({ heartbeatTtlMs: 10_000, index: 7, servers: servers(), name }));
  rpc.handle('Alloc.GetAllocs', () => {
    throw new NomadError('not_found', `no such allocation on ${name}`);
  });
  const port = await rpc.listen('127.0.0.1', 0);
  return { addr: `127.0.0.1:${port}`, close: () => rpc.close() };
}

test('a client learns every server from heartbeats and fails over when the one it uses dies', async () => {
  const list: string[] = [];
  const a = await fakeServer('a', () => list);
  const b = await fakeServer('b', () => list);
  list.push(a.addr, b.addr);
  const remote = new RemoteServers([a.addr]);
  try {
    const first = (await remote.updateNodeStatus('n1', 'ready')) as unknown as { name: string };
    assert.equal(first.name, 'a');
    assert.deepEqual(remote.serverList(), [a.addr, b.addr]);
    await a.close();
    const second = (await remote.updateNodeStatus('n1', 'ready')) as unknown as { name: string };
    assert.equal(second.name, 'b');
    assert.equal(remote.serverList()[0], b.addr, 'the server that answered stays first');
  } finally {
    remote.close();
    await b.close();
  }
});

test('a refusal is not a failover: the error of the server that answered comes back as it is', async () => {
  const a = await fakeServer('a', () => []);
  const remote = new RemoteServers([a.addr]);
  try {
    await assert.rejects(remote.getAllocs(['x']), (err: NomadError) => {
      assert.equal(err.kind, 'not_found');
      assert.match(err.message, /no such allocation on a/);
      return true;
    });
  } finally {
    remote.close();
    await a.close();
  }
});

test('with no server answering, a call fails as unavailable (the client keeps its tasks and retries)', async () => {
  const a = await fakeServer('a', () => []);
  const addr = a.addr;
  await a.close();
  const remote = new RemoteServers([addr]);
  try {
    await assert.rejects(remote.updateNodeStatus('n1', 'ready'), (err: NomadError) => {
      assert.equal(err.kind, 'unavailable');
      assert.match(err.message, /^No server answered Node\.UpdateStatus/);
      return true;
    });
  } finally {
    remote.close();
  }
});
