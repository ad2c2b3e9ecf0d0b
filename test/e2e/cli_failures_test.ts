// What users see when things go wrong, through the real bin/nomad against one dev agent: a task
// that exits 1 (restarted, then failed, then rescheduled once as its policy says), a docker image
// that cannot be pulled, unknown IDs, a malformed job file, unknown flags and commands; and -json
// and -t output that parses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type TestAgent } from '../helpers/agent.ts';
import { needs } from '../helpers/requirements.ts';
import { kv, nomad, section, table, waitFor, type CliResult } from '../helpers/cli.ts';

let agent: TestAgent;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nomad-e2e-failures-'));
  agent = await startAgent({ useBin: true });
});

after(async () => {
  await agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]): Promise<CliResult> => nomad(agent, args, { cwd: dir });

async function jobFile(name: string, hcl: string): Promise<string> {
  await writeFile(join(dir, name), hcl);
  return name;
}

function events(allocStatus: string): string[][] {
  return table(section(allocStatus, 'Recent Events:')).map((e) => [e['Type']!, e['Description']!]);
}

test('a task that exits 1 is restarted, fails, is rescheduled once, and its events say why', async () => {
  const file = await jobFile(
    'failing.nomad',
    `job "failing" {
  type = "batch"
  group "g" {
    restart {
      attempts = 1
      delay    = "1s"
      interval = "1m"
      mode     = "fail"
    }
    reschedule {
      attempts  = 1
      interval  = "1h"
      delay     = "5s"
      unlimited = false
    }
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo about to fail; exit 1"]
      }
    }
  }
}
`,
  );
  assert.equal((await run(['job', 'run', '-detach', file])).code, 0);
  const status = await waitFor(
    'both allocations to fail',
    async () => {
      const r = await run(['job', 'status', 'failing']);
      return table(section(r.stdout, 'Summary'))[0]?.['Failed'] === '2' && r;
    },
    90_000,
  );
  const allocs = table(section(status.stdout, 'Allocations'));
  assert.equal(allocs.length, 2, status.stdout);
  const first = allocs.find((a) => a['Desired'] === 'stop')!;
  const second = allocs.find((a) => a['Desired'] === 'run')!;
  assert.deepEqual([first['Status'], second['Status']], ['failed', 'failed']);

  const one = await run(['alloc', 'status', first['ID']!]);
  const info = kv(one.stdout);
  assert.equal(info['Client Status'], 'failed');
  assert.equal(info['Client Description'], 'Failed tasks');
  assert.equal(info['Desired Description'], 'alloc was rescheduled because it failed');
  assert.equal(info['Replacement Alloc ID'], second['ID']);
  assert.match(one.stdout, /^Task "t" is "dead"$/m);
  assert.match(one.stdout, /^Total Restarts = 1$/m);
  const seen = events(one.stdout);
  assert.deepEqual(seen[0], [
    'Not Restarting',
    'Exceeded allowed attempts 1 in interval 1m0s and mode is "fail"',
  ]);
  assert.deepEqual(seen[1], ['Terminated', 'Exit Code: 1']);
  assert.ok(
    seen.some(
      ([type, text]) => type === 'Restarting' && /^Task restarting in \d+(\.\d+)?(ms|s)$/.test(text!),
    ),
    one.stdout,
  );

  const two = await run(['alloc', 'status', second['ID']!]);
  assert.equal(kv(two.stdout)['Reschedule Attempts'], '1/1');
  assert.equal(kv(two.stdout)['Client Status'], 'failed');
  assert.deepEqual(events(two.stdout)[0]![0], 'Not Restarting');
  assert.equal((await run(['alloc', 'logs', first['ID']!])).stdout, 'about to fail\nabout to fail\n');
});

test('an image that cannot be pulled fails the task with a driver failure that names the image', async (t) => {
  if (!(await needs(t, { docker: true }))) return;
  const file = await jobFile(
    'badimage.nomad',
    `job "badimage" {
  update {
    min_healthy_time = "1s"
    healthy_deadline = "1m"
  }
  group "g" {
    restart {
      attempts = 0
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    task "t" {
      driver = "docker"
      config {
        image = "nomad-e2e/no-such-image:9.9"
      }
    }
  }
}
`,
  );
  const r = await run(['job', 'run', file]);
  // The deployment fails: Nomad's job run exits 1.
  assert.equal(r.code, 1, r.stdout);
  const last = r.stdout.slice(r.stdout.lastIndexOf('    ID          = '));
  assert.match(last, /^ {4}Status {6}= failed$/m);
  assert.match(last, /^ {4}Description = Failed due to unhealthy allocations$/m);
  const status = await run(['status', 'badimage']);
  const [alloc] = table(section(status.stdout, 'Allocations'));
  assert.equal(alloc!['Status'], 'failed');
  const info = await run(['alloc', 'status', alloc!['ID']!]);
  const seen = events(info.stdout);
  assert.deepEqual(seen[0], ['Not Restarting', 'Policy allows no restarts']);
  const failure = seen.find(([type]) => type === 'Driver Failure');
  assert.ok(failure !== undefined, info.stdout);
  assert.match(failure[1]!, /^Failed to pull `nomad-e2e\/no-such-image:9\.9`: /);
});

test('unknown IDs get Nomad\u2019s messages and exit 1', async () => {
  const cases: [string[], string][] = [
    [['job', 'status', 'nope'], 'No job(s) with prefix or ID "nope" found'],
    [['job', 'stop', 'nope'], 'No job(s) with prefix or ID "nope" found'],
    [['job', 'history', 'nope'], 'No job(s) with prefix or ID "nope" found'],
    [['alloc', 'status', '12345678'], 'No allocation(s) with prefix or id "12345678" found'],
    [['alloc', 'logs', '12345678'], 'No allocation(s) with prefix or id "12345678" found'],
    [['alloc', 'stop', '12345678'], 'No allocation(s) with prefix or id "12345678" found'],
    [['node', 'status', '12345678'], 'No node(s) with prefix "12345678" found'],
    [['node', 'drain', '-enable', '-yes', '12345678'], 'No node(s) with prefix or id "12345678" found'],
    [['eval', 'status', '12345678'], 'No evaluation(s) with prefix or id "12345678" found'],
    [
      ['deployment', 'status', '12345678'],
      'Error retrieving deployment: Deployment ID "12345678" matched no deployments',
    ],
    [['alloc', 'status', 'a'], 'Identifier must contain at least two characters.'],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.deepEqual([r.code, r.stderr], [1, `${message}\n`], args.join(' '));
  }
});

test('a malformed job file is refused with file:line:col; plan exits 255', async () => {
  const file = await jobFile('bad.nomad', 'job "x" {\n  group "g" {\n    count = \n  }\n}\n');
  for (const cmd of ['run', 'validate', 'plan']) {
    const r = await run(['job', cmd, file]);
    assert.equal(r.code, cmd === 'plan' ? 255 : 1, `job ${cmd}`);
    assert.match(r.stderr, /^Error getting job struct: bad\.nomad:3:13: /, `job ${cmd}`);
  }
  const missing = await run(['job', 'run', 'nowhere.nomad']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nowhere\.nomad/);
});

test('an unknown flag prints the error and the usage and exits 1; an unknown command exits 1', async () => {
  const r = await run(['job', 'status', '-bogus']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'flag provided but not defined: -bogus\n');
  assert.match(r.stdout, /^Usage: nomad job status \[options\] <job>\n/);
  const unknown = await run(['jbo']);
  assert.equal(unknown.code, 1);
  const args = await run(['alloc', 'status']);
  assert.equal(args.code, 1);
  assert.equal(
    args.stderr,
    "This command takes one of the following argument conditions:\n * A single <allocation>\n * No arguments, with output format specified\nFor additional help try 'nomad alloc status -help'\n",
  );
});

test('-json output parses and -t renders Go templates', async () => {
  const nodes = JSON.parse((await run(['node', 'status', '-json'])).stdout) as {
    ID: string;
    Status: string;
  }[];
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0]!.Status, 'ready');
  const jobs = JSON.parse((await run(['job', 'status', '-json'])).stdout) as { ID: string }[];
  assert.ok(jobs.some((j) => j.ID === 'failing'));
  const job = JSON.parse((await run(['job', 'inspect', 'failing'])).stdout) as { Job: { ID: string } };
  assert.equal(job.Job.ID, 'failing');
  const allocs = JSON.parse((await run(['job', 'allocs', '-json', 'failing'])).stdout) as {
    ID: string;
    JobID: string;
  }[];
  assert.equal(allocs.length, 2);
  const alloc = JSON.parse((await run(['alloc', 'status', '-json', allocs[0]!.ID])).stdout) as {
    JobID: string;
  };
  assert.equal(alloc.JobID, 'failing');
  const evals = JSON.parse((await run(['eval', 'list', '-json'])).stdout) as unknown[];
  assert.ok(evals.length > 0);
  const t = await run(['node', 'status', '-t', '{{range .}}{{.ID}} {{.Status}}{{end}}']);
  assert.equal(t.stdout, `${nodes[0]!.ID} ready\n`);
  const both = await run(['node', 'status', '-json', '-t', '{{.}}']);
  assert.equal(both.code, 1);
});
