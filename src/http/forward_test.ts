import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpServer, type Handler } from './http_server.ts';
import { Router } from './router.ts';
import { needsLeader, type LeaderForwarding, type LeaderRoute } from './forward.ts';
import type { Logger } from './logger.ts';

const quiet: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  named: () => quiet,
};

/** An API that says who answered: GET /v1/jobs, PUT /v1/jobs (echoes the body), GET /v1/agent/members. */
async function api(
  who: string,
  forward?: LeaderForwarding,
): Promise<{ url: string; close: () => Promise<void> }> {
  const router = new Router<Handler>();
  router.add('GET', '/v1/jobs', async (_req, res) => {
    res.setHeader('X-Nomad-KnownLeader', 'true');
    return { who };
  });
  router.add('PUT', '/v1/jobs', async (req) => ({ who, body: req.json() }));
  router.add('GET', '/v1/agent/members', async () => ({ who }));
  const server = new HttpServer({ router, logger: quiet, region: 'global', ...(forward ? { forward } : {}) });
  const addr = await server.listen('127.0.0.1', 0);
  return { url: `http://127.0.0.1:${addr.port}`, close: () => server.close() };
}

function forwardingTo(route: () => LeaderRoute): LeaderForwarding {
  return { hasServer: true, route: async () => route() };
}

test('a follower proxies writes and default reads to the leader, and answers ?stale and agent routes itself', async () => {
  const leader = await api('leader');
  const leaderAddr = leader.url.replace('http://', '');
  const follower = await api(
    'follower',
    forwardingTo(() => ({ kind: 'remote', httpAddr: leaderAddr })),
  );
  try {
    const read = await fetch(`${follower.url}/v1/jobs`);
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), { who: 'leader' });
    assert.equal(read.headers.get('x-nomad-knownleader'), 'true');
    const write = await fetch(`${follower.url}/v1/jobs`, { method: 'PUT', body: JSON.stringify({ a: 1 }) });
    assert.deepEqual(await write.json(), { who: 'leader', body: { a: 1 } });
    assert.deepEqual(await (await fetch(`${follower.url}/v1/jobs?stale`)).json(), { who: 'follower' });
    assert.deepEqual(await (await fetch(`${follower.url}/v1/agent/members`)).json(), { who: 'follower' });
  } finally {
    await follower.close();
    await leader.close();
  }
});

test('without a leader, a request that needs one is answered 500 "No cluster leader"; ?stale still works', async () => {
  const follower = await api(
    'follower',
    forwardingTo(() => ({ kind: 'none' })),
  );
  try {
    const res = await fetch(`${follower.url}/v1/jobs`);
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'No cluster leader');
    assert.equal((await fetch(`${follower.url}/v1/jobs?stale`)).status, 200);
  } finally {
    await follower.close();
  }
});

test('a request that was forwarded once is never forwarded again', async () => {
  const other = await api('other');
  const follower = await api(
    'follower',
    forwardingTo(() => ({ kind: 'remote', httpAddr: other.url.replace('http://', '') })),
  );
  try {
    const res = await fetch(`${follower.url}/v1/jobs`, { headers: { 'X-Nomad-Forwarded': '1' } });
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'No cluster leader');
  } finally {
    await follower.close();
    await other.close();
  }
});

test('needsLeader(): writes and default reads go to the leader; a client-only agent forwards server routes too', () => {
  const q = (s: string): URLSearchParams => new URLSearchParams(s);
  assert.equal(needsLeader('GET', '/v1/jobs', q(''), true), true);
  assert.equal(needsLeader('GET', '/v1/jobs', q('stale'), true), false);
  assert.equal(needsLeader('PUT', '/v1/jobs', q('stale'), true), true);
  assert.equal(needsLeader('DELETE', '/v1/operator/raft/peer', q('id=x'), true), true);
  assert.equal(needsLeader('GET', '/v1/agent/members', q(''), true), false);
  assert.equal(needsLeader('GET', '/v1/status/leader', q(''), true), false);
  assert.equal(needsLeader('GET', '/v1/client/fs/ls/abc', q(''), true), false);
  assert.equal(needsLeader('GET', '/v1/agent/members', q(''), false), true);
  assert.equal(needsLeader('GET', '/v1/agent/self', q(''), false), false);
  assert.equal(needsLeader('GET', '/v1/client/fs/ls/abc', q(''), false), false);
  assert.equal(needsLeader('GET', '/ui/', q(''), false), false);
});
