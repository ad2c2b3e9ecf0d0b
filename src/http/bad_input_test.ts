/**
 * Every endpoint against bad input: an unknown ID gets 404, a malformed body 400 naming the field,
 * a wrong method 405 "Invalid method", an oversized body 413; and none of them changes the state
 * (the store's latest index is the same before and after).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../agent/testing/http_harness.ts';
import type { TestApi } from '../agent/testing/http_harness.ts';
import { mockJob, mockNode } from '../state/testing/mocks.ts';
import { MAX_REQUEST_BODY_BYTES } from './http_server.ts';

const MISSING = '00000000-0000-0000-0000-000000000000';

interface Case {
  method: string;
  path: string;
  body?: string;
  status: number;
  /** The error text must match. */
  text: RegExp;
}

const notFound: Case[] = [
  { method: 'GET', path: '/v1/job/nope', status: 404, text: /^job not found$/ },
  {
    method: 'POST',
    path: '/v1/job/nope',
    body: JSON.stringify({ Job: mockJob({ ID: 'other' }) }),
    status: 400,
    text: /Job ID does not match name/,
  },
  { method: 'DELETE', path: '/v1/job/nope', status: 404, text: /job not found/ },
  { method: 'GET', path: '/v1/job/nope/versions', status: 404, text: /job versions not found/ },
  { method: 'GET', path: '/v1/job/nope/allocations', status: 404, text: /job not found/ },
  { method: 'GET', path: '/v1/job/nope/evaluations', status: 404, text: /job not found/ },
  { method: 'GET', path: '/v1/job/nope/deployments', status: 404, text: /job not found/ },
  { method: 'GET', path: '/v1/job/nope/deployment', status: 404, text: /job not found/ },
  { method: 'GET', path: '/v1/job/nope/summary', status: 404, text: /job not found/ },
  { method: 'GET', path: '/v1/job/nope/scale', status: 404, text: /job not found/ },
  { method: 'POST', path: '/v1/job/nope/evaluate', status: 404, text: /job not found/ },
  {
    method: 'POST',
    path: '/v1/job/nope/revert',
    body: '{"JobID":"nope","JobVersion":0}',
    status: 404,
    text: /job not found/,
  },
  {
    method: 'POST',
    path: '/v1/job/nope/stable',
    body: '{"JobID":"nope","JobVersion":0,"Stable":true}',
    status: 404,
    text: /job not found/,
  },
  {
    method: 'POST',
    path: '/v1/job/nope/scale',
    body: '{"Count":1,"Target":{"Group":"g"}}',
    status: 404,
    text: /job not found/,
  },
  { method: 'POST', path: '/v1/job/nope/dispatch', body: '{}', status: 404, text: /job not found/ },
  { method: 'POST', path: '/v1/job/nope/periodic/force', status: 404, text: /job not found/ },
  { method: 'GET', path: `/v1/allocation/${MISSING}`, status: 404, text: /^alloc not found$/ },
  { method: 'POST', path: `/v1/allocation/${MISSING}/stop`, status: 404, text: /alloc not found/ },
  { method: 'GET', path: `/v1/evaluation/${MISSING}`, status: 404, text: /^eval not found$/ },
  { method: 'GET', path: `/v1/evaluation/${MISSING}/allocations`, status: 404, text: /eval not found/ },
  { method: 'GET', path: `/v1/deployment/${MISSING}`, status: 404, text: /^deployment not found$/ },
  { method: 'GET', path: `/v1/deployment/allocations/${MISSING}`, status: 404, text: /deployment not found/ },
  {
    method: 'POST',
    path: `/v1/deployment/promote/${MISSING}`,
    body: '{"All":true}',
    status: 404,
    text: /deployment not found/,
  },
  { method: 'POST', path: `/v1/deployment/fail/${MISSING}`, status: 404, text: /deployment not found/ },
  {
    method: 'POST',
    path: `/v1/deployment/pause/${MISSING}`,
    body: '{"Pause":true}',
    status: 404,
    text: /deployment not found/,
  },
  { method: 'GET', path: `/v1/node/${MISSING}`, status: 404, text: /^node not found$/ },
  { method: 'GET', path: `/v1/node/${MISSING}/allocations`, status: 404, text: /node not found/ },
  {
    method: 'POST',
    path: `/v1/node/${MISSING}/drain`,
    body: '{"DrainSpec":{"Deadline":0}}',
    status: 404,
    text: /node not found/,
  },
  {
    method: 'POST',
    path: `/v1/node/${MISSING}/eligibility`,
    body: '{"Eligibility":"ineligible"}',
    status: 404,
    text: /node not found/,
  },
  { method: 'GET', path: '/v1/namespace/nope', status: 404, text: /namespace not found/ },
  { method: 'GET', path: `/v1/client/fs/ls/${MISSING}`, status: 404, text: /Unknown allocation/ },
  { method: 'GET', path: `/v1/client/fs/logs/${MISSING}?task=t`, status: 404, text: /Unknown allocation/ },
  { method: 'GET', path: '/v1/nope', status: 404, text: /Invalid URL path: "\/v1\/nope"/ },
];

const malformed: Case[] = [
  {
    method: 'PUT',
    path: '/v1/jobs',
    body: '{not json',
    status: 400,
    text: /Failed to parse request body as JSON/,
  },
  { method: 'PUT', path: '/v1/jobs', body: '', status: 400, text: /Request body is empty/ },
  { method: 'PUT', path: '/v1/jobs', body: '[1,2]', status: 400, text: /must be a JSON object/ },
  { method: 'PUT', path: '/v1/jobs', body: '{}', status: 400, text: /Job must be specified/ },
  {
    method: 'PUT',
    path: '/v1/jobs',
    body: JSON.stringify({ Job: { ID: 'x', TaskGroups: [{ Name: 'g', Count: 'three' }] } }),
    status: 400,
    text: /Job\.TaskGroups\[0\]\.Count/,
  },
  {
    method: 'PUT',
    path: '/v1/jobs',
    body: JSON.stringify({ Job: { ID: 'x', Priority: 'high' } }),
    status: 400,
    text: /Job\.Priority/,
  },
  {
    method: 'PUT',
    path: '/v1/jobs',
    body: JSON.stringify({ Job: { ID: 'x', Bogus: 1 } }),
    status: 400,
    text: /Job\.Bogus/,
  },
  {
    method: 'PUT',
    path: '/v1/jobs',
    body: JSON.stringify({ Job: mockJob({ ID: 'x' }), EnforceIndex: 'yes' }),
    status: 400,
    text: /EnforceIndex must be a boolean/,
  },
  {
    method: 'PUT',
    path: '/v1/jobs',
    body: JSON.stringify({ Job: { ...mockJob({ ID: 'x' }), TaskGroups: [] } }),
    status: 400,
    text: /at least one group/i,
  },
  { method: 'POST', path: '/v1/jobs/parse', body: '{"JobHCL":""}', status: 400, text: /Job spec is empty/ },
  {
    method: 'POST',
    path: '/v1/jobs/parse',
    body: '{"JobHCL":5}',
    status: 400,
    text: /JobHCL must be a string/,
  },
  { method: 'POST', path: '/v1/validate/job', body: '{"Job":{"ID":7}}', status: 400, text: /Job\.ID/ },
  {
    method: 'POST',
    path: '/v1/job/web/plan',
    body: '{"Job":{"ID":"web","Type":3}}',
    status: 400,
    text: /Job\.Type/,
  },
  {
    method: 'POST',
    path: '/v1/job/web/revert',
    body: '{"JobID":"web","JobVersion":"one"}',
    status: 400,
    text: /JobVersion must be an integer/,
  },
  {
    method: 'POST',
    path: '/v1/job/web/revert',
    body: '{"JobVersion":1}',
    status: 400,
    text: /JobID must be specified/,
  },
  {
    method: 'POST',
    path: '/v1/job/web/stable',
    body: '{"JobID":"web","JobVersion":0,"Stable":"y"}',
    status: 400,
    text: /Stable must be a boolean/,
  },
  { method: 'POST', path: '/v1/job/web/scale', body: '{"Count":1}', status: 400, text: /Target\.Group/ },
  {
    method: 'POST',
    path: '/v1/job/web/scale',
    body: '{"Count":-1,"Target":{"Group":"web"}}',
    status: 400,
    text: /Count must be >= 0/,
  },
  {
    method: 'POST',
    path: '/v1/job/web/scale',
    body: '{"Count":1,"Target":{"Group":"nope"}}',
    status: 400,
    text: /Task group "nope"/,
  },
  {
    method: 'POST',
    path: '/v1/job/web/dispatch',
    body: '{"Meta":{"a":1}}',
    status: 400,
    text: /Meta must be a map of strings/,
  },
  {
    method: 'POST',
    path: '/v1/job/web/evaluate',
    body: '{"EvalOptions":{"ForceReschedule":1}}',
    status: 400,
    text: /ForceReschedule must be a boolean/,
  },
  { method: 'DELETE', path: '/v1/job/web?purge=maybe', status: 400, text: /query parameter "purge"/ },
  { method: 'DELETE', path: '/v1/job/web?eval_priority=500', status: 400, text: /Eval priority/ },
  { method: 'GET', path: '/v1/jobs?index=abc', status: 400, text: /query parameter "index"/ },
  { method: 'GET', path: '/v1/jobs?index=1&wait=forever', status: 400, text: /query parameter "wait"/ },
  { method: 'GET', path: '/v1/jobs?per_page=-1', status: 400, text: /query parameter "per_page"/ },
  {
    method: 'POST',
    path: '/v1/node/n1/eligibility',
    body: '{"Eligibility":"maybe"}',
    status: 400,
    text: /Eligibility must be/,
  },
  {
    method: 'POST',
    path: '/v1/node/n1/drain',
    body: '{"DrainSpec":{"Deadline":"soon"}}',
    status: 400,
    text: /Deadline must be an integer/,
  },
  {
    method: 'POST',
    path: '/v1/node/n1/drain',
    body: '{"DrainSpec":"x"}',
    status: 400,
    text: /DrainSpec must be an object/,
  },
  {
    method: 'POST',
    path: `/v1/deployment/pause/${MISSING}`,
    body: '{"Pause":"yes"}',
    status: 400,
    text: /Pause must be a boolean/,
  },
  {
    method: 'POST',
    path: `/v1/deployment/promote/${MISSING}`,
    body: '{"Groups":"web"}',
    status: 400,
    text: /Groups must be a list/,
  },
  {
    method: 'PUT',
    path: '/v1/search',
    body: '{"Prefix":"a","Context":"planets"}',
    status: 400,
    text: /Context must be one of/,
  },
  {
    method: 'PUT',
    path: '/v1/search',
    body: '{"Prefix":1,"Context":"jobs"}',
    status: 400,
    text: /Prefix must be a string/,
  },
  { method: 'GET', path: '/v1/event/stream?topic=Planet:x', status: 400, text: /Invalid topic "Planet"/ },
  { method: 'GET', path: '/v1/metrics?format=xml', status: 400, text: /format must be/ },
  {
    method: 'PUT',
    path: '/v1/operator/scheduler/configuration',
    body: '{"SchedulerAlgorithm":"random"}',
    status: 400,
    text: /SchedulerAlgorithm/,
  },
  {
    method: 'PUT',
    path: '/v1/operator/scheduler/configuration',
    body: '{"PreemptionConfig":{"SystemSchedulerEnabled":"no"}}',
    status: 400,
    text: /SystemSchedulerEnabled must be a boolean/,
  },
  { method: 'PUT', path: '/v1/agent/join', status: 400, text: /Missing address/ },
  { method: 'PUT', path: '/v1/agent/force-leave', status: 400, text: /Missing node/ },
];

const wrongMethod: Case[] = [
  ['DELETE', '/v1/jobs'],
  ['GET', '/v1/jobs/parse'],
  ['GET', '/v1/validate/job'],
  ['PATCH', '/v1/job/web'],
  ['GET', '/v1/job/web/plan'],
  ['DELETE', '/v1/job/web/versions'],
  ['GET', '/v1/job/web/evaluate'],
  ['GET', '/v1/job/web/revert'],
  ['DELETE', '/v1/job/web/scale'],
  ['GET', '/v1/job/web/dispatch'],
  ['GET', '/v1/job/web/periodic/force'],
  ['GET', '/v1/job/web/stable'],
  ['POST', '/v1/allocations'],
  ['DELETE', `/v1/allocation/${MISSING}`],
  ['GET', `/v1/allocation/${MISSING}/stop`],
  ['GET', `/v1/client/allocation/${MISSING}/restart`],
  ['GET', `/v1/client/allocation/${MISSING}/signal`],
  ['POST', `/v1/client/allocation/${MISSING}/stats`],
  ['POST', '/v1/evaluations'],
  ['POST', `/v1/evaluation/${MISSING}`],
  ['POST', '/v1/deployments'],
  ['GET', `/v1/deployment/promote/${MISSING}`],
  ['GET', `/v1/deployment/fail/${MISSING}`],
  ['GET', `/v1/deployment/pause/${MISSING}`],
  ['POST', '/v1/nodes'],
  ['DELETE', `/v1/node/${MISSING}`],
  ['GET', `/v1/node/${MISSING}/drain`],
  ['GET', `/v1/node/${MISSING}/eligibility`],
  ['POST', '/v1/agent/self'],
  ['POST', '/v1/agent/members'],
  ['GET', '/v1/agent/join'],
  ['GET', '/v1/agent/force-leave'],
  ['POST', '/v1/status/leader'],
  ['POST', '/v1/status/peers'],
  ['POST', '/v1/regions'],
  ['POST', '/v1/namespaces'],
  ['GET', '/v1/search'],
  ['POST', '/v1/metrics'],
  ['POST', '/v1/event/stream'],
  ['DELETE', '/v1/operator/scheduler/configuration'],
  ['POST', `/v1/client/fs/logs/${MISSING}`],
  ['POST', `/v1/client/fs/cat/${MISSING}`],
  ['POST', '/v1/client/stats'],
].map(([method, path]) => ({ method: method!, path: path!, status: 405, text: /^Invalid method$/ }));

let api: TestApi;

before(async () => {
  api = await startTestApi();
  // A job and a node to aim the malformed requests at, so they fail on the body, not the ID.
  await api.client.jobs.register(mockJob({ ID: 'web', Name: 'web' }, 1));
  await api.deps.log.propose({ type: 'NodeRegister', node: mockNode('n1') });
});

after(async () => {
  await api.close();
});

async function check(c: Case): Promise<void> {
  const before = api.store.latestIndex();
  const res = await fetch(`${api.base}${c.path}`, {
    method: c.method,
    ...(c.body === undefined ? {} : { body: c.body, headers: { 'Content-Type': 'application/json' } }),
  });
  const text = await res.text();
  assert.equal(res.status, c.status, `${c.method} ${c.path}: ${text}`);
  assert.match(text, c.text, `${c.method} ${c.path}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  assert.doesNotMatch(text, /\bat .+\.ts:\d+/, 'no stack trace');
  assert.equal(api.store.latestIndex(), before, `${c.method} ${c.path} changed the state`);
}

test('an unknown ID gets 404 on every endpoint that takes one, and nothing is written', async () => {
  for (const c of notFound) await check(c);
});

test('a malformed body or query gets 400 naming the field, and nothing is written', async () => {
  for (const c of malformed) await check(c);
});

test('a wrong method gets 405 "Invalid method" with an Allow header, and nothing is written', async () => {
  for (const c of wrongMethod) await check(c);
  const res = await fetch(`${api.base}/v1/jobs`, { method: 'DELETE' });
  assert.equal(res.headers.get('allow'), 'GET, POST, PUT');
  await res.text();
});

test('a body over MAX_REQUEST_BODY_BYTES gets 413 on every writing endpoint, and nothing is written', async () => {
  const big = `{"Job":{"ID":"x","Meta":{"pad":"${'x'.repeat(MAX_REQUEST_BODY_BYTES)}"}}}`;
  for (const path of ['/v1/jobs', '/v1/job/web/plan', '/v1/validate/job', '/v1/jobs/parse', '/v1/search']) {
    await check({
      method: 'PUT',
      path,
      body: big,
      status: 413,
      text: /Request body too large: the limit is \d+ bytes/,
    });
  }
});
