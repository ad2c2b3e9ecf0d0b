// Status commands against a fake agent: what they print for the API's answers.
process.env.TZ = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './main.ts';
import { startFakeAgent, type FakeRoute } from './testing/fake_agent.ts';
import { fakeIO } from './testing/fake_io.ts';
import * as f from './testing/fixtures.ts';

async function run(
  routes: Record<string, FakeRoute>,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const agent = await startFakeAgent(routes);
  try {
    const io = fakeIO({ env: { NOMAD_ADDR: agent.address } });
    const code = await main(args, io);
    return { code, out: io.out(), err: io.err() };
  } finally {
    await agent.close();
  }
}

test("node status lists nodes with the workshop's columns", async () => {
  const r = await run({ 'GET /v1/nodes': { body: [f.nodeStub()] } }, ['node', 'status']);
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    'ID        Node Pool  DC   Name   Class   Drain  Eligibility  Status\n171a583b  default    dc1  nomad  <none>  false  eligible     ready\n',
  );
});

test('node status with no nodes says so', async () => {
  const r = await run({ 'GET /v1/nodes': { body: [] } }, ['node', 'status']);
  assert.equal(r.out, 'No nodes registered\n');
});

test('node status <prefix> shows one node with its drivers, events and allocations', async () => {
  const r = await run(
    {
      'GET /v1/nodes': { body: [f.nodeStub()] },
      [`GET /v1/node/${f.NODE_ID}`]: { body: f.node() },
      [`GET /v1/node/${f.NODE_ID}/allocations`]: { body: [f.allocation()] },
      'GET /v1/client/stats': { status: 500, raw: 'no stats', body: null },
    },
    ['node', 'status', '171a'],
  );
  assert.equal(r.code, 0);
  assert.match(r.out, /^\nID {14}= 171a583b-1d1c-4f1a-8e2b-3c4d5e6f7a8b\nName {12}= nomad\n/);
  assert.match(r.out, /\nDriver Status {3}= docker,exec \(unhealthy\)\n/);
  assert.match(
    r.out,
    /\nNode Events\nTime {18}Subsystem  Message\n2019-08-31T22:50:00Z  Cluster    Node registered\n/,
  );
  assert.match(
    r.out,
    /\nAllocated Resources\nCPU {11}Memory {11}Disk {12}Alloc Count\n500\/4000 MHz  256 MiB\/8\.0 GiB  300 MiB\/98 GiB  1\n/,
  );
  assert.match(
    r.out,
    /\nAllocations\nID {8}Node ID {3}Task Group  Version  Desired  Status {3}Created  Modified\n883269bf  171a583b  cache {7}0 {8}run {6}running  5m ago   5m ago\n$/,
  );
  assert.match(r.err, /error fetching node stats/);
});

test('node status of an unknown prefix is an error', async () => {
  const r = await run({ 'GET /v1/nodes': { body: [] } }, ['node', 'status', 'abcd']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'No node(s) with prefix "abcd" found\n');
});

test('server members shows this agent alive and leading', async () => {
  const r = await run(
    {
      'GET /v1/agent/members': {
        body: { ServerName: 'nomad.global', ServerRegion: 'global', ServerDC: 'dc1', Members: [f.member()] },
      },
      'GET /v1/status/leader': { body: '127.0.0.1:4647' },
    },
    ['server', 'members'],
  );
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    'Name          Address    Port  Status  Leader  Raft Version  Build  Datacenter  Region\nnomad.global  127.0.0.1  4648  alive   true    3             0.1.0  dc1         global\n',
  );
});

const jobRoutes = (): Record<string, FakeRoute> => ({
  'GET /v1/jobs': { body: [{ ...f.job(), JobSummary: null, Periodic: false, ParameterizedJob: false }] },
  'GET /v1/job/example': { body: f.job() },
  'GET /v1/job/example/summary': { body: f.summary() },
  'GET /v1/job/example/allocations': { body: [f.allocStub()] },
  'GET /v1/job/example/evaluations': { body: [f.evaluation('complete')] },
  'GET /v1/job/example/deployment': { body: f.deployment() },
});

test('job status prints the job, its summary, latest deployment and allocations', async () => {
  const r = await run(jobRoutes(), ['job', 'status', 'example']);
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    `ID            = example
Name          = example
Submit Date   = 2019-08-31T22:58:40Z
Type          = service
Priority      = 50
Datacenters   = dc1
Namespace     = default
Node Pool     = default
Status        = running
Periodic      = false
Parameterized = false

Summary
Task Group  Queued  Starting  Running  Failed  Complete  Lost  Unknown
cache       0       0         1        0       0         0     0

Latest Deployment
ID          = b0a84e74
Status      = successful
Description = Deployment completed successfully

Deployed
Task Group  Desired  Placed  Healthy  Unhealthy  Progress Deadline
cache       1        1       1        0          2019-08-31T23:09:00Z

Allocations
ID        Node ID   Task Group  Version  Desired  Status   Created  Modified
883269bf  171a583b  cache       0        run      running  5m ago   5m ago
`,
  );
});

test('status with no argument lists the jobs; a stopped job reads "dead (stopped)"', async () => {
  const routes = jobRoutes();
  routes['GET /v1/jobs'] = {
    body: [
      { ...f.job(), Status: 'dead', Stop: true, JobSummary: null, Periodic: false, ParameterizedJob: false },
    ],
  };
  const r = await run(routes, ['status']);
  assert.equal(
    r.out,
    'ID       Type     Priority  Status          Submit Date\nexample  service  50        dead (stopped)  2019-08-31T22:58:40Z\n',
  );
});

test('status <job> finds the job through the search API', async () => {
  const routes = jobRoutes();
  routes['PUT /v1/search'] = {
    body: {
      Matches: { jobs: ['example'], evals: [], allocs: [], nodes: [], deployment: [] },
      Truncations: {},
    },
  };
  const r = await run(routes, ['status', 'example']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^ID {12}= example\n/);
});

test('a job prefix that matches several jobs lists them', async () => {
  const stub = (id: string) => ({
    ...f.job(),
    ID: id,
    JobSummary: null,
    Periodic: false,
    ParameterizedJob: false,
  });
  const r = await run({ 'GET /v1/jobs': { body: [stub('example-a'), stub('example-b')] } }, [
    'job',
    'status',
    'exam',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^Prefix "exam" matched multiple jobs\n\nID {9}Type/);
});

test('alloc status prints the allocation, its addresses, resources and task events', async () => {
  const r = await run(
    {
      'GET /v1/allocations': { body: [f.allocStub()] },
      [`GET /v1/allocation/${f.ALLOC_ID}`]: { body: f.allocation() },
      [`GET /v1/client/allocation/${f.ALLOC_ID}/stats`]: {
        body: {
          ResourceUsage: null,
          Timestamp: 0,
          Tasks: {
            redis: {
              Timestamp: 0,
              Pids: null,
              ResourceUsage: {
                CpuStats: { TotalTicks: 8.4, Measured: ['Total Ticks'] },
                MemoryStats: { RSS: 6.3 * 1024 * 1024, Usage: 0, Measured: ['RSS'] },
                DeviceStats: null,
              },
            },
          },
        },
      },
    },
    ['alloc', 'status', '8832'],
  );
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    `ID                  = 883269bf-2e6a-2c6e-c2a5-bf2f2a8f54ae
Eval ID             = 13ebb66d
Name                = example.cache[0]
Node ID             = 171a583b
Node Name           = nomad
Job ID              = example
Job Version         = 0
Client Status       = running
Client Description  = <none>
Desired Status      = run
Desired Description = <none>
Created             = 5m ago
Modified            = 5m ago
Deployment ID       = b0a84e74
Deployment Health   = healthy

Allocation Addresses:
Label  Dynamic  Address
*db    yes      127.0.0.1:22672 -> 6379

Task "redis" is "running"
Task Resources:
CPU        Memory           Disk     Addresses
8/500 MHz  6.3 MiB/256 MiB  300 MiB  

Task Events:
Started At     = 2019-08-31T22:58:49Z
Finished At    = N/A
Total Restarts = 0
Last Restart   = N/A

Recent Events:
Time                  Type        Description
2019-08-31T22:58:49Z  Started     Task started by client
2019-08-31T22:58:40Z  Driver      Downloading image redis:3.2
2019-08-31T22:58:40Z  Task Setup  Building Task Directory
2019-08-31T22:58:40Z  Received    Task received by client
`,
  );
});

test('alloc status of an ambiguous prefix lists the matches', async () => {
  const r = await run({ 'GET /v1/allocations': { body: [f.allocStub(), f.allocStub(f.OLD_ALLOC_ID)] } }, [
    'alloc',
    'status',
    '88',
  ]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Prefix matched multiple allocations\n\nID {8}Node ID/);
});

test('alloc status refuses a one-character prefix and reports a missing allocation', async () => {
  const one = await run({}, ['alloc', 'status', '8']);
  assert.equal(one.err, 'Identifier must contain at least two characters.\n');
  const none = await run({ 'GET /v1/allocations': { body: [] } }, ['alloc', 'status', 'ffff']);
  assert.equal(none.err, 'No allocation(s) with prefix or id "ffff" found\n');
});

test('-json and -t print the API object', async () => {
  const json = await run(jobRoutes(), ['job', 'status', '-json', 'example']);
  assert.equal((JSON.parse(json.out) as { ID: string }).ID, 'example');
  const tmpl = await run(jobRoutes(), ['job', 'status', '-t', '{{.ID}} {{.Type}}', 'example']);
  assert.equal(tmpl.out, 'example service\n');
});

test('an agent that is not there is a one-line error', async () => {
  const io = fakeIO({ env: { NOMAD_ADDR: 'http://127.0.0.1:1' } });
  assert.equal(await main(['node', 'status'], io), 1);
  assert.match(
    io.err(),
    /^Error querying node status: Get "http:\/\/127\.0\.0\.1:1\/v1\/nodes": dial tcp 127\.0\.0\.1:1: connect: connection refused\n$/,
  );
});

test('alloc status of a rescheduled allocation shows its attempts and when the next one is due', async () => {
  const now = Date.UTC(2019, 7, 31, 23, 3, 40);
  const base = f.allocation();
  const group = { ...base.Job!.TaskGroups[0]! };
  group.ReschedulePolicy = {
    Attempts: 2,
    Interval: 3600e9,
    Delay: 5e9,
    DelayFunction: 'constant',
    MaxDelay: 0,
    Unlimited: false,
  };
  const alloc = {
    ...base,
    Job: { ...base.Job!, TaskGroups: [group] },
    ClientStatus: 'failed' as const,
    DeploymentID: '',
    ModifyTime: (now - 10_000) * 1e6,
    // One reschedule inside the hour, one long before it: only the first counts.
    RescheduleTracker: {
      Events: [
        { RescheduleTime: (now - 7200_000) * 1e6, PrevAllocID: 'x', PrevNodeID: 'y', Delay: 5e9 },
        { RescheduleTime: (now - 60_000) * 1e6, PrevAllocID: 'x', PrevNodeID: 'y', Delay: 5e9 },
      ],
    },
    FollowupEvalID: f.EVAL_ID,
  };
  const r = await run(
    {
      'GET /v1/allocations': { body: [f.allocStub()] },
      [`GET /v1/allocation/${f.ALLOC_ID}`]: { body: alloc },
      [`GET /v1/evaluation/${f.EVAL_ID}`]: {
        body: { ...f.evaluation('pending'), WaitUntil: new Date(now + 12_000).toISOString() },
      },
    },
    ['alloc', 'status', f.ALLOC_ID.slice(0, 8)],
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\nReschedule Attempts {4}= 1\/2\nReschedule Eligibility = 12s from now\n/);
});

test('deployment status and promote of an unknown prefix say so as Nomad does, exit 1', async () => {
  for (const cmd of [
    ['deployment', 'status'],
    ['deployment', 'promote'],
  ]) {
    const r = await run({ 'GET /v1/deployments': { body: [] } }, [...cmd, '12345678']);
    assert.equal(r.code, 1);
    assert.equal(r.err, 'Error retrieving deployment: Deployment ID "12345678" matched no deployments\n');
  }
});

test('job status of a dispatched child shows it as an ordinary job with its summary, as Nomad', async () => {
  const routes = jobRoutes();
  routes['GET /v1/job/example'] = {
    body: {
      ...f.job(),
      Dispatched: true,
      ParentID: 'report',
      ParameterizedJob: { Payload: 'optional', MetaRequired: null, MetaOptional: null },
    },
  };
  const r = await run(routes, ['job', 'status', 'example']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Parameterized = false$/m);
  assert.match(r.out, /\nSummary\nTask Group {2}Queued/);
  assert.doesNotMatch(r.out, /dispatched instances/);
});
