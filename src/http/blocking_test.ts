import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { startTestApi } from '../agent/testing/http_harness.ts';
import type { TestApi } from '../agent/testing/http_harness.ts';
import { mockJob, mockNode } from '../state/testing/mocks.ts';

async function withApi(fn: (t: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

/** Lets pending I/O and timers of zero delay run, so a woken query would have answered. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await tick();
}

test('a blocking job list wakes on a job write and not on a node write', async () => {
  await withApi(async ({ client, deps, store }) => {
    await client.jobs.register(mockJob({ ID: 'a', Name: 'a' }, 1));
    const first = await client.jobs.list();
    let answered = false;
    const blocked = client.jobs.list({ waitIndex: first.meta.lastIndex, waitTimeMs: 60_000 }).then((r) => {
      answered = true;
      return r;
    });
    await settle();
    assert.equal(store.watcherCount(), 1, 'the query is waiting');

    await deps.log.propose({ type: 'NodeRegister', node: mockNode('n1') });
    await settle();
    assert.equal(answered, false, 'a node write does not answer a job list');
    assert.equal(store.watcherCount(), 1);

    const reg = await client.jobs.register(mockJob({ ID: 'b', Name: 'b' }, 1));
    const woken = await blocked;
    assert.ok(woken.meta.lastIndex >= reg.data.JobModifyIndex);
    assert.ok(woken.meta.lastIndex > first.meta.lastIndex);
    assert.deepEqual(
      woken.data.map((j) => j.ID),
      ['a', 'b'],
    );
  });
});

test('a blocking read of one job wakes on that job only', async () => {
  await withApi(async ({ client, store }) => {
    await client.jobs.register(mockJob({ ID: 'a', Name: 'a' }, 1));
    const a = await client.jobs.info('a');
    let answered = false;
    const blocked = client.jobs.info('a', { waitIndex: a.meta.lastIndex, waitTimeMs: 60_000 }).then((r) => {
      answered = true;
      return r;
    });
    await settle();
    await client.jobs.register(mockJob({ ID: 'other', Name: 'other' }, 1));
    await settle();
    assert.equal(answered, false, 'another job does not answer');
    assert.equal(store.watcherCount(), 1);
    await client.jobs.register(mockJob({ ID: 'a', Name: 'a' }, 4));
    const woken = await blocked;
    assert.equal(woken.data.TaskGroups[0]!.Count, 4);
    assert.ok(woken.meta.lastIndex > a.meta.lastIndex);
  });
});

test('a blocking query answers with the unchanged index when its wait runs out', async () => {
  await withApi(async ({ client, store }) => {
    await client.jobs.register(mockJob({ ID: 'a', Name: 'a' }, 1));
    const first = await client.jobs.list();
    const again = await client.jobs.list({ waitIndex: first.meta.lastIndex, waitTimeMs: 20 });
    assert.equal(again.meta.lastIndex, first.meta.lastIndex);
    assert.equal(store.watcherCount(), 0, 'no watcher is left behind');
  });
});

test('a blocking query whose caller goes away leaves no watcher behind', async () => {
  await withApi(async ({ base, client, store }) => {
    await client.jobs.register(mockJob({ ID: 'a', Name: 'a' }, 1));
    const first = await client.jobs.list();
    const ac = new AbortController();
    const pending = fetch(`${base}/v1/jobs?index=${first.meta.lastIndex}&wait=60s`, { signal: ac.signal });
    await settle();
    assert.equal(store.watcherCount(), 1);
    ac.abort();
    await assert.rejects(pending);
    for (let i = 0; i < 50 && store.watcherCount() > 0; i++) await settle();
    assert.equal(store.watcherCount(), 0);
  });
});

test('every read sets X-Nomad-Index, X-Nomad-KnownLeader and X-Nomad-LastContact, and accepts X-Nomad-Token', async () => {
  await withApi(async ({ base }) => {
    const res = await fetch(`${base}/v1/jobs`, { headers: { 'X-Nomad-Token': 'anything' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-nomad-index'), '1');
    assert.equal(res.headers.get('x-nomad-knownleader'), 'true');
    assert.equal(res.headers.get('x-nomad-lastcontact'), '0');
    assert.deepEqual(await res.json(), []);
  });
});
