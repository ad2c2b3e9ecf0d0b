import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../agent/testing/http_harness.ts';
import type { TestApi } from '../agent/testing/http_harness.ts';
import { mockAlloc, mockDeployment, mockJob, mockNode } from '../state/testing/mocks.ts';
import type { Job } from '../structs/job.ts';
import type { StreamEvents } from '../api/types.ts';

const NODE = 'aaaaaaaa-0000-4000-8000-000000000001';
const ALLOC = 'bbbbbbbb-0000-4000-8000-000000000001';
const DEPLOYMENT = 'cccccccc-0000-4000-8000-000000000001';

let api: TestApi;
let job: Job;
let evalId: string;

before(async () => {
  api = await startTestApi();
  await api.deps.log.propose({ type: 'NodeRegister', node: mockNode(NODE, { Name: 'node-one' }) });
  const reg = await api.client.jobs.register(mockJob({ ID: 'example', Name: 'example' }, 1));
  evalId = reg.data.EvalID;
  job = api.store.snapshot().jobByID('default', 'example')!;
  await api.deps.log.propose({
    type: 'ApplyPlanResults',
    job,
    evalId,
    allocsUpdated: [
      mockAlloc(ALLOC, job, NODE, { EvalID: evalId, DeploymentID: DEPLOYMENT, ClientStatus: 'running' }),
    ],
    allocsStopped: [],
    allocsPreempted: [],
    deployment: mockDeployment(DEPLOYMENT, job),
    deploymentUpdates: [],
    preemptionEvals: [],
  });
});

after(async () => {
  await api.close();
});

test('allocations: list with prefix, read, and the job, eval, node and deployment views of them', async () => {
  const { client } = api;
  assert.deepEqual(
    (await client.allocations.list()).data.map((a) => [a.ID, a.JobID, a.ClientStatus, a.JobType]),
    [[ALLOC, 'example', 'running', 'service']],
  );
  assert.equal((await client.allocations.prefixList('bbbb')).data.length, 1);
  assert.equal((await client.allocations.prefixList('ffff')).data.length, 0);
  const alloc = await client.allocations.info(ALLOC);
  assert.equal(alloc.data.Job?.ID, 'example');
  assert.equal((await client.jobs.allocations('example', false)).data[0]!.ID, ALLOC);
  assert.equal((await client.evaluations.allocations(evalId)).data[0]!.ID, ALLOC);
  assert.equal((await client.nodes.allocations(NODE)).data[0]!.ID, ALLOC);
  assert.equal((await client.deployments.allocations(DEPLOYMENT)).data[0]!.ID, ALLOC);
});

test('evaluations, deployments and nodes: lists, prefixes and reads', async () => {
  const { client } = api;
  assert.deepEqual(
    (await client.evaluations.list()).data.map((e) => e.ID),
    [evalId],
  );
  assert.equal((await client.evaluations.info(evalId)).data.JobID, 'example');
  assert.equal((await client.evaluations.list({ status: 'complete' })).data.length, 0);
  assert.deepEqual(
    (await client.deployments.list()).data.map((d) => d.ID),
    [DEPLOYMENT],
  );
  assert.equal((await client.deployments.info(DEPLOYMENT)).data.JobID, 'example');
  assert.equal((await client.jobs.latestDeployment('example')).data?.ID, DEPLOYMENT);
  assert.equal((await client.jobs.deployments('example', true)).data.length, 1);
  const nodes = await client.nodes.list({ os: true });
  assert.deepEqual(
    nodes.data.map((n) => [n.ID, n.Name, n.Status, n.Drain]),
    [[NODE, 'node-one', 'ready', false]],
  );
  assert.ok(nodes.data[0]!.Attributes !== undefined);
  const node = await client.nodes.info(NODE);
  assert.equal(node.data.Name, 'node-one');
  assert.equal(node.data.SecretID, '', 'the secret never leaves the server');
});

test('node drain and eligibility change the node', async () => {
  const { client, store } = api;
  await client.nodes.toggleEligibility(NODE, false);
  assert.equal(store.snapshot().nodeByID(NODE)?.SchedulingEligibility, 'ineligible');
  await client.nodes.toggleEligibility(NODE, true);
  const drain = await client.nodes.updateDrain(NODE, { Deadline: 3600e9, IgnoreSystemJobs: false }, false);
  assert.ok(drain.data.NodeModifyIndex > 0);
  assert.notEqual(store.snapshot().nodeByID(NODE)?.DrainStrategy, null);
  await client.nodes.updateDrain(NODE, null, true);
  assert.equal(store.snapshot().nodeByID(NODE)?.DrainStrategy, null);
});

test('POST /v1/allocation/:id/stop marks the allocation to migrate with a new evaluation', async () => {
  const { client, store } = api;
  const out = await client.allocations.stop(ALLOC);
  assert.ok(out.data.EvalID !== '');
  assert.equal(store.snapshot().evalByID(out.data.EvalID)?.TriggeredBy, 'alloc-stop');
  assert.equal(store.snapshot().allocByID(ALLOC)?.DesiredTransition.Migrate, true);
});

test('search finds IDs by prefix per context, and all contexts at once', async () => {
  const { client } = api;
  const jobs = await client.search.prefixSearch('exa', 'jobs');
  assert.deepEqual(jobs.data.Matches, { jobs: ['example'] });
  assert.deepEqual(jobs.data.Truncations, { jobs: false });
  const all = await client.search.prefixSearch('bbbb', 'all');
  assert.deepEqual(all.data.Matches['allocs'], [ALLOC]);
  assert.deepEqual(all.data.Matches['jobs'], []);
  assert.deepEqual((await client.search.prefixSearch('aaaa', 'nodes')).data.Matches, { nodes: [NODE] });
});

test('agent, status, regions, namespaces and members describe the one-server cluster', async () => {
  const { client } = api;
  assert.equal(await client.status.leader(), '127.0.0.1:4647');
  assert.deepEqual(await client.status.peers(), ['127.0.0.1:4647']);
  assert.deepEqual(await client.status.regions(), ['global']);
  const members = await client.agent.members();
  assert.equal(members.ServerRegion, 'global');
  assert.deepEqual(
    members.Members.map((m) => [m.Name, m.Status, m.Port]),
    [['test.global', 'alive', 4648]],
  );
  const self = await client.agent.self();
  assert.equal(self.member?.Name, 'test.global');
  assert.deepEqual(await client.agent.health(), { server: { ok: true, message: 'ok' } });
  const ns = await client.namespaces.list();
  assert.deepEqual(
    ns.data.map((n) => n.Name),
    ['default'],
  );
});

test('scheduler configuration reads and updates, and ?cas refuses a stale index', async () => {
  const { client } = api;
  const cur = await client.operator.schedulerGetConfiguration();
  assert.equal(cur.data.SchedulerConfig.SchedulerAlgorithm, 'binpack');
  const set = await client.operator.schedulerSetConfiguration({
    ...cur.data.SchedulerConfig,
    SchedulerAlgorithm: 'spread',
  });
  assert.equal(set.data.Updated, true);
  const after = await client.operator.schedulerGetConfiguration();
  assert.equal(after.data.SchedulerConfig.SchedulerAlgorithm, 'spread');
  const stale = await client.operator.schedulerSetConfiguration(
    { ...after.data.SchedulerConfig, SchedulerAlgorithm: 'binpack' },
    { cas: 1 },
  );
  assert.equal(stale.data.Updated, false);
});

test('metrics come as JSON and as Prometheus text', async () => {
  const { client } = api;
  const json = await client.operator.metrics();
  const statuses = json.Gauges.filter((g) => g.Name.startsWith('nomad.nomad.job_status.'));
  assert.equal(
    statuses.reduce((n, g) => n + g.Value, 0),
    api.store.snapshot().jobs().length,
  );
  const text = await client.operator.metricsPrometheus();
  assert.match(text, /^# TYPE nomad_runtime_alloc_bytes gauge$/m);
  assert.match(text, /^nomad_nomad_job_status_running\{host="test"\} \d+$/m);
});

test('the event stream replays from an index, filters by topic and key, and streams new events', async () => {
  const { client } = api;
  const ac = new AbortController();
  const seen: StreamEvents[] = [];
  const stream = client.events.stream({ topics: { Job: ['example'] }, index: 0, signal: ac.signal });
  const first = await stream.next();
  assert.equal(first.done, false);
  seen.push(first.value as StreamEvents);
  assert.ok(seen[0]!.Events.every((e) => e.Topic === 'Job' && e.Key === 'example'));
  assert.equal(seen[0]!.Events[0]!.Type, 'JobRegistered');
  await client.jobs.register(mockJob({ ID: 'unrelated', Name: 'unrelated' }, 1));
  const reg = await client.jobs.register(mockJob({ ID: 'example', Name: 'example' }, 2));
  let batch: StreamEvents;
  do {
    const next = await stream.next();
    batch = next.value as StreamEvents;
    assert.ok(
      batch.Events.every((e) => e.Topic === 'Job' && e.Key === 'example'),
      'the unrelated job is filtered out',
    );
  } while (batch.Index < reg.data.JobModifyIndex);
  assert.equal(batch.Index, reg.data.JobModifyIndex);
  assert.equal((batch.Events[0]!.Payload['Job'] as Job).TaskGroups[0]!.Count, 2);
  ac.abort();
  assert.equal((await stream.next()).done, true, 'an aborted stream ends quietly');
});
