// Day-two operations through the real bin/nomad against one dev agent: a canary deployment and
// its promotion, deployment list/status, job scale, alloc stop/restart/signal, node eligibility,
// and a drain on a single node (the migrating allocation has nowhere to go and stays blocked).
// The drain runs last: it leaves the node ineligible until it is turned off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type TestAgent } from '../helpers/agent.ts';
import { columns, kv, nomad, section, table, waitFor, type CliResult } from '../helpers/cli.ts';

const TS = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;
const ID8 = '[0-9a-f]{8}';

let agent: TestAgent;
let dir: string;
let nodeId = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nomad-e2e-ops-'));
  agent = await startAgent({ useBin: true });
  nodeId = (await agent.client.nodes.list()).data[0]!.ID;
});

after(async () => {
  await agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]): Promise<CliResult> => nomad(agent, args, { cwd: dir });

async function writeJob(version: string, opts: { canary: number; count: number }): Promise<void> {
  await writeFile(
    join(dir, 'web.nomad'),
    `job "web" {
  update {
    max_parallel     = 1
    canary           = ${opts.canary}
    min_healthy_time = "1s"
    healthy_deadline = "1m"
  }
  group "w" {
    count = ${opts.count}
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "trap 'echo got-hup' HUP; echo ${version} up; while true; do sleep 0.2; done"]
      }
      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
`,
  );
}

async function allocs(jobId: string): Promise<Record<string, string>[]> {
  return table(section((await run(['job', 'status', jobId])).stdout, 'Allocations'));
}

test('a canary waits for promotion; job promote rolls the rest out; deployment list and status show it', async () => {
  await writeJob('v1', { canary: 1, count: 2 });
  assert.equal((await run(['job', 'run', 'web.nomad'])).code, 0);
  await writeJob('v2', { canary: 1, count: 2 });
  const r = await run(['job', 'run', '-detach', 'web.nomad']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Job registration successful\nEvaluation ID: [0-9a-f-]{36}\n$/);

  const list = await waitFor('the canary to be healthy', async () => {
    const l = await run(['deployment', 'list']);
    const d = table(l.stdout).find((x) => x['Job Version'] === '1');
    return d?.['Description'] === 'Deployment is running but requires manual promotion' && l;
  });
  assert.deepEqual(columns(list.stdout), ['ID', 'Job ID', 'Job Version', 'Status', 'Description']);
  const deployment = table(list.stdout).find((x) => x['Job Version'] === '1')!;
  assert.match(deployment['ID']!, new RegExp(`^${ID8}$`));
  const status = await waitFor('the canary to count as healthy', async () => {
    const s = await run(['deployment', 'status', deployment['ID']!]);
    return /^w +false +2 +1 +1 +1 +0 /m.test(s.stdout) && s;
  });
  assert.equal(kv(status.stdout)['Status'], 'running');
  assert.equal(kv(status.stdout)['Job Version'], '1');
  assert.deepEqual(columns(section(status.stdout, 'Deployed')), [
    'Task Group',
    'Promoted',
    'Desired',
    'Canaries',
    'Placed',
    'Healthy',
    'Unhealthy',
    'Progress Deadline',
  ]);
  const before = await allocs('web');
  assert.equal(before.filter((a) => a['Version'] === '1' && a['Status'] === 'running').length, 1);
  const canary = before.find((a) => a['Version'] === '1')!;
  assert.equal(kv((await run(['alloc', 'status', canary['ID']!])).stdout)['Canary'], 'true');

  const promote = await run(['job', 'promote', 'web']);
  assert.equal(promote.code, 0, promote.stderr);
  assert.match(promote.stdout, new RegExp(`^==> ${TS}: Monitoring evaluation "${ID8}"$`, 'm'));
  const done = await run(['deployment', 'status', deployment['ID']!]);
  assert.equal(kv(done.stdout)['Status'], 'successful');
  assert.match(section(done.stdout, 'Deployed'), /^w +true +2 +1 +2 +2 +0 /m);
  const after = await allocs('web');
  assert.deepEqual(
    after.filter((a) => a['Status'] === 'running').map((a) => a['Version']),
    ['1', '1'],
  );
});

test('job scale changes the count and the evaluation places the new allocation', async () => {
  const r = await run(['job', 'scale', 'web', 'w', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Allocation "${ID8}" created: node "${nodeId.slice(0, 8)}", group "w"`));
  await waitFor(
    'three running',
    async () => (await allocs('web')).filter((a) => a['Status'] === 'running').length === 3,
  );
  const wrong = await run(['job', 'scale', 'web', 'nope', '1']);
  assert.deepEqual([wrong.code, wrong.stderr], [1, 'Group nope not found within job\n']);
});

test('alloc signal, restart and stop act on one allocation', async () => {
  const [target] = (await allocs('web')).filter((a) => a['Status'] === 'running');
  const id = target!['ID']!;
  const signal = await run(['alloc', 'signal', '-s', 'SIGHUP', id]);
  assert.deepEqual([signal.code, signal.stdout, signal.stderr], [0, '', '']);
  await waitFor('the task to log the signal', async () =>
    (await run(['alloc', 'logs', id])).stdout.includes('got-hup'),
  );

  const restart = await run(['alloc', 'restart', id]);
  assert.deepEqual([restart.code, restart.stderr], [0, '']);
  const restarted = await waitFor('the restart to show in the events', async () => {
    const s = await run(['alloc', 'status', id]);
    return /^Total Restarts = 1$/m.test(s.stdout) && s;
  });
  const events = table(section(restarted.stdout, 'Recent Events:')).map((e) => e['Type']);
  assert.ok(events.includes('Restart Signaled'), restarted.stdout);

  const stop = await run(['alloc', 'stop', id]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, new RegExp(`^==> ${TS}: Monitoring evaluation "${ID8}"$`, 'm'));
  const info = kv((await run(['alloc', 'status', id])).stdout);
  assert.equal(info['Desired Status'], 'stop');
  // The job keeps its count: a replacement takes the stopped allocation's place.
  await waitFor(
    'a replacement to run',
    async () => (await allocs('web')).filter((a) => a['Status'] === 'running').length === 3,
  );
});

test('node eligibility turns scheduling off and on', async () => {
  const off = await run(['node', 'eligibility', '-disable', nodeId.slice(0, 8)]);
  assert.equal(off.stdout, `Node "${nodeId}" scheduling eligibility set: ineligible for scheduling\n`);
  assert.equal(table((await run(['node', 'status'])).stdout)[0]!['Eligibility'], 'ineligible');
  const on = await run(['node', 'eligibility', '-enable', nodeId.slice(0, 8)]);
  assert.equal(on.stdout, `Node "${nodeId}" scheduling eligibility set: eligible for scheduling\n`);
  const missing = await run(['node', 'eligibility', '-enable']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Node ID must be specified if -self isn't being used\n/);
});

test('a drain on the only node stops one allocation at a time and leaves its replacement blocked', async () => {
  // A job whose allocations all came from one deployment: the drainer counts them healthy.
  await writeFile(
    join(dir, 'drainme.nomad'),
    `job "drainme" {
  update {
    min_healthy_time = "1s"
  }
  group "d" {
    count = 2
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "exec sleep 600"]
      }
      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
`,
  );
  assert.equal((await run(['job', 'run', 'drainme.nomad'])).code, 0);
  assert.equal((await run(['job', 'stop', 'web'])).code, 0);
  const r = await run(['node', 'drain', '-enable', '-yes', '-detach', nodeId.slice(0, 8)]);
  assert.deepEqual([r.code, r.stdout], [0, `Node "${nodeId}" drain strategy set\n`]);
  const nodes = table((await run(['node', 'status'])).stdout);
  assert.deepEqual([nodes[0]!['Drain'], nodes[0]!['Eligibility']], ['true', 'ineligible']);
  assert.match(
    kv((await run(['node', 'status', nodeId])).stdout)['Drain']!,
    new RegExp(`^true; ${TS} deadline$`),
  );
  // migrate.max_parallel = 1: one allocation leaves; its replacement has no eligible node.
  const status = await waitFor('the migrating allocation to stop and its replacement to block', async () => {
    const s = await run(['job', 'status', 'drainme']);
    return /^Placement Failure$/m.test(s.stdout) && s;
  });
  assert.match(
    section(status.stdout, 'Placement Failure'),
    /^Task Group "d":\n {2}\* No nodes were eligible for evaluation$/m,
  );
  const rows = table(section(status.stdout, 'Allocations'));
  assert.equal(rows.filter((a) => a['Status'] === 'running').length, 1);
  const off = await run(['node', 'drain', '-disable', '-yes', nodeId.slice(0, 8)]);
  assert.equal(off.stdout, `Node "${nodeId}" drain strategy unset\n`);
  // Eligible again: the blocked evaluation places the allocation that left.
  await waitFor(
    'the second allocation to run again',
    async () => (await allocs('drainme')).filter((a) => a['Status'] === 'running').length === 2,
  );
});
