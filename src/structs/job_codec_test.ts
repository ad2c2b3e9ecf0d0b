import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultiError } from '../lib/errors.ts';
import { canonicalizeJob } from './canonicalize.ts';
import { decodeApiJob, decodeApiJobRequest, encodeApiJob, isApiJobRequest } from './job_codec.ts';

function errorsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof MultiError) return err.errors;
    throw err;
  }
  assert.fail('expected the decode to fail');
}

test('decodeApiJob() reads a bare job and decodeApiJobRequest() a {"Job": ...} body', () => {
  const job = { ID: 'x', TaskGroups: [{ Name: 'g', Count: 2, Tasks: [{ Name: 't', Driver: 'exec' }] }] };
  assert.deepEqual(decodeApiJob(job), job);
  assert.deepEqual(decodeApiJobRequest({ Job: job }), job);
  assert.equal(isApiJobRequest({ Job: job }), true);
  assert.equal(isApiJobRequest(job), false);
});

test('decodeApiJob() names the path and the expected type of every wrong field', () => {
  const errors = errorsOf(() =>
    decodeApiJob({
      ID: 7,
      Datacenters: 'dc1',
      TaskGroups: [{ Name: 'g', Count: '3', Tasks: [{ Name: 't', Resources: { CPU: true } }] }],
    }),
  );
  assert.deepEqual(errors, [
    'Job.ID: expected a string, got 7',
    'Job.Datacenters: expected a list, got "dc1"',
    'Job.TaskGroups[0].Count: expected a number, got "3"',
    'Job.TaskGroups[0].Tasks[0].Resources.CPU: expected a number, got true',
  ]);
});

test('decodeApiJob() refuses unknown fields but accepts unmodelled Nomad fields when empty', () => {
  assert.deepEqual(
    errorsOf(() => decodeApiJob({ ID: 'x', Colour: 'red' })),
    ['Job.Colour: unknown field in Job'],
  );
  assert.deepEqual(decodeApiJob({ ID: 'x', ConsulNamespace: '', NomadTokenID: '' }), { ID: 'x' });
  assert.deepEqual(
    errorsOf(() => decodeApiJob({ ID: 'x', VersionTag: { Name: 'v1' } })),
    ['Job.VersionTag: is not supported by nomad-ts'],
  );
});

test('decodeApiJob() treats null as an absent field and refuses a body that is not an object', () => {
  assert.deepEqual(decodeApiJob({ ID: 'x', Meta: null, TaskGroups: null }), {
    ID: 'x',
    Meta: null,
    TaskGroups: null,
  });
  assert.deepEqual(
    errorsOf(() => decodeApiJob([])),
    ['Job: expected an object, got a list'],
  );
  assert.deepEqual(
    errorsOf(() => decodeApiJobRequest({ job: {} })),
    ['request body: missing field "Job"'],
  );
});

test('encodeApiJob() then decodeApiJob() gives back the same canonical job', () => {
  const job = canonicalizeJob({
    ID: 'example',
    TaskGroups: [
      { Name: 'cache', Tasks: [{ Name: 'redis', Driver: 'docker', Config: { image: 'redis:3.2' } }] },
    ],
  });
  const wire = JSON.parse(JSON.stringify(encodeApiJob(job))) as unknown;
  assert.deepEqual(canonicalizeJob(decodeApiJob(wire)), job);
});
