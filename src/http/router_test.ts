import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './router.ts';

function router(): Router<string> {
  return new Router<string>()
    .add('GET', '/v1/jobs', 'jobs-list')
    .add(['PUT', 'POST'], '/v1/jobs', 'jobs-register')
    .add('POST', '/v1/jobs/parse', 'jobs-parse')
    .add(['GET'], '/v1/job/*id', 'job-read')
    .add(['DELETE'], '/v1/job/*id', 'job-delete')
    .add('GET', '/v1/job/*id/versions', 'job-versions')
    .add('POST', '/v1/job/*id/periodic/force', 'job-force')
    .add('GET', '/v1/allocation/:id', 'alloc-read')
    .add('GET', '/v1/client/fs/logs/:alloc', 'logs');
}

test('match() picks the route by method on the same path', () => {
  const r = router();
  assert.deepEqual(r.match('GET', '/v1/jobs'), {
    kind: 'found',
    handler: 'jobs-list',
    params: {},
    pattern: '/v1/jobs',
  });
  const put = r.match('PUT', '/v1/jobs');
  assert.equal(put.kind === 'found' && put.handler, 'jobs-register');
});

test('match() reports a known path with a wrong method apart from an unknown path', () => {
  const r = router();
  assert.deepEqual(r.match('DELETE', '/v1/jobs'), {
    kind: 'method_not_allowed',
    allowed: ['GET', 'POST', 'PUT'],
  });
  assert.deepEqual(r.match('GET', '/v1/nope'), { kind: 'not_found' });
  assert.deepEqual(r.match('GET', '/v1/jobs/parse'), { kind: 'method_not_allowed', allowed: ['POST'] });
});

test('a rest parameter takes job IDs containing slashes, and literal suffixes win', () => {
  const r = router();
  const read = r.match('GET', '/v1/job/batch/dispatch-123');
  assert.deepEqual(read.kind === 'found' && [read.handler, read.params], [
    'job-read',
    { id: 'batch/dispatch-123' },
  ]);
  const versions = r.match('GET', '/v1/job/batch/periodic-1/versions');
  assert.deepEqual(versions.kind === 'found' && [versions.handler, versions.params], [
    'job-versions',
    { id: 'batch/periodic-1' },
  ]);
  const force = r.match('POST', '/v1/job/cron/periodic/force');
  assert.deepEqual(force.kind === 'found' && [force.handler, force.params], ['job-force', { id: 'cron' }]);
});

test('path parameters are percent-decoded, so an encoded slash stays inside one ID', () => {
  const r = router();
  const m = r.match('GET', '/v1/job/a%2Fb/versions');
  assert.deepEqual(m.kind === 'found' && m.params, { id: 'a/b' });
  const alloc = r.match('GET', '/v1/allocation/abc%20def');
  assert.deepEqual(alloc.kind === 'found' && alloc.params, { id: 'abc def' });
});

test('a single-segment parameter does not match across slashes', () => {
  const r = router();
  assert.equal(r.match('GET', '/v1/allocation/a/b').kind, 'not_found');
});

test('a malformed percent-encoding is a bad request naming the segment', () => {
  const r = router();
  assert.throws(
    () => r.match('GET', '/v1/allocation/%E0%A4%A'),
    /Invalid percent-encoding in path segment "%E0%A4%A"/,
  );
});
