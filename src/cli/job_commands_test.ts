// job run, plan and stop, and alloc logs, against a fake agent: requests sent and text printed.
process.env.TZ = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annotateJobDiff, diffJobs } from '../structs/diff.ts';
import { emptyDesiredUpdates } from '../structs/plan.ts';
import { main } from './main.ts';
import { startFakeAgent, type FakeAgent, type FakeRoute } from './testing/fake_agent.ts';
import { fakeIO } from './testing/fake_io.ts';
import * as f from './testing/fixtures.ts';

const TS = '2019-08-31T23:03:40Z';

async function withJobFile(mutate: (text: string) => string = (t) => t): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-run-'));
  await main(['job', 'init'], fakeIO({ cwd: dir }));
  const path = join(dir, 'example.nomad');
  writeFileSync(path, mutate(readFileSync(path, 'utf8')));
  return dir;
}

async function run(
  routes: Record<string, FakeRoute>,
  args: string[],
  opts: { cwd?: string; input?: string[] } = {},
): Promise<{ code: number; out: string; err: string; agent: FakeAgent }> {
  const agent = await startFakeAgent(routes);
  try {
    const io = fakeIO({
      env: { NOMAD_ADDR: agent.address },
      cwd: opts.cwd ?? process.cwd(),
      input: opts.input ?? [],
    });
    const code = await main(args, io);
    return { code, out: io.out(), err: io.err(), agent };
  } finally {
    await agent.close();
  }
}

const monitorRoutes = (): Record<string, FakeRoute> => ({
  [`GET /v1/evaluation/${f.EVAL_ID}`]: [
    { body: f.evaluation('pending') },
    { body: f.evaluation('complete') },
  ],
  [`GET /v1/evaluation/${f.EVAL_ID}/allocations`]: { body: [f.allocStub(), f.allocStub(f.OLD_ALLOC_ID, 5)] },
  [`GET /v1/deployment/${f.DEPLOYMENT_ID}`]: { body: f.deployment() },
});

const DEPLOYMENT_BLOCK = `==> ${TS}: Monitoring deployment "b0a84e74"

    ${TS}
    ID          = b0a84e74
    Job ID      = example
    Job Version = 0
    Status      = successful
    Description = Deployment completed successfully

    Deployed
    Task Group  Desired  Placed  Healthy  Unhealthy  Progress Deadline
    cache       1        1       1        0          2019-08-31T23:09:00Z
`;

test('job run registers the job and monitors its evaluation and deployment', async () => {
  const dir = await withJobFile();
  const r = await run(
    {
      'PUT /v1/jobs': { body: { EvalID: f.EVAL_ID, EvalCreateIndex: 10, JobModifyIndex: 7, Warnings: '' } },
      ...monitorRoutes(),
    },
    ['job', 'run', 'example.nomad'],
    { cwd: dir },
  );
  assert.equal(r.err, '');
  assert.equal(
    r.out,
    `==> ${TS}: Monitoring evaluation "13ebb66d"
    ${TS}: Evaluation triggered by job "example"
    ${TS}: Allocation "453b210f" modified: node "171a583b", group "cache"
    ${TS}: Allocation "883269bf" created: node "171a583b", group "cache"
    ${TS}: Evaluation within deployment: "b0a84e74"
    ${TS}: Evaluation status changed: "pending" -> "complete"
==> ${TS}: Evaluation "13ebb66d" finished with status "complete"
${DEPLOYMENT_BLOCK}`,
  );
  assert.equal(r.code, 0);
  const register = r.agent.requests.find((q) => q.method === 'PUT' && q.path === '/v1/jobs')!;
  const body = register.body as {
    Job: { ID: string; TaskGroups: { Count: number }[] };
    EnforceIndex: boolean;
  };
  assert.equal(body.Job.ID, 'example');
  assert.equal(body.EnforceIndex, false);
});

test('job run -detach prints the evaluation ID and returns', async () => {
  const dir = await withJobFile();
  const r = await run(
    { 'PUT /v1/jobs': { body: { EvalID: f.EVAL_ID, Warnings: '' } } },
    ['job', 'run', '-detach', 'example.nomad'],
    { cwd: dir },
  );
  assert.equal(r.code, 0);
  assert.equal(r.out, `Job registration successful\nEvaluation ID: ${f.EVAL_ID}\n`);
});

test("job run -check-index sends the index, and a stale one is refused in Nomad's words", async () => {
  const dir = await withJobFile();
  const r = await run(
    {
      'PUT /v1/jobs': {
        status: 400,
        raw: 'Enforcing job modify index 5: job exists with conflicting job modify index: 7',
        body: null,
      },
    },
    ['job', 'run', '-check-index', '5', 'example.nomad'],
    { cwd: dir },
  );
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    'Enforcing job modify index 5: job exists with conflicting job modify index: 7\nJob not updated\n',
  );
  const body = r.agent.requests[0]!.body as { EnforceIndex: boolean; JobModifyIndex: number };
  assert.equal(body.EnforceIndex, true);
  assert.equal(body.JobModifyIndex, 5);
});

test('job run exits 2 when allocations could not be placed', async () => {
  const dir = await withJobFile();
  const failed = {
    ...f.evaluation('complete'),
    DeploymentID: '',
    BlockedEval: 'ffb1a0c2-0000-4000-8000-000000000000',
    FailedTGAllocs: {
      cache: {
        NodesEvaluated: 1,
        NodesFiltered: 0,
        NodesInPool: 1,
        NodesAvailable: { dc1: 1 },
        ClassFiltered: null,
        ConstraintFiltered: null,
        NodesExhausted: 1,
        ClassExhausted: null,
        DimensionExhausted: { memory: 1 },
        QuotaExhausted: null,
        ResourcesExhausted: null,
        ScoreMetaData: null,
        AllocationTime: 0,
        CoalescedFailures: 1,
      },
    },
  };
  const r = await run(
    {
      'PUT /v1/jobs': { body: { EvalID: f.EVAL_ID, Warnings: '' } },
      [`GET /v1/evaluation/${f.EVAL_ID}`]: { body: failed },
      [`GET /v1/evaluation/${f.EVAL_ID}/allocations`]: { body: [] },
    },
    ['job', 'run', 'example.nomad'],
    { cwd: dir },
  );
  assert.equal(r.code, 2);
  assert.match(
    r.out,
    new RegExp(
      `==> ${TS}: Evaluation "13ebb66d" finished with status "complete" but failed to place all allocations:\n` +
        ` {4}${TS}: Task Group "cache" \\(failed to place 2 allocations\\):\n` +
        ' {6}\\* Resources exhausted on 1 nodes\n {6}\\* Dimension "memory" exhausted on 1 nodes\n' +
        ` {4}${TS}: Evaluation "ffb1a0c2" waiting for additional capacity to place remainder\n$`,
    ),
  );
});

test("job plan prints the workshop's plan and exits 1 when allocations change", async () => {
  const dir = await withJobFile((t) => t.replace(/count( +)= +1/, 'count$1= 3'));
  const next = f.job();
  next.TaskGroups[0]!.Count = 3;
  const annotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Place: 2, InPlaceUpdate: 1 } },
    PreemptedAllocs: null,
  };
  const diff = annotateJobDiff(diffJobs(f.job(), next, { contextual: true }), annotations);
  const r = await run(
    {
      'PUT /v1/job/example/plan': {
        body: {
          Diff: diff,
          Annotations: annotations,
          JobModifyIndex: 7,
          CreatedEvals: null,
          FailedTGAllocs: null,
          NextPeriodicLaunch: '0001-01-01T00:00:00Z',
          Warnings: '',
        },
      },
    },
    ['job', 'plan', 'example.nomad'],
    { cwd: dir },
  );
  assert.equal(r.code, 1);
  assert.equal(
    r.out,
    `+/- Job: "example"
+/- Task Group: "cache" (2 create, 1 in-place update)
  +/- Count: "1" => "3" (forces create)
      Task: "redis"

Scheduler dry-run:
- All tasks successfully allocated.

Job Modify Index: 7
To submit the job with version verification run:

nomad job run -check-index 7 example.nomad

When running the job with the check-index flag, the job will only be run if the
server side version matches the job modify index returned. If the index has
changed, another user has modified the job and the plan's results are
potentially invalid.
`,
  );
  const sent = r.agent.requests[0]!.body as { Job: { TaskGroups: { Count: number }[] }; Diff: boolean };
  assert.equal(sent.Diff, true);
  assert.equal(sent.Job.TaskGroups[0]!.Count, 3);
});

test('job plan exits 0 for an unchanged job and 255 on an error', async () => {
  const dir = await withJobFile();
  const diff = diffJobs(f.job(), f.job(), { contextual: true });
  const annotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Ignore: 1 } },
    PreemptedAllocs: null,
  };
  const same = await run(
    {
      'PUT /v1/job/example/plan': {
        body: {
          Diff: annotateJobDiff(diff, annotations),
          Annotations: annotations,
          JobModifyIndex: 7,
          CreatedEvals: null,
          FailedTGAllocs: null,
          NextPeriodicLaunch: '',
          Warnings: '',
        },
      },
    },
    ['job', 'plan', 'example.nomad'],
    { cwd: dir },
  );
  assert.equal(same.code, 0);
  assert.match(same.out, /^Job: "example"\nTask Group: "cache" \(1 ignore\)\n {2}Task: "redis"\n/);
  const broken = await run(
    { 'PUT /v1/job/example/plan': { status: 500, raw: 'boom', body: null } },
    ['job', 'plan', 'example.nomad'],
    { cwd: dir },
  );
  assert.equal(broken.code, 255);
  assert.equal(broken.err, 'Error during plan: Unexpected response code: 500 (boom)\n');
});

test('job stop deregisters the job and monitors the evaluation', async () => {
  const stopEval = { ...f.evaluation('complete'), TriggeredBy: 'job-deregister' };
  const r = await run(
    {
      'GET /v1/jobs': { body: [{ ...f.job(), JobSummary: null, Periodic: false, ParameterizedJob: false }] },
      'DELETE /v1/job/example': { body: { EvalID: f.EVAL_ID, EvalCreateIndex: 20, JobModifyIndex: 20 } },
      [`GET /v1/evaluation/${f.EVAL_ID}`]: { body: stopEval },
      [`GET /v1/evaluation/${f.EVAL_ID}/allocations`]: { body: [] },
      [`GET /v1/deployment/${f.DEPLOYMENT_ID}`]: { body: f.deployment() },
    },
    ['job', 'stop', 'example'],
  );
  assert.equal(r.code, 0);
  assert.match(
    r.out,
    new RegExp(
      `^==> ${TS}: Monitoring evaluation "13ebb66d"\n {4}${TS}: Evaluation triggered by job "example"\n` +
        ` {4}${TS}: Evaluation within deployment: "b0a84e74"\n {4}${TS}: Evaluation status changed: "pending" -> "complete"\n` +
        `==> ${TS}: Evaluation "13ebb66d" finished with status "complete"\n`,
    ),
  );
  const del = r.agent.requests.find((q) => q.method === 'DELETE')!;
  assert.equal(del.query.get('purge'), 'false');
});

test('job stop of a prefix asks first, and cancels on "n"', async () => {
  const r = await run(
    {
      'GET /v1/jobs': { body: [{ ...f.job(), JobSummary: null, Periodic: false, ParameterizedJob: false }] },
    },
    ['job', 'stop', 'exam'],
    { input: ['n'] },
  );
  assert.equal(r.code, 0);
  assert.equal(r.out, 'Are you sure you want to stop job "example"? [y/N] Cancelling job stop\n');
  assert.ok(!r.agent.requests.some((q) => q.method === 'DELETE'));
});

test("alloc logs prints the task's stdout; the task may be left out when there is one", async () => {
  const r = await run(
    {
      'GET /v1/allocations': { body: [f.allocStub()] },
      [`GET /v1/allocation/${f.ALLOC_ID}`]: { body: f.allocation() },
      [`GET /v1/client/fs/logs/${f.ALLOC_ID}`]: {
        raw: '1:M 31 Aug 22:58:49 * Ready to accept connections\n',
        body: null,
      },
    },
    ['alloc', 'logs', '883269bf'],
  );
  assert.equal(r.code, 0);
  assert.equal(r.out, '1:M 31 Aug 22:58:49 * Ready to accept connections\n');
  const q = r.agent.requests.at(-1)!.query;
  assert.equal(q.get('task'), 'redis');
  assert.equal(q.get('type'), 'stdout');
  assert.equal(q.get('plain'), 'true');
});

test('alloc logs -tail -n keeps the last lines', async () => {
  const r = await run(
    {
      'GET /v1/allocations': { body: [f.allocStub()] },
      [`GET /v1/allocation/${f.ALLOC_ID}`]: { body: f.allocation() },
      [`GET /v1/client/fs/logs/${f.ALLOC_ID}`]: { raw: 'one\ntwo\nthree\nfour\n', body: null },
    },
    ['alloc', 'logs', '-tail', '-n', '2', '883269bf', 'redis'],
  );
  assert.equal(r.out, 'three\nfour\n');
  const q = r.agent.requests.at(-1)!.query;
  assert.equal(q.get('origin'), 'end');
  assert.equal(q.get('offset'), '240');
});

test("alloc logs -stderr prints the task's stderr on stdout, as Nomad", async () => {
  const r = await run(
    {
      'GET /v1/allocations': { body: [f.allocStub()] },
      [`GET /v1/allocation/${f.ALLOC_ID}`]: { body: f.allocation() },
      [`GET /v1/client/fs/logs/${f.ALLOC_ID}`]: { raw: 'oops\n', body: null },
    },
    ['alloc', 'logs', '-stderr', '883269bf'],
  );
  assert.deepEqual([r.code, r.out, r.err], [0, 'oops\n', '']);
  assert.equal(r.agent.requests.at(-1)!.query.get('type'), 'stderr');
});

test('alloc logs asks for the task when the group has several', async () => {
  const alloc = f.allocation();
  const tasks = alloc.Job!.TaskGroups[0]!.Tasks;
  tasks.push({ ...tasks[0]!, Name: 'sidecar' });
  const r = await run(
    {
      'GET /v1/allocations': { body: [f.allocStub()] },
      [`GET /v1/allocation/${f.ALLOC_ID}`]: { body: alloc },
    },
    ['alloc', 'logs', '883269bf'],
  );
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    'Failed to validate task: Allocation "883269bf" is running the following tasks:\n  * redis\n  * sidecar\n\nPlease specify the task.\n',
  );
});
