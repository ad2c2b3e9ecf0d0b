import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { NomadError } from '../lib/errors.ts';
import { encodeFrame, FrameDecoder } from './frame.ts';
import { RpcClient, RpcServer, splitAddress } from './rpc.ts';

test('FrameDecoder reassembles frames split across chunks and joined in one', () => {
  const a = encodeFrame({ t: 'msg', method: 'x', body: { n: 1 } });
  const b = encodeFrame({ t: 'msg', method: 'y', body: 'two' });
  const both = Buffer.concat([a, b]);
  const d = new FrameDecoder();
  assert.deepEqual(d.push(both.subarray(0, 3)), []);
  assert.deepEqual(d.push(both.subarray(3, a.length + 2)), [{ t: 'msg', method: 'x', body: { n: 1 } }]);
  assert.deepEqual(d.push(both.subarray(a.length + 2)), [{ t: 'msg', method: 'y', body: 'two' }]);
});

test('FrameDecoder refuses an oversized frame without buffering it', () => {
  const d = new FrameDecoder();
  const head = Buffer.alloc(4);
  head.writeUInt32BE(0xffffffff, 0);
  assert.throws(() => d.push(head), /exceeds the limit/);
});

test('calls reach their handler and errors come back with their kind', async () => {
  const server = new RpcServer();
  server.handle('Echo', (body) => body);
  server.handle('Fail', () => {
    throw new NomadError('not_found', 'job "x" not found');
  });
  const port = await server.listen('127.0.0.1', 0);
  const client = new RpcClient(`127.0.0.1:${port}`);
  try {
    assert.deepEqual(await client.call('Echo', { a: [1, 2] }), { a: [1, 2] });
    await assert.rejects(
      client.call('Fail', {}),
      (err: unknown) => err instanceof NomadError && err.kind === 'not_found',
    );
    await assert.rejects(client.call('Nope', {}), /Unknown RPC method "Nope"/);
  } finally {
    client.close();
    await server.close();
  }
});

test('one-way messages are delivered in order', async () => {
  const server = new RpcServer();
  const got: unknown[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  server.handle('Note', (body) => {
    got.push(body);
    if (got.length === 100) done();
  });
  const port = await server.listen('127.0.0.1', 0);
  const client = new RpcClient(`127.0.0.1:${port}`);
  try {
    for (let i = 0; i < 100; i++) await client.send('Note', i);
    await all;
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => i),
    );
  } finally {
    client.close();
    await server.close();
  }
});

test('a peer that sends garbage is disconnected and the server keeps serving', async () => {
  const server = new RpcServer();
  server.handle('Echo', (body) => body);
  const port = await server.listen('127.0.0.1', 0);
  const closed = await new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      const bad = Buffer.from('\x00\x00\x00\x05hello');
      s.write(bad);
    });
    s.on('close', () => resolve(true));
    s.on('error', () => undefined);
  });
  assert.ok(closed);
  const client = new RpcClient(`127.0.0.1:${port}`);
  try {
    assert.equal(await client.call('Echo', 'still here'), 'still here');
  } finally {
    client.close();
    await server.close();
  }
});

test('calling an address with nothing listening fails as unavailable', async () => {
  const client = new RpcClient('127.0.0.1:1');
  await assert.rejects(
    client.call('Echo', 1),
    (err: unknown) => err instanceof NomadError && err.kind === 'unavailable',
  );
});

test('splitAddress() names a bad address', () => {
  assert.deepEqual(splitAddress('127.0.0.1:4647'), { host: '127.0.0.1', port: 4647 });
  assert.deepEqual(splitAddress('[::1]:4647'), { host: '::1', port: 4647 });
  assert.throws(() => splitAddress('nohost'), /Invalid address "nohost"/);
});
