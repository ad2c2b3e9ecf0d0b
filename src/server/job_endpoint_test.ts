import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NomadError } from '../lib/errors.ts';
import type { JobInput } from '../structs/canonicalize.ts';
import { JobEndpoint } from './job_endpoint.ts';
import { JobDispatchEndpoint } from './job_dispatch.ts';
import { JobReadEndpoint } from './job_read_endpoint.ts';
import { newHarness } from './testing/endpoint_harness.ts';

function webJob(overrides: JobInput = {}): JobInput {
  return {
    ID: 'web',
    Name: 'web',
    Type: 'service',
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'web',
        Count: 2,
        Tasks: [{ Name: 'web', Driver: 'mock_driver', Resources: { CPU: 100, MemoryMB: 64 } }],
      },
    ],
    ...overrides,
  };
}

async function refused(
  p: Promise<unknown>,
  kind: NomadError['kind'],
  message: string | RegExp,
): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof NomadError, `expected a NomadError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('Job.Register stores version 0 with a pending job-register evaluation', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  const r = await jobs.register({ job: webJob() });
  const snap = h.store.snapshot();
  const job = snap.jobByID('default', 'web')!;
  assert.equal(job.Version, 0);
  assert.equal(r.JobModifyIndex, job.JobModifyIndex);
  assert.equal(job.SubmitTime, h.clock.nowMs() * 1e6);
  const ev = snap.evalByID(r.EvalID)!;
  assert.equal(ev.TriggeredBy, 'job-register');
  assert.equal(ev.Status, 'pending');
  assert.equal(ev.JobModifyIndex, r.JobModifyIndex);
  assert.equal(r.EvalCreateIndex, r.Index);
});

test('Job.Register of an unchanged job makes no new version but still evaluates it', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  const first = await jobs.register({ job: webJob() });
  h.clock.advance(5_000);
  const again = await jobs.register({ job: webJob() });
  const snap = h.store.snapshot();
  assert.equal(snap.jobByID('default', 'web')!.Version, 0);
  assert.equal(snap.jobVersionsByID('default', 'web').length, 1);
  assert.equal(again.JobModifyIndex, first.JobModifyIndex);
  assert.notEqual(again.EvalID, first.EvalID);
  assert.equal(snap.evalByID(again.EvalID)!.JobModifyIndex, first.JobModifyIndex);
  const changed = await jobs.register({ job: webJob({ Priority: 80 }) });
  assert.equal(h.store.snapshot().jobByID('default', 'web')!.Version, 1);
  assert.ok(changed.JobModifyIndex > first.JobModifyIndex);
});

test('Job.Register with check-index refuses with Nomad\u2019s texts and changes nothing', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  await refused(
    jobs.register({ job: webJob(), enforceIndex: true, jobModifyIndex: 5 }),
    'conflict',
    'Enforcing job modify index 5: job does not exist',
  );
  const { JobModifyIndex } = await jobs.register({ job: webJob(), enforceIndex: true, jobModifyIndex: 0 });
  const before = h.dump();
  await refused(
    jobs.register({ job: webJob({ Priority: 70 }), enforceIndex: true, jobModifyIndex: 0 }),
    'conflict',
    'Enforcing job modify index 0: job already exists',
  );
  await refused(
    jobs.register({ job: webJob({ Priority: 70 }), enforceIndex: true, jobModifyIndex: JobModifyIndex + 4 }),
    'conflict',
    `Enforcing job modify index ${JobModifyIndex + 4}: job exists with conflicting job modify index: ${JobModifyIndex}`,
  );
  assert.equal(h.dump(), before);
  const ok = await jobs.register({
    job: webJob({ Priority: 70 }),
    enforceIndex: true,
    jobModifyIndex: JobModifyIndex,
  });
  assert.ok(ok.JobModifyIndex > JobModifyIndex);
});

test('Job.Register refuses an invalid job, naming the field, and changes nothing', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  const before = h.dump();
  await refused(jobs.register({ job: webJob({ Priority: 500 }) }), 'validation', /[Pp]riority/);
  assert.equal(h.dump(), before);
});

test('Job.Register of a periodic job creates no evaluation and records its first launch', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  const r = await jobs.register({
    job: webJob({
      ID: 'cron',
      Name: 'cron',
      Type: 'batch',
      Periodic: { Spec: '*/5 * * * *', SpecType: 'cron', Enabled: true },
    }),
  });
  assert.equal(r.EvalID, '');
  const snap = h.store.snapshot();
  assert.deepEqual(snap.evals(), []);
  assert.equal(snap.periodicLaunchByID('default', 'cron')!.Launch, h.clock.nowMs() * 1e6);
});

test('Job.Deregister stops the job as a new version, and purge removes it', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  await jobs.register({ job: webJob() });
  const stop = await jobs.deregister({ jobId: 'web' });
  let snap = h.store.snapshot();
  const job = snap.jobByID('default', 'web')!;
  assert.equal(job.Stop, true);
  assert.equal(job.Version, 1);
  assert.equal(snap.evalByID(stop.EvalID)!.TriggeredBy, 'job-deregister');
  await jobs.deregister({ jobId: 'web', purge: true });
  snap = h.store.snapshot();
  assert.equal(snap.jobByID('default', 'web'), undefined);
  assert.deepEqual(snap.jobVersionsByID('default', 'web'), []);
  await refused(jobs.deregister({ jobId: 'web' }), 'not_found', 'job "web" in namespace "default" not found');
});

test('Job.Revert registers an earlier version again; check-index on the prior version is enforced', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  await jobs.register({ job: webJob() });
  await jobs.register({ job: webJob({ Priority: 90 }) });
  await refused(
    jobs.revert({ jobId: 'web', jobVersion: 1 }),
    'bad_request',
    "can't revert to current version",
  );
  await refused(
    jobs.revert({ jobId: 'web', jobVersion: 7 }),
    'not_found',
    'job "web" in namespace "default" at version 7 not found',
  );
  await refused(
    jobs.revert({ jobId: 'web', jobVersion: 0, enforcePriorVersion: 0 }),
    'conflict',
    'Current job has version 1; enforcing version 0',
  );
  await jobs.revert({ jobId: 'web', jobVersion: 0, enforcePriorVersion: 1 });
  const job = h.store.snapshot().jobByID('default', 'web')!;
  assert.equal(job.Version, 2);
  assert.equal(job.Priority, 50);
});

test('Job.Revert to a stable version makes a new version that is not yet stable', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  await jobs.register({ job: webJob() });
  await jobs.stable({ jobId: 'web', jobVersion: 0, stable: true });
  await jobs.register({ job: webJob({ Priority: 90 }) });
  await jobs.revert({ jobId: 'web', jobVersion: 0 });
  const job = h.store.snapshot().jobByID('default', 'web')!;
  assert.equal(job.Version, 2);
  assert.equal(job.Stable, false);
  assert.equal(h.store.snapshot().jobByIDAndVersion('default', 'web', 0)!.Stable, true);
});

test('Job.Scale changes one group\u2019s count with a job-scaling evaluation, within the rules', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  await jobs.register({ job: webJob() });
  const r = await jobs.scale({ jobId: 'web', group: 'web', count: 5 });
  const snap = h.store.snapshot();
  assert.equal(snap.jobByID('default', 'web')!.TaskGroups[0]!.Count, 5);
  assert.equal(snap.evalByID(r.EvalID)!.TriggeredBy, 'job-scaling');
  await refused(
    jobs.scale({ jobId: 'web', group: 'db', count: 1 }),
    'bad_request',
    'task group "db" specified for scaling does not exist in job',
  );
  await refused(
    jobs.scale({ jobId: 'web', group: 'web', count: -1 }),
    'bad_request',
    "scaling action count can't be negative",
  );
  await refused(
    jobs.scale({ jobId: 'nope', group: 'web', count: 1 }),
    'not_found',
    'job "nope" in namespace "default" not found',
  );
});

test('Job.Stable marks a version stable; Job.Evaluate refuses periodic jobs', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  await jobs.register({ job: webJob() });
  await jobs.stable({ jobId: 'web', jobVersion: 0, stable: true });
  assert.equal(h.store.snapshot().jobByID('default', 'web')!.Stable, true);
  const ev = await jobs.evaluate({ jobId: 'web' });
  assert.equal(h.store.snapshot().evalByID(ev.EvalID)!.TriggeredBy, 'job-register');
  await jobs.register({
    job: webJob({
      ID: 'cron',
      Name: 'cron',
      Type: 'batch',
      Periodic: { Spec: '@daily', SpecType: 'cron', Enabled: true },
    }),
  });
  await refused(jobs.evaluate({ jobId: 'cron' }), 'bad_request', "can't evaluate periodic job");
});

test('Job.Dispatch launches a child with payload and meta, and enforces the parameterized rules', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  const dispatch = new JobDispatchEndpoint(h);
  await jobs.register({
    job: webJob({
      ID: 'report',
      Name: 'report',
      Type: 'batch',
      ParameterizedJob: { Payload: 'required', MetaRequired: ['day'], MetaOptional: ['tz'] },
    }),
  });
  const before = h.dump();
  await refused(
    dispatch.dispatch({ jobId: 'report', meta: { day: 'mon' } }),
    'bad_request',
    'Payload is not provided but required by parameterized job',
  );
  await refused(
    dispatch.dispatch({ jobId: 'report', payload: 'aGk=', meta: { day: 'mon', color: 'red' } }),
    'bad_request',
    'Dispatch request included unpermitted metadata keys: [color]',
  );
  await refused(
    dispatch.dispatch({ jobId: 'report', payload: 'aGk=' }),
    'bad_request',
    'Dispatch did not provide required meta keys: [day]',
  );
  await refused(
    dispatch.dispatch({ jobId: 'web', payload: 'aGk=' }),
    'not_found',
    'parameterized job "web" not found',
  );
  assert.equal(h.dump(), before);
  const r = await dispatch.dispatch({ jobId: 'report', payload: 'aGk=', meta: { day: 'mon' } });
  assert.match(r.DispatchedJobID, /^report\/dispatch-\d+-[0-9a-f]{8}$/);
  const snap = h.store.snapshot();
  const child = snap.jobByID('default', r.DispatchedJobID)!;
  assert.equal(child.ParentID, 'report');
  assert.equal(child.Payload, 'aGk=');
  assert.equal(child.Meta!['day'], 'mon');
  assert.equal(snap.evalByID(r.EvalID)!.JobID, r.DispatchedJobID);
  assert.equal(snap.jobSummaryByID('default', 'report')!.Children!.Pending, 1);
});

test('job reads block until the job changes', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  const reads = new JobReadEndpoint(h);
  const r = await jobs.register({ job: webJob() });
  const now = await reads.getJob({ jobId: 'web' });
  assert.equal(now.index, r.JobModifyIndex);
  const waiting = reads.getJob({ jobId: 'web' }, { minIndex: now.index });
  await jobs.register({ job: webJob({ Priority: 60 }) });
  const after = await waiting;
  assert.equal(after.value!.Priority, 60);
  assert.ok(after.index > now.index);
  const list = await reads.list({ prefix: 'w' });
  assert.deepEqual(
    list.value.map((j) => [j.ID, j.Status, j.JobSummary !== null]),
    [['web', 'pending', true]],
  );
  assert.equal((await reads.versions({ jobId: 'web' })).value.length, 2);
  assert.equal((await reads.evaluations({ jobId: 'web' })).value.length, 2);
});

test('a scale racing an update keeps the update: it is retried on the job modify index it lost to', async () => {
  const h = newHarness();
  const jobs = new JobEndpoint(h);
  await jobs.register({ job: webJob({ Meta: { v: '1' } }) });
  // Both are proposed before either applies: the scale read version 1 of the job.
  const [, scaled] = await Promise.all([
    jobs.register({ job: webJob({ Meta: { v: '2' } }) }),
    jobs.scale({ jobId: 'web', group: 'web', count: 5 }),
  ]);
  const job = h.store.snapshot().jobByID('default', 'web')!;
  assert.equal(job.Meta?.['v'], '2');
  assert.equal(job.TaskGroups[0]!.Count, 5);
  assert.equal(job.JobModifyIndex, scaled.JobModifyIndex);
});
