// Job kinds and job lifecycle through the real bin/nomad against one dev agent: batch jobs
// (raw_exec and docker) that complete, a system job, history with diffs and revert, a
// parameterized job dispatched with meta and payload, a periodic job forced, evaluations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type TestAgent } from '../helpers/agent.ts';
import { needs } from '../helpers/requirements.ts';
import { columns, kv, nomad, section, table, waitFor, type CliResult } from '../helpers/cli.ts';

const TS = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;
const ID8 = '[0-9a-f]{8}';

let agent: TestAgent;
let dir: string;
let nodeId = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nomad-e2e-jobs-'));
  agent = await startAgent({ useBin: true });
  nodeId = (await agent.client.nodes.list()).data[0]!.ID;
});

after(async () => {
  await agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[], input?: string): Promise<CliResult> =>
  nomad(agent, args, { cwd: dir, ...(input !== undefined ? { input } : {}) });

async function jobFile(name: string, hcl: string): Promise<string> {
  await writeFile(join(dir, name), hcl);
  return name;
}

function rawExecTask(script: string, extra = ''): string {
  return `task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", ${JSON.stringify(script)}]
      }
      resources {
        cpu    = 50
        memory = 32
      }
      ${extra}
    }`;
}

/** Waits until the job's summary row for the group shows the status count. */
async function waitForSummary(jobId: string, column: string, count: string): Promise<CliResult> {
  return waitFor(`${jobId}: ${column} = ${count}`, async () => {
    const r = await run(['job', 'status', jobId]);
    const row = table(section(r.stdout, 'Summary'))[0];
    return row?.[column] === count && r;
  });
}

test('a raw_exec batch job runs to completion: status reads dead with one complete, logs show its output', async () => {
  const file = await jobFile(
    'hello.nomad',
    `job "hello" {\n  type = "batch"\n  group "g" {\n    ${rawExecTask('echo hello from batch; echo oops >&2')}\n  }\n}\n`,
  );
  const r = await run(['job', 'run', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`^ {4}${TS}: Allocation "${ID8}" created: node "${nodeId.slice(0, 8)}", group "g"$`, 'm'),
  );
  // Batch jobs have no deployment to monitor.
  assert.doesNotMatch(r.stdout, /Monitoring deployment/);
  const status = await waitForSummary('hello', 'Complete', '1');
  assert.equal(kv(status.stdout)['Status'], 'dead');
  assert.equal(kv(status.stdout)['Type'], 'batch');
  assert.match(section(status.stdout, 'Summary'), /^g {11}0 {7}0 {9}0 {8}0 {7}1 {9}0 {5}0$/m);
  const [alloc] = table(section(status.stdout, 'Allocations'));
  assert.deepEqual([alloc!['Desired'], alloc!['Status']], ['run', 'complete']);
  assert.deepEqual(await run(['alloc', 'logs', '-job', 'hello']), {
    code: 0,
    stdout: 'hello from batch\n',
    stderr: '',
  });
  assert.equal((await run(['alloc', 'logs', '-stderr', alloc!['ID']!])).stdout, 'oops\n');
  const info = await run(['alloc', 'status', alloc!['ID']!]);
  assert.match(info.stdout, /^Task "t" is "dead"$/m);
  assert.match(section(info.stdout, 'Recent Events:'), /^\S+ +Terminated +Exit Code: 0$/m);
});

test('a docker batch job on busybox completes and its output is readable', async (t) => {
  if (!(await needs(t, { docker: true }))) return;
  const file = await jobFile(
    'bb.nomad',
    `job "bb" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "docker"
      config {
        image   = "busybox:1"
        command = "sh"
        args    = ["-c", "echo from busybox"]
      }
    }
  }
}
`,
  );
  const r = await run(['job', 'run', file]);
  assert.equal(r.code, 0, r.stderr);
  const status = await waitForSummary('bb', 'Complete', '1');
  assert.equal(kv(status.stdout)['Status'], 'dead');
  assert.equal((await run(['alloc', 'logs', '-job', 'bb'])).stdout, 'from busybox\n');
});

test('a system job is placed on the node and listed among its allocations', async () => {
  const file = await jobFile(
    'sys.nomad',
    `job "sys" {\n  type = "system"\n  group "g" {\n    ${rawExecTask('echo sys up; exec sleep 600')}\n  }\n}\n`,
  );
  const r = await run(['job', 'run', file]);
  assert.equal(r.code, 0, r.stderr);
  assertEvalDone(r.stdout, 'sys');
  const status = await waitForSummary('sys', 'Running', '1');
  assert.equal(kv(status.stdout)['Type'], 'system');
  const [alloc] = table(section(status.stdout, 'Allocations'));
  assert.equal(alloc!['Node ID'], nodeId.slice(0, 8));
  const node = await run(['node', 'status', nodeId.slice(0, 8)]);
  assert.equal(node.code, 0, node.stderr);
  const nodeAllocs = table(section(node.stdout, 'Allocations'));
  assert.ok(
    nodeAllocs.some((a) => a['ID'] === alloc!['ID'] && a['Task Group'] === 'g' && a['Status'] === 'running'),
    node.stdout,
  );
  assert.equal((await run(['job', 'stop', 'sys'])).code, 0);
});

function assertEvalDone(out: string, jobId: string): void {
  assert.match(out, new RegExp(`^==> ${TS}: Monitoring evaluation "${ID8}"$`, 'm'));
  assert.match(out, new RegExp(`^ {4}${TS}: Evaluation triggered by job "${jobId}"$`, 'm'));
  assert.match(out, new RegExp(`^==> ${TS}: Evaluation "${ID8}" finished with status "complete"$`, 'm'));
}

function serviceJob(id: string, script: string): string {
  return `job "${id}" {
  update {
    min_healthy_time = "1s"
    healthy_deadline = "1m"
  }
  group "g" {
    ${rawExecTask(script)}
  }
}
`;
}

test('job history -p shows each version with its diff; revert to 0 runs version 0 as a new version', async () => {
  const file = 'hist.nomad';
  await jobFile(file, serviceJob('hist', 'echo first; exec sleep 600'));
  assert.equal((await run(['job', 'run', file])).code, 0);
  await jobFile(file, serviceJob('hist', 'echo second; exec sleep 600'));
  assert.equal((await run(['job', 'run', file])).code, 0);

  const history = await run(['job', 'history', '-p', 'hist']);
  assert.equal(history.code, 0, history.stderr);
  const [v1, v0] = history.stdout.split('\n\n');
  assert.match(v1!, /^Version {5}= 1\nStable {6}= true\nSubmit Date = \S+\nDiff {8}= \n\+\/- Job: "hist"\n/);
  assert.match(v1!, /^\+\/- Task Group: "g"$/m);
  assert.match(v1!, /^ {2}\+\/- Task: "t"$/m);
  assert.match(v1!, /^ {6}\+\/- args\[1\]: "echo first; exec sleep 600" => "echo second; exec sleep 600"$/m);
  assert.match(v0!, new RegExp(`^Version {5}= 0\\nStable {6}= true\\nSubmit Date = ${TS}\n?$`));

  const revert = await run(['job', 'revert', 'hist', '0']);
  assert.equal(revert.code, 0, revert.stderr);
  assertEvalDone(revert.stdout, 'hist');
  const status = await run(['status', 'hist']);
  assert.equal(kv(status.stdout)['Status'], 'running');
  assert.match(section(status.stdout, 'Latest Deployment'), /^Status {6}= successful$/m);
  const allocs = table(section(status.stdout, 'Allocations'));
  assert.deepEqual(
    allocs.filter((a) => a['Status'] === 'running').map((a) => a['Version']),
    ['2'],
  );
  const running = allocs.find((a) => a['Status'] === 'running')!;
  assert.equal((await run(['alloc', 'logs', running['ID']!])).stdout, 'first\n');
  const after = await run(['job', 'history', 'hist']);
  assert.match(after.stdout, /^Version {5}= 2\nStable {6}= true\n/);
  const refused = await run(['job', 'revert', 'hist', '9']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /version 9 not found/);
  assert.equal((await run(['job', 'stop', '-purge', 'hist'])).code, 0);
});

test('a parameterized job is dispatched with meta and a payload; the child runs with both', async () => {
  const file = await jobFile(
    'param.nomad',
    `job "param" {
  type = "batch"
  parameterized {
    payload       = "required"
    meta_required = ["who"]
  }
  group "g" {
    ${rawExecTask('echo hello $NOMAD_META_who; cat local/input.txt', 'dispatch_payload {\n        file = "input.txt"\n      }')}
  }
}
`,
  );
  const reg = await run(['job', 'run', file]);
  assert.deepEqual([reg.code, reg.stdout], [0, 'Job registration successful\n']);
  const d = await run(['job', 'dispatch', '-meta', 'who=world', 'param', '-'], 'payload-data\n');
  assert.equal(d.code, 0, d.stderr);
  const info = kv(d.stdout);
  assert.match(info['Dispatched Job ID']!, /^param\/dispatch-\d+-[0-9a-f]{8}$/);
  assert.match(info['Evaluation ID']!, new RegExp(`^${ID8}$`));
  assertEvalDone(d.stdout, info['Dispatched Job ID']!);
  const child = info['Dispatched Job ID']!;
  await waitForSummary(child, 'Complete', '1');
  assert.equal((await run(['alloc', 'logs', '-job', child])).stdout, 'hello world\npayload-data\n');
  const parent = await run(['status', 'param']);
  assert.equal(kv(parent.stdout)['Parameterized'], 'true');
  assert.deepEqual(table(section(parent.stdout, 'Dispatched Jobs')), [{ ID: child, Status: 'dead' }]);
  const list = table((await run(['status'])).stdout);
  assert.equal(list.find((j) => j['ID'] === 'param')!['Type'], 'batch/parameterized');
  assert.equal(list.find((j) => j['ID'] === child)!['Type'], 'batch');
  const missing = await run(['job', 'dispatch', 'param', '-'], 'x');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /who/);
});

test('a periodic job shows its next launch; periodic force launches a child now', async () => {
  const file = await jobFile(
    'cron.nomad',
    `job "cron" {
  type = "batch"
  periodic {
    crons            = ["0 0 1 1 *"]
    prohibit_overlap = true
  }
  group "g" {
    ${rawExecTask('echo tick')}
  }
}
`,
  );
  const reg = await run(['job', 'run', file]);
  assert.equal(reg.code, 0, reg.stderr);
  assert.match(
    reg.stdout,
    new RegExp(
      `^Job registration successful\\nApproximate next launch time: \\d{4}-01-01T00:00:00Z \\(\\d+h\\d+m\\d+s from now\\)\\n$`,
    ),
  );
  const forced = await run(['job', 'periodic', 'force', 'cron']);
  assert.equal(forced.code, 0, forced.stderr);
  const childId = /Evaluation triggered by job "(cron\/periodic-\d+)"/.exec(forced.stdout)?.[1];
  assert.ok(childId !== undefined, forced.stdout);
  await waitForSummary(childId, 'Complete', '1');
  const status = await run(['status', 'cron']);
  assert.match(
    kv(status.stdout)['Next Periodic Launch']!,
    /^\d{4}-01-01T00:00:00Z \(\d+h\d+m\d+s from now\)$/,
  );
  assert.deepEqual(columns(section(status.stdout, 'Children Job Summary')), ['Pending', 'Running', 'Dead']);
  assert.deepEqual(table(section(status.stdout, 'Previously Launched Jobs')), [
    { ID: childId, Status: 'dead' },
  ]);
});

test('eval list and eval status show the evaluations of the jobs above', async () => {
  const list = await run(['eval', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(columns(list.stdout), [
    'ID',
    'Priority',
    'Triggered By',
    'Job ID',
    'Namespace',
    'Node ID',
    'Status',
    'Placement Failures',
  ]);
  const evals = table(list.stdout);
  const hello = evals.find((e) => e['Job ID'] === 'hello')!;
  assert.deepEqual(
    [hello['Priority'], hello['Triggered By'], hello['Status'], hello['Placement Failures']],
    ['50', 'job-register', 'complete', 'false'],
  );
  const status = await run(['eval', 'status', hello['ID']!]);
  assert.equal(status.code, 0, status.stderr);
  const info = kv(status.stdout);
  assert.match(info['ID']!, new RegExp(`^${ID8}$`));
  assert.deepEqual(
    [info['Status'], info['Type'], info['TriggeredBy'], info['Job ID'], info['Placement Failures']],
    ['complete', 'batch', 'job-register', 'hello', 'false'],
  );
  assert.match(info['Create Time']!, /^(\d+[smh])+ ago$/);
  const json = JSON.parse((await run(['eval', 'status', '-json', hello['ID']!])).stdout) as { JobID: string };
  assert.equal(json.JobID, 'hello');
  const unknown = await run(['eval', 'status', '12345678']);
  assert.deepEqual(
    [unknown.code, unknown.stderr],
    [1, 'No evaluation(s) with prefix or id "12345678" found\n'],
  );
});
