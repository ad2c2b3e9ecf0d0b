import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeApiJob } from '../structs/job_codec.ts';
import { formatHclError, parseHclToJobInput, parseJobFile } from './parse.ts';

const ROOT = new URL('../../test/fixtures/jobs/', import.meta.url).pathname;
const FILES = join(ROOT, 'files');
const read = (p: string) => readFileSync(p, 'utf8');
const opts = (filename: string) => ({ filename, readFile: read, cwd: FILES });

async function rejects(source: string, expected: string, extra: Record<string, unknown> = {}): Promise<void> {
  await assert.rejects(parseJobFile(source, { filename: 'job.nomad', ...extra }), (err: Error) => {
    assert.ok(err.message.includes(expected), `expected ${JSON.stringify(expected)} in:\n${err.message}`);
    return true;
  });
}

const SIMPLE = `
variable "image" {
  type    = string
  default = "redis:7"
}
variable "count" {
  type    = number
  default = 1
}
variable "tags" {
  type    = list(string)
  default = []
}
job "simple" {
  group "g" {
    count = var.count
    task "t" {
      driver = "docker"
      config {
        image = var.image
        tags  = var.tags
      }
    }
  }
}
`;

test('parseJobFile() reads the workshop example from HCL and from API JSON into the same job', async () => {
  const fromHcl = await parseJobFile(read(join(ROOT, 'valid/example.nomad')), opts('example.nomad'));
  const fromJson = await parseJobFile(read(join(ROOT, 'valid/example.json')), opts('example.json'));
  assert.deepEqual(fromJson, fromHcl);
  assert.equal(fromHcl.ID, 'example');
  assert.deepEqual(fromHcl.Datacenters, ['dc1']);
  const group = fromHcl.TaskGroups[0]!;
  assert.equal(group.Update!.HealthyDeadline, 180e9);
  assert.equal(group.Networks![0]!.DynamicPorts![0]!.To, 6379);
  assert.deepEqual(group.Tasks[0]!.Config, { image: 'redis:3.2', ports: ['db'] });
  assert.equal(group.Tasks[0]!.Resources.CPU, 500);
  assert.equal(group.Tasks[0]!.Resources.MemoryMB, 256);
});

test('every valid job file round-trips: HCL -> model -> API JSON -> model gives the same model', async () => {
  const names = readdirSync(join(ROOT, 'valid')).filter((f) => f.endsWith('.nomad'));
  for (const name of names) {
    const job = await parseJobFile(read(join(ROOT, 'valid', name)), opts(name));
    const json = JSON.stringify({ Job: encodeApiJob(job) });
    const again = await parseJobFile(json, { filename: `${name}.json` });
    assert.deepEqual(again, job, name);
  }
});

test('parseJobFile() reads HCL written in JSON syntax', async () => {
  const job = await parseJobFile(
    read(join(ROOT, 'valid/hcl_json_syntax.json')),
    opts('hcl_json_syntax.json'),
  );
  assert.equal(job.ID, 'hcljson');
  assert.equal(job.TaskGroups[0]!.Count, 2);
  assert.equal(job.TaskGroups[0]!.Tasks[0]!.Resources.MemoryMB, 128);
});

test('parseJobFile() takes variable values from -var over -var-file over NOMAD_VAR_ over defaults', async () => {
  const base = await parseJobFile(SIMPLE, { filename: 'job.nomad' });
  assert.equal(base.TaskGroups[0]!.Tasks[0]!.Config!['image'], 'redis:7');
  const fromEnv = await parseJobFile(SIMPLE, {
    filename: 'job.nomad',
    env: { NOMAD_VAR_image: 'redis:env', NOMAD_VAR_other: 'x' },
  });
  assert.equal(fromEnv.TaskGroups[0]!.Tasks[0]!.Config!['image'], 'redis:env');
  const varFiles = [
    { filename: 'a.hcl', source: 'image = "redis:file"\ncount = 3\n' },
    { filename: 'b.json', source: '{"tags": ["x", "y"]}' },
  ];
  const fromFile = await parseJobFile(SIMPLE, {
    filename: 'job.nomad',
    env: { NOMAD_VAR_image: 'redis:env' },
    varFiles,
  });
  assert.equal(fromFile.TaskGroups[0]!.Tasks[0]!.Config!['image'], 'redis:file');
  assert.equal(fromFile.TaskGroups[0]!.Count, 3);
  assert.deepEqual(fromFile.TaskGroups[0]!.Tasks[0]!.Config!['tags'], ['x', 'y']);
  const fromFlag = await parseJobFile(SIMPLE, {
    filename: 'job.nomad',
    varFiles,
    vars: { image: 'redis:flag', tags: '["z"]' },
  });
  assert.equal(fromFlag.TaskGroups[0]!.Tasks[0]!.Config!['image'], 'redis:flag');
  assert.deepEqual(fromFlag.TaskGroups[0]!.Tasks[0]!.Config!['tags'], ['z']);
});

test('parseJobFile() refuses values for undeclared variables and values of the wrong type', async () => {
  await rejects(SIMPLE, '-var nope: undefined -var variable "nope"', { vars: { nope: '1' } });
  await rejects(SIMPLE, 'a.hcl:1:1: undefined variable "nope"', {
    varFiles: [{ filename: 'a.hcl', source: 'nope = 1\n' }],
  });
  await rejects(SIMPLE, 'invalid value for variable "count" (number)', { vars: { count: 'many' } });
});

test('parseJobFile() names a variable without a value', async () => {
  const src =
    'variable "image" {}\njob "x" {\n  group "g" {\n    task "t" {\n      driver = var.image\n    }\n  }\n}\n';
  await rejects(src, 'job.nomad:1:1: variable "image" has no value');
});

test('parseJobFile() reports malformed HCL with file:line:col and the parser message', async () => {
  await rejects('job "x" {\n  count = = 1\n}\n', 'job.nomad:2:11: Invalid expression');
});

test('formatHclError() turns each hcl2json diagnostic into file:line:col: message', () => {
  assert.deepEqual(
    formatHclError(
      'parse config: [x.hcl:1,28-2,1: Summary one; Detail one., x.hcl:4,2-3: Summary two; Detail two.]',
    ),
    ['x.hcl:1:28: Summary one; Detail one.', 'x.hcl:4:2: Summary two; Detail two.'],
  );
});

test('parseJobFile() reports every unknown attribute and block with its position', async () => {
  const src =
    'job "x" {\n  group "g" {\n    bogus = 1\n    task "t" {\n      driver = "exec"\n      wat {\n      }\n    }\n  }\n}\n';
  await assert.rejects(parseJobFile(src, { filename: 'job.nomad' }), (err: Error) => {
    assert.match(err.message, /job\.nomad:3:5: job "x" group "g": unknown attribute "bogus" in group/);
    assert.match(err.message, /job\.nomad:6:7: job "x" group "g" task "t": unknown block "wat" in task/);
    return true;
  });
});

test('parseJobFile() names the field and the type expected for a wrong type', async () => {
  const src =
    'job "x" {\n  priority = "high"\n  group "g" {\n    task "t" {\n      driver = "exec"\n      leader = "maybe"\n    }\n  }\n}\n';
  await assert.rejects(parseJobFile(src, { filename: 'job.nomad' }), (err: Error) => {
    assert.match(err.message, /priority: expected a number, got "high"/);
    assert.match(err.message, /leader: expected a bool, got "maybe"/);
    return true;
  });
});

test('parseJobFile() refuses API JSON with unknown fields or wrong types, naming the path', async () => {
  const body = JSON.stringify({ Job: { ID: 'x', TaskGroups: [{ Name: 'g', Count: '3', Bogus: true }] } });
  await assert.rejects(parseJobFile(body, { filename: 'job.json' }), (err: Error) => {
    assert.match(err.message, /Job\.TaskGroups\[0\]\.Count: expected a number, got "3"/);
    assert.match(err.message, /Job\.TaskGroups\[0\]\.Bogus: unknown field in TaskGroup/);
    return true;
  });
});

test('parseJobFile() keeps run-time interpolations verbatim', async () => {
  const job = await parseJobFile(read(join(ROOT, 'valid/runtime_interpolation.nomad')), opts('x.nomad'));
  const task = job.TaskGroups[0]!.Tasks[0]!;
  assert.equal(task.Env!['ALLOC_ID'], '${NOMAD_ALLOC_ID}');
  assert.equal(task.Env!['KERNEL'], '${attr.kernel.name}');
  assert.equal(task.Env!['COMBINED'], '${NOMAD_JOB_NAME}-${NOMAD_GROUP_NAME}');
  assert.equal(task.Env!['UPPER_NODE'], '${upper(node.class)}');
  assert.deepEqual(task.Config!['args'], [
    '--port',
    '${NOMAD_PORT_http}',
    '--node',
    '${node.unique.name}',
    '--dc=${node.datacenter}',
  ]);
  assert.equal(job.Constraints![0]!.LTarget, '${meta.rack}');
});

test('parseJobFile() evaluates locals, functions, for-expressions and conditionals', async () => {
  const job = await parseJobFile(read(join(ROOT, 'valid/variables.nomad')), opts('variables.nomad'));
  const meta = job.Meta!;
  assert.equal(meta['banner'], 'STAGING-002');
  assert.equal(meta['joined'], 'a,b,c');
  assert.equal(meta['encoded'], '{"debug":false,"env":"staging"}');
  assert.equal(meta['total'], '9000');
  assert.equal(meta['weight'], '20');
  assert.equal(meta['tags'], 'port-admin port-http');
  assert.equal(meta['math'], '6');
  assert.equal(meta['escaped'], '${NOT_INTERPOLATED}');
  assert.equal(meta['decoded'], 'v');
  assert.equal(job.TaskGroups[0]!.Count, 2);
  assert.equal(job.TaskGroups[0]!.Tasks[0]!.Resources.CPU, 300);
});

test('parseJobFile() reads files for file() and templatefile() through the injected readFile', async () => {
  const job = await parseJobFile(read(join(ROOT, 'valid/templates.nomad')), opts('templates.nomad'));
  const [first, second] = job.TaskGroups[0]!.Tasks[0]!.Templates!;
  assert.equal(first!.EmbeddedTmpl, 'port = {{ env "NOMAD_PORT_http" }}\n');
  assert.equal(second!.EmbeddedTmpl, 'REGION=eu\nNAME_a=1\nNAME_b=1\nALLOC=${NOMAD_ALLOC_ID}\n');
  await rejects(
    'job "x" {\n  meta {\n    a = file("nope.txt")\n  }\n}\n',
    'file(): file functions are not available here',
  );
});

test('parseJobFile() expands dynamic blocks', async () => {
  const job = await parseJobFile(read(join(ROOT, 'valid/dynamic.nomad')), opts('dynamic.nomad'));
  const ports = job.TaskGroups[0]!.Networks![0]!.DynamicPorts!;
  assert.deepEqual(
    ports.map((p) => [p.Label, p.To]),
    [
      ['http', 8080],
      ['metrics', 9100],
    ],
  );
  assert.equal(job.TaskGroups[0]!.Tasks[0]!.Templates!.length, 2);
});

test('parseJobFile() keeps groups and tasks in the order of the file', async () => {
  const src =
    'job "x" {\n  group "zeta" {\n    task "b" { driver = "exec" }\n    task "a" { driver = "exec" }\n  }\n  group "alpha" {\n    task "c" { driver = "exec" }\n  }\n}\n';
  const job = await parseJobFile(src, { filename: 'job.nomad' });
  assert.deepEqual(
    job.TaskGroups.map((g) => g.Name),
    ['zeta', 'alpha'],
  );
  assert.deepEqual(
    job.TaskGroups[0]!.Tasks.map((t) => t.Name),
    ['b', 'a'],
  );
});

test('parseJobFile() moves static ports to the reserved list and maps constraint shorthands', async () => {
  const job = await parseJobFile(read(join(ROOT, 'valid/everything.nomad')), opts('everything.nomad'));
  const net = job.TaskGroups[0]!.Networks![0]!;
  assert.deepEqual(net.ReservedPorts, [{ Label: 'admin', Value: 9090, To: 0, HostNetwork: 'private' }]);
  assert.deepEqual(net.DynamicPorts, [{ Label: 'http', Value: 0, To: 8080, HostNetwork: 'default' }]);
  assert.deepEqual(job.Constraints![1], {
    LTarget: '${attr.os.version}',
    RTarget: '>= 20.04',
    Operand: 'version',
  });
  assert.deepEqual(job.Constraints![2], { LTarget: '', RTarget: 'true', Operand: 'distinct_hosts' });
});

test('parseJobFile() maps every block of the everything fixture to the model', async () => {
  const job = await parseJobFile(read(join(ROOT, 'valid/everything.nomad')), opts('everything.nomad'));
  assert.equal(job.Region, 'eu');
  assert.equal(job.Namespace, 'apps');
  assert.equal(job.Name, 'Everything');
  assert.equal(job.Priority, 70);
  assert.equal(job.AllAtOnce, true);
  assert.equal(job.NodePool, 'fast');
  assert.deepEqual(job.Datacenters, ['dc1', 'dc2']);
  assert.deepEqual(job.Meta, { owner: 'ops' });
  assert.deepEqual(job.Spreads![0]!.SpreadTarget, [
    { Value: 'dc1', Percent: 70 },
    { Value: 'dc2', Percent: 30 },
  ]);
  const g = job.TaskGroups[0]!;
  assert.equal(g.Count, 3);
  assert.equal(g.ShutdownDelay, 6e9);
  assert.deepEqual(g.Update, {
    Stagger: 20e9,
    MaxParallel: 2,
    HealthCheck: 'task_states',
    MinHealthyTime: 15e9,
    HealthyDeadline: 240e9,
    ProgressDeadline: 720e9,
    AutoRevert: true,
    AutoPromote: true,
    Canary: 2,
  });
  assert.deepEqual(g.ReschedulePolicy, {
    Attempts: 3,
    Interval: 7200e9,
    Delay: 10e9,
    DelayFunction: 'fibonacci',
    MaxDelay: 300e9,
    Unlimited: false,
  });
  assert.deepEqual(g.RestartPolicy, {
    Attempts: 4,
    Interval: 600e9,
    Delay: 20e9,
    Mode: 'delay',
    RenderTemplates: true,
  });
  assert.deepEqual(g.EphemeralDisk, { Sticky: true, Migrate: true, SizeMB: 500 });
  assert.deepEqual(g.Disconnect, {
    LostAfter: 3600e9,
    Replace: false,
    Reconcile: 'keep_original',
    StopOnClientAfter: null,
  });
  assert.equal(g.Services![0]!.Name, 'web-APP');
  assert.deepEqual(g.Services![0]!.Checks![0]!.Header, { 'X-Check': ['yes'] });
  const t = g.Tasks[1]!;
  assert.equal(t.KillTimeout, 20e9);
  assert.equal(t.KillSignal, 'SIGTERM');
  assert.equal(t.Leader, true);
  assert.deepEqual(t.Env, { PORT: '${NOMAD_PORT_http}', REPLICA: '3' });
  assert.deepEqual(t.Config!['mount'], [{ source: 'local', target: '/etc/nginx', type: 'bind' }]);
  assert.equal(t.RestartPolicy!.Attempts, 1);
  assert.equal(t.RestartPolicy!.Mode, 'delay');
  assert.deepEqual(t.LogConfig, { MaxFiles: 3, MaxFileSizeMB: 20, Disabled: false });
  assert.equal(t.Templates![0]!.ChangeSignal, 'SIGHUP');
  assert.equal(t.Artifacts![0]!.GetterOptions!['checksum'], 'sha256:abc');
  assert.equal(t.Identity!['Env'], true);
  assert.equal(g.Tasks[0]!.Lifecycle!.Hook, 'prestart');
});

test('parseHclToJobInput() leaves defaults to canonicalization', async () => {
  const input = await parseHclToJobInput(
    'job "x" {\n  group "g" {\n    task "t" {\n      driver = "exec"\n    }\n  }\n}\n',
    { filename: 'j.nomad' },
  );
  assert.equal(input.ID, 'x');
  assert.equal(input.Priority, undefined);
  assert.equal(input.TaskGroups![0]!.Count, undefined);
});
