import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, configFromEnv } from './client.ts';
import { NomadClient } from './nomad_client.ts';

test('configFromEnv() reads NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION and NOMAD_NAMESPACE, with the default address', () => {
  assert.deepEqual(configFromEnv({}), {
    address: 'http://127.0.0.1:4646',
    token: '',
    region: '',
    namespace: '',
  });
  assert.deepEqual(
    configFromEnv({ NOMAD_ADDR: 'http://h:1', NOMAD_TOKEN: 't', NOMAD_REGION: 'r', NOMAD_NAMESPACE: 'n' }),
    { address: 'http://h:1', token: 't', region: 'r', namespace: 'n' },
  );
});

/** A real HTTP server answering every request with what `answer` says, recording what it got. */
async function withServer(
  answer: (path: string) => { status: number; body: string; headers?: Record<string, string> },
  fn: (
    address: string,
    seen: { url: string; method: string; token: string | undefined; body: string }[],
  ) => Promise<void>,
): Promise<void> {
  const seen: { url: string; method: string; token: string | undefined; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({
        url: req.url ?? '',
        method: req.method ?? '',
        token: req.headers['x-nomad-token'] as string | undefined,
        body,
      });
      const a = answer(req.url ?? '');
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.close();
  }
}

test('queries carry region, namespace, blocking index and wait, and return the query meta', async () => {
  await withServer(
    () => ({
      status: 200,
      body: '[]',
      headers: {
        'X-Nomad-Index': '42',
        'X-Nomad-KnownLeader': 'true',
        'X-Nomad-LastContact': '7',
        'X-Nomad-NextToken': 'nt',
      },
    }),
    async (address, seen) => {
      const client = new NomadClient({ address, token: 'secret', region: 'eu', namespace: 'prod' });
      const r = await client.jobs.list({ waitIndex: 41, waitTimeMs: 5000, prefix: 'ex' });
      assert.deepEqual(r.data, []);
      assert.equal(r.meta.lastIndex, 42);
      assert.equal(r.meta.knownLeader, true);
      assert.equal(r.meta.lastContactMs, 7);
      assert.equal(r.meta.nextToken, 'nt');
      const url = new URL(seen[0]!.url, 'http://x');
      assert.equal(url.pathname, '/v1/jobs');
      assert.equal(url.searchParams.get('region'), 'eu');
      assert.equal(url.searchParams.get('namespace'), 'prod');
      assert.equal(url.searchParams.get('index'), '41');
      assert.equal(url.searchParams.get('wait'), '5000ms');
      assert.equal(url.searchParams.get('prefix'), 'ex');
      assert.equal(seen[0]!.token, 'secret');
    },
  );
});

test('a job ID with a slash stays one path segment', async () => {
  await withServer(
    () => ({ status: 200, body: '{}' }),
    async (address, seen) => {
      await new NomadClient({ address }).jobs.info('batch/dispatch-1');
      assert.equal(seen[0]!.url.split('?')[0], '/v1/job/batch%2Fdispatch-1');
    },
  );
});

test('an error answer rejects with ApiError carrying the status and body text', async () => {
  await withServer(
    () => ({ status: 404, body: 'job not found' }),
    async (address) => {
      await assert.rejects(new NomadClient({ address }).jobs.info('nope'), (err: ApiError) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 404);
        assert.equal(err.body, 'job not found');
        assert.equal(err.message, 'Unexpected response code: 404 (job not found)');
        return true;
      });
    },
  );
});

test('writes send the register body and return the write index', async () => {
  await withServer(
    () => ({ status: 200, body: '{"EvalID":"e","Index":9}', headers: { 'X-Nomad-Index': '9' } }),
    async (address, seen) => {
      const client = new NomadClient({ address });
      const job = { ID: 'x' } as Parameters<typeof client.jobs.register>[0];
      const r = await client.jobs.register(job, { enforceIndex: true, modifyIndex: 3 });
      assert.equal(r.meta.lastIndex, 9);
      assert.equal(seen[0]!.method, 'PUT');
      const body = JSON.parse(seen[0]!.body) as Record<string, unknown>;
      assert.deepEqual(body['Job'], { ID: 'x' });
      assert.equal(body['EnforceIndex'], true);
      assert.equal(body['JobModifyIndex'], 3);
    },
  );
});

test('no agent at the address is an ApiError with status 0 naming the address', async () => {
  const client = new NomadClient({ address: 'http://127.0.0.1:1' });
  await assert.rejects(client.status.leader(), (err: ApiError) => {
    assert.equal(err.status, 0);
    assert.match(err.message, /127\.0\.0\.1:1.*connection refused/);
    return true;
  });
});
