// The seed workshop's path through the real bin/nomad against a real dev agent and Docker: init,
// run, status, alloc status, logs, plan and its exit codes, check-index, scaling to 3, a rolling
// update to redis:4.0, stop. Each step checks the layout Nomad prints (reference section 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type TestAgent } from '../helpers/agent.ts';
import { needs } from '../helpers/requirements.ts';
import { columns, kv, nomad, section, table, waitFor, type CliResult } from '../helpers/cli.ts';

const TS = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;
const ID8 = '[0-9a-f]{8}';

let agent: TestAgent;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nomad-e2e-workshop-'));
  agent = await startAgent({ useBin: true });
});

after(async () => {
  await agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]): Promise<CliResult> => nomad(agent, args, { cwd: dir });

async function editJob(from: RegExp, to: string): Promise<void> {
  const file = join(dir, 'example.nomad');
  const text = await readFile(file, 'utf8');
  assert.match(text, from);
  await writeFile(file, text.replace(new RegExp(from.source, 'g'), to));
}

function allocRows(status: string): Record<string, string>[] {
  return table(section(status, 'Allocations'));
}

async function runningAllocs(version: string): Promise<Record<string, string>[]> {
  const r = await run(['status', 'example']);
  return allocRows(r.stdout).filter((a) => a['Status'] === 'running' && a['Version'] === version);
}

function redisPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port }, () => sock.write('PING\r\n'));
    sock.setTimeout(5000, () => sock.destroy(new Error('no answer from redis')));
    sock.once('data', (d) => {
      resolve(d.toString().trim());
      sock.end();
    });
    sock.once('error', reject);
  });
}

function assertEvalMonitor(out: string, jobId: string): void {
  assert.match(out, new RegExp(`^==> ${TS}: Monitoring evaluation "${ID8}"$`, 'm'));
  assert.match(out, new RegExp(`^ {4}${TS}: Evaluation triggered by job "${jobId}"$`, 'm'));
  assert.match(out, new RegExp(`^ {4}${TS}: Evaluation status changed: "pending" -> "complete"$`, 'm'));
  assert.match(out, new RegExp(`^==> ${TS}: Evaluation "${ID8}" finished with status "complete"$`, 'm'));
}

test('the workshop: init, run, inspect, plan, check-index, scale, rolling update, stop', async (t) => {
  if (!(await needs(t, { docker: true }))) return;
  let allocId = '';
  let modifyIndex = '';

  await t.test('job init writes example.nomad once', async () => {
    let r = await run(['job', 'init']);
    assert.deepEqual([r.code, r.stdout], [0, 'Example job file written to example.nomad\n']);
    r = await run(['job', 'init']);
    assert.deepEqual([r.code, r.stderr], [1, "Job 'example.nomad' already exists\n"]);
    // Short health times keep the suite quick; the path is the same.
    await editJob(/min_healthy_time = "10s"/, 'min_healthy_time = "1s"');
  });

  await t.test('job run monitors the evaluation and the deployment to success', async () => {
    const r = await run(['job', 'run', 'example.nomad']);
    assert.equal(r.code, 0, r.stderr);
    assertEvalMonitor(r.stdout, 'example');
    assert.match(
      r.stdout,
      new RegExp(`^ {4}${TS}: Allocation "${ID8}" created: node "${ID8}", group "cache"$`, 'm'),
    );
    assert.match(r.stdout, new RegExp(`^ {4}${TS}: Evaluation within deployment: "${ID8}"$`, 'm'));
    assert.match(r.stdout, new RegExp(`^==> ${TS}: Monitoring deployment "${ID8}"$`, 'm'));
    const last = r.stdout.slice(r.stdout.lastIndexOf('    ID          = '));
    assert.match(last, /^ {4}Status {6}= successful$/m);
    assert.match(last, /^ {4}Description = Deployment completed successfully$/m);
    assert.match(last, /^ {4}Task Group {2}Desired {2}Placed {2}Healthy {2}Unhealthy {2}Progress Deadline$/m);
    assert.match(last, new RegExp(`^ {4}cache {7}1 {8}1 {7}1 {8}0 {10}${TS}$`, 'm'));
  });

  await t.test('status shows the job, its summary, deployment and allocation', async () => {
    const r = await run(['status', 'example']);
    assert.equal(r.code, 0, r.stderr);
    const info = kv(r.stdout);
    assert.deepEqual(Object.keys(info).slice(0, 12), [
      'ID',
      'Name',
      'Submit Date',
      'Type',
      'Priority',
      'Datacenters',
      'Namespace',
      'Node Pool',
      'Status',
      'Periodic',
      'Parameterized',
      // The first key of the Latest Deployment block, after the blank line and title.
      'Description',
    ]);
    assert.match(info['Submit Date']!, new RegExp(`^${TS}$`));
    assert.deepEqual(
      [info['Type'], info['Priority'], info['Datacenters'], info['Status'], info['Periodic']],
      ['service', '50', 'dc1', 'running', 'false'],
    );
    const summary = section(r.stdout, 'Summary');
    assert.deepEqual(columns(summary), [
      'Task Group',
      'Queued',
      'Starting',
      'Running',
      'Failed',
      'Complete',
      'Lost',
      'Unknown',
    ]);
    assert.match(summary, /^cache {7}0 {7}0 {9}1 {8}0 {7}0 {9}0 {5}0$/m);
    assert.match(section(r.stdout, 'Latest Deployment'), /^Status {6}= successful$/m);
    const allocs = section(r.stdout, 'Allocations');
    assert.deepEqual(columns(allocs), [
      'ID',
      'Node ID',
      'Task Group',
      'Version',
      'Desired',
      'Status',
      'Created',
      'Modified',
    ]);
    const [row] = table(allocs);
    assert.match(row!['ID']!, new RegExp(`^${ID8}$`));
    assert.match(row!['Created']!, /^(\d+[smh])+ ago$/);
    assert.deepEqual([row!['Version'], row!['Desired'], row!['Status']], ['0', 'run', 'running']);
    allocId = row!['ID']!;
  });

  await t.test(
    'alloc status shows the allocation, its address, and the task events; redis answers',
    async () => {
      const r = await run(['alloc', 'status', allocId]);
      assert.equal(r.code, 0, r.stderr);
      const info = kv(r.stdout);
      assert.match(info['ID']!, new RegExp(`^${allocId}-[0-9a-f-]{27}$`));
      assert.match(info['Eval ID']!, new RegExp(`^${ID8}$`));
      assert.equal(info['Name'], 'example.cache[0]');
      assert.equal(info['Client Status'], 'running');
      assert.equal(info['Desired Description'], '<none>');
      assert.equal(info['Deployment Health'], 'healthy');
      const addresses = section(r.stdout, 'Allocation Addresses:');
      assert.deepEqual(columns(addresses), ['Label', 'Dynamic', 'Address']);
      const m = /^\*db {4}yes {6}127\.0\.0\.1:(\d+) -> 6379$/m.exec(addresses);
      assert.ok(m !== null, addresses);
      assert.match(r.stdout, /^Task "redis" is "running"$/m);
      assert.match(section(r.stdout, 'Task Resources:'), /^CPU {8}Memory {11}Disk {5}Addresses$/m);
      assert.match(section(r.stdout, 'Task Events:'), new RegExp(`^Started At {5}= ${TS}$`, 'm'));
      const events = table(section(r.stdout, 'Recent Events:'));
      assert.deepEqual(events.map((e) => [e['Type'], e['Description']]).slice(-3), [
        ['Started', 'Task started by client'],
        ['Task Setup', 'Building Task Directory'],
        ['Received', 'Task received by client'],
      ]);
      assert.equal(await redisPing(Number(m[1])), '+PONG');
    },
  );

  await t.test('alloc logs prints the task output', async () => {
    const logs = await waitFor('redis to log that it is ready', async () => {
      const r = await run(['alloc', 'logs', allocId, 'redis']);
      return r.stdout.includes('Ready to accept connections') && r;
    });
    assert.equal(logs.code, 0);
  });

  await t.test('plan of count 3 shows the diff, exits 1 and gives the check-index command', async () => {
    await editJob(/count = 1/, 'count = 3');
    const r = await run(['job', 'plan', 'example.nomad']);
    assert.equal(r.code, 1, r.stderr);
    const head = [
      '+/- Job: "example"',
      '+/- Task Group: "cache" (2 create, 1 in-place update)',
      '  +/- Count: "1" => "3" (forces create)',
      '      Task: "redis"',
      '',
      'Scheduler dry-run:',
      '- All tasks successfully allocated.',
      '',
    ].join('\n');
    assert.ok(r.stdout.startsWith(head), r.stdout);
    modifyIndex = /^Job Modify Index: (\d+)$/m.exec(r.stdout)![1]!;
    assert.match(r.stdout, new RegExp(`^nomad job run -check-index ${modifyIndex} example\\.nomad$`, 'm'));
  });

  await t.test('run with a stale check-index is refused and changes nothing', async () => {
    const r = await run(['job', 'run', '-check-index', '999999', 'example.nomad']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `Enforcing job modify index 999999: job exists with conflicting job modify index: ${modifyIndex}\nJob not updated\n`,
    );
    assert.equal((await runningAllocs('0')).length, 1);
  });

  await t.test('run with the planned check-index creates two and updates one in place', async () => {
    const r = await run(['job', 'run', '-check-index', modifyIndex, 'example.nomad']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/Allocation "[0-9a-f]{8}" created: node/g)?.length, 2, r.stdout);
    assert.match(r.stdout, new RegExp(`Allocation "${allocId}" modified: node "${ID8}", group "cache"`));
    await waitFor(
      'three allocations of version 1 running',
      async () => (await runningAllocs('1')).length === 3,
    );
    const plan = await run(['job', 'plan', 'example.nomad']);
    assert.equal(plan.code, 0, plan.stdout);
    assert.match(plan.stdout, /^Task Group: "cache" \(3 ignore\)$/m);
  });

  await t.test('a new image rolls out one allocation at a time', async () => {
    await editJob(/image = "redis:3\.2"/, 'image = "redis:4.0"');
    const plan = await run(['job', 'plan', 'example.nomad']);
    assert.equal(plan.code, 1);
    assert.match(plan.stdout, /^\+\/- Task Group: "cache" \(1 create\/destroy update, 2 ignore\)$/m);
    assert.match(plan.stdout, /^ {2}\+\/- Task: "redis" \(forces create\/destroy update\)$/m);
    assert.match(plan.stdout, /^ {6}\+\/- image: +"redis:3\.2" => "redis:4\.0"$/m);
    const r = await run(['job', 'run', 'example.nomad']);
    assert.equal(r.code, 0, r.stderr);
    const status = await run(['status', 'example']);
    assert.match(section(status.stdout, 'Latest Deployment'), /^Status {6}= successful$/m);
    assert.match(section(status.stdout, 'Deployed'), /^cache {7}3 {8}3 {7}3 {8}0 /m);
    const rows = allocRows(status.stdout);
    assert.equal(rows.filter((a) => a['Version'] === '2' && a['Status'] === 'running').length, 3);
    assert.equal(rows.filter((a) => a['Version'] === '1' && a['Desired'] === 'stop').length, 3);
  });

  await t.test('job stop stops every allocation and the job reads dead (stopped)', async () => {
    const r = await run(['job', 'stop', 'example']);
    assert.equal(r.code, 0, r.stderr);
    assertEvalMonitor(r.stdout, 'example');
    const status = await waitFor('the allocations to stop', async () => {
      const s = await run(['status', 'example']);
      return allocRows(s.stdout).every((a) => a['Status'] !== 'running') && s;
    });
    assert.equal(kv(status.stdout)['Status'], 'dead (stopped)');
  });
});
