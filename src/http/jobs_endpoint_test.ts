import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../agent/testing/http_harness.ts';
import type { TestApi } from '../agent/testing/http_harness.ts';
import { mockJob } from '../state/testing/mocks.ts';
import { ApiError } from '../api/client.ts';

async function withApi(fn: (t: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    await fn(api);
  } finally {
    await api.close();
  }
}

const example = () => mockJob({ ID: 'example', Name: 'example' }, 2);

test('PUT /v1/jobs registers a job with an evaluation, and the reads show it', async () => {
  await withApi(async ({ client, base }) => {
    const reg = await client.jobs.register(example());
    assert.ok(reg.data.EvalID !== '');
    assert.ok(reg.data.JobModifyIndex > 0);
    assert.equal(reg.meta.lastIndex, reg.data.Index);

    const list = await client.jobs.list();
    assert.deepEqual(
      list.data.map((j) => [j.ID, j.Type, j.Status]),
      [['example', 'service', 'pending']],
    );
    assert.ok(list.meta.lastIndex >= reg.data.JobModifyIndex);
    assert.equal(list.meta.knownLeader, true);

    const job = await client.jobs.info('example');
    assert.equal(job.data.ID, 'example');
    assert.equal(job.data.TaskGroups[0]!.Count, 2);
    assert.equal(job.data.Version, 0);

    const evals = await client.jobs.evaluations('example');
    assert.deepEqual(
      evals.data.map((e) => [e.ID, e.TriggeredBy]),
      [[reg.data.EvalID, 'job-register']],
    );
    const allocs = await client.jobs.allocations('example', true);
    assert.deepEqual(allocs.data, []);
    const summary = await client.jobs.summary('example');
    assert.equal(summary.data.JobID, 'example');
    const versions = await client.jobs.versions('example', true);
    assert.deepEqual(
      versions.data.Versions.map((v) => v.Version),
      [0],
    );
    assert.deepEqual(versions.data.Diffs, []);

    const res = await fetch(`${base}/v1/job/example?pretty`);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const text = await res.text();
    assert.ok(text.startsWith('{\n    "'), text.slice(0, 20));
    assert.ok(text.endsWith('}\n'));
  });
});

test('a second register with a changed count makes version 1, with a diff between the versions', async () => {
  await withApi(async ({ client }) => {
    await client.jobs.register(example());
    const changed = mockJob({ ID: 'example', Name: 'example' }, 3);
    await client.jobs.register(changed);
    const versions = await client.jobs.versions('example', true);
    assert.deepEqual(
      versions.data.Versions.map((v) => v.Version),
      [1, 0],
    );
    const diff = versions.data.Diffs![0] as { Type: string; TaskGroups: { Name: string; Type: string }[] };
    assert.equal(diff.Type, 'Edited');
    assert.deepEqual(
      diff.TaskGroups.map((g) => [g.Name, g.Type]),
      [['web', 'Edited']],
    );
  });
});

test('register with EnforceIndex refuses a stale JobModifyIndex and writes nothing', async () => {
  await withApi(async ({ client, store }) => {
    const first = await client.jobs.register(example());
    const before = store.latestIndex();
    await assert.rejects(
      client.jobs.register(example(), { enforceIndex: true, modifyIndex: first.data.JobModifyIndex + 100 }),
      (err: ApiError) => err.status === 400 && /Enforcing job modify index/.test(err.body),
    );
    assert.equal(store.latestIndex(), before);
  });
});

test('GET /v1/jobs filters by prefix and namespace, and paginates with X-Nomad-NextToken', async () => {
  await withApi(async ({ client }) => {
    for (const id of ['a1', 'a2', 'a3', 'b1']) await client.jobs.register(mockJob({ ID: id, Name: id }, 1));
    const prefixed = await client.jobs.list({ prefix: 'a' });
    assert.deepEqual(
      prefixed.data.map((j) => j.ID),
      ['a1', 'a2', 'a3'],
    );
    const page1 = await client.jobs.list({ perPage: 2 });
    assert.deepEqual(
      page1.data.map((j) => j.ID),
      ['a1', 'a2'],
    );
    assert.equal(page1.meta.nextToken, 'default.a3');
    const page2 = await client.jobs.list({ perPage: 2, nextToken: page1.meta.nextToken });
    assert.deepEqual(
      page2.data.map((j) => j.ID),
      ['a3', 'b1'],
    );
    assert.equal(page2.meta.nextToken, '');
    const other = await client.jobs.list({ namespace: 'other' });
    assert.deepEqual(other.data, []);
    const all = await client.jobs.list({ namespace: '*' });
    assert.equal(all.data.length, 4);
  });
});

test('GET /v1/jobs?meta=true includes each job meta', async () => {
  await withApi(async ({ client }) => {
    await client.jobs.register(mockJob({ ID: 'm', Name: 'm', Meta: { team: 'core' } }, 1));
    const withMeta = await client.jobs.list({ meta: true });
    assert.deepEqual(withMeta.data[0]!.Meta, { team: 'core' });
    const without = await client.jobs.list();
    assert.equal(without.data[0]!.Meta, undefined);
  });
});

test('DELETE /v1/job/:id stops the job; with purge=true it is gone', async () => {
  await withApi(async ({ client }) => {
    await client.jobs.register(example());
    const stop = await client.jobs.deregister('example');
    assert.ok(stop.data.EvalID !== '');
    assert.equal((await client.jobs.info('example')).data.Stop, true);
    await client.jobs.deregister('example', { purge: true });
    await assert.rejects(
      client.jobs.info('example'),
      (err: ApiError) => err.status === 404 && err.body === 'job not found',
    );
  });
});

test('POST /v1/job/:id/evaluate, /revert and /stable act on the job', async () => {
  await withApi(async ({ client, store }) => {
    await client.jobs.register(example());
    await client.jobs.register(mockJob({ ID: 'example', Name: 'example' }, 5));
    const ev = await client.jobs.forceEvaluate('example');
    assert.equal(store.snapshot().evalByID(ev.data.EvalID)?.TriggeredBy, 'job-register');
    const reverted = await client.jobs.revert('example', 0, null);
    assert.ok(reverted.data.JobModifyIndex > 0);
    const job = (await client.jobs.info('example')).data;
    assert.equal(job.Version, 2);
    assert.equal(job.TaskGroups[0]!.Count, 2);
    await client.jobs.stable('example', 2, true);
    assert.equal(store.snapshot().jobByIDAndVersion('default', 'example', 2)?.Stable, true);
  });
});

test('GET and POST /v1/job/:id/scale report and change a group count', async () => {
  await withApi(async ({ client }) => {
    await client.jobs.register(example());
    const status = await client.jobs.scaleStatus('example');
    assert.equal(status.data.TaskGroups['web']!.Desired, 2);
    await client.jobs.scale('example', { Count: 4, Target: { Group: 'web' }, Message: 'more' });
    assert.equal((await client.jobs.info('example')).data.TaskGroups[0]!.Count, 4);
  });
});

test('POST /v1/validate/job reports validation errors in the body with a 200', async () => {
  await withApi(async ({ client }) => {
    const bad = mockJob({ ID: 'v', Name: 'v' }, 1);
    const invalid = { ...bad, TaskGroups: [{ ...bad.TaskGroups[0]!, Count: -1 }] };
    const out = await client.jobs.validate(invalid);
    assert.ok(out.data.ValidationErrors.length > 0);
    assert.match(out.data.Error, /count/i);
    const ok = await client.jobs.validate(bad);
    assert.deepEqual(ok.data.ValidationErrors, []);
  });
});

test('POST /v1/jobs/parse turns an HCL job file into the job JSON', async () => {
  await withApi(async ({ client }) => {
    const job = await client.jobs.parseHCL({
      JobHCL:
        'job "hello" {\n  group "g" {\n    task "t" {\n      driver = "raw_exec"\n      config {\n        command = "/bin/true"\n      }\n    }\n  }\n}\n',
      Canonicalize: true,
    });
    assert.equal(job.ID, 'hello');
    assert.equal(job.TaskGroups[0]!.Tasks[0]!.Driver, 'raw_exec');
  });
});

test('a job file with an error is a 400 naming the place', async () => {
  await withApi(async ({ client }) => {
    await assert.rejects(
      client.jobs.parseHCL({ JobHCL: 'job "x" {\n  group "g" {\n    count = "many"\n  }\n}\n' }),
      (err: ApiError) => err.status === 400 && /count/.test(err.body),
    );
  });
});
