import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { rngFromSeed } from '../../lib/random.ts';
import { realClock } from '../config.ts';
import { ClientStateDb } from '../state_db.ts';
import { AllocRunner } from '../allocrunner/alloc_runner.ts';
import { RawExecDriver } from '../../drivers/raw_exec/raw_exec_driver.ts';
import { quietLogger, testAlloc, testJob, testNode } from '../testing/fixtures.ts';
import { eventually } from '../../drivers/conformance_test_suite.ts';

const root = mkdtempSync(join(tmpdir(), 'nomad-art-'));
const db = ClientStateDb.open(join(root, 'state.mdb'));
const body = 'artifact body\n';
const http = createServer((req, res) => {
  if (req.url === '/files/app.txt') res.end(body);
  else res.writeHead(404).end();
});
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
after(async () => {
  http.close();
  await db.close();
  rmSync(root, { recursive: true, force: true });
});

function run(tasks: unknown[]): AllocRunner {
  const job = testJob({
    Meta: { owner: 'ops' },
    TaskGroups: [{ Name: 'g', RestartPolicy: { Attempts: 0, Mode: 'fail' }, Tasks: tasks as never }],
  });
  return new AllocRunner({
    alloc: testAlloc(job),
    node: testNode(),
    region: 'global',
    drivers: new Map([['raw_exec', new RawExecDriver({ enabled: true })]]),
    allocDir: join(root, 'alloc'),
    clock: realClock,
    rng: rngFromSeed(2),
    logger: quietLogger,
    db,
    envDenylist: [],
    hostEnv: { PATH: process.env['PATH'] },
    onUpdate: () => undefined,
  });
}

const sha = createHash('sha256').update(body).digest('hex');

test('artifacts are fetched over http with checksums, templates render into files and env, config is interpolated', async () => {
  const ar = run([
    {
      Name: 't',
      Driver: 'raw_exec',
      Config: {
        command: '/bin/sh',
        args: [
          '-c',
          'cat local/app.txt; echo "$GREETING ${attr.kernel.name} ${node.class} ${meta.rack}"; cat local/conf.txt',
        ],
      },
      Artifacts: [
        {
          GetterSource: `${base}/files/app.txt`,
          GetterOptions: { checksum: `sha256:${sha}` },
          RelativeDest: 'local/',
        },
      ],
      Templates: [
        {
          EmbeddedTmpl: 'GREETING=hello {{ env "NOMAD_META_owner" }}\n',
          DestPath: 'secrets/file.env',
          Envvars: true,
        },
        {
          EmbeddedTmpl: 'alloc={{ env "NOMAD_ALLOC_ID" }} dc={{ .Node.Datacenter }}',
          DestPath: 'local/conf.txt',
        },
      ],
    },
  ]);
  await ar.run();
  const out = readFileSync(join(ar.paths.logs, 't.stdout.0'), 'utf8');
  assert.equal(out, `artifact body\nhello ops linux linux-test r1\nalloc=${ar.id} dc=dc1`);
  assert.deepEqual(
    ar.taskStates['t']!.Events.map((e) => e.Type),
    ['Received', 'Task Setup', 'Downloading Artifacts', 'Started', 'Terminated'],
  );
});

test('an artifact with a wrong checksum fails with the reason', async () => {
  const ar = run([
    {
      Name: 't',
      Driver: 'raw_exec',
      Config: { command: '/bin/true' },
      Artifacts: [{ GetterSource: `${base}/files/app.txt?checksum=md5:0000`, RelativeDest: 'local/' }],
    },
  ]);
  await ar.run();
  const failed = ar.taskStates['t']!.Events.find((e) => e.Type === 'Failed Artifact Download')!;
  assert.match(failed.DisplayMessage, /checksums did not match/);
  assert.equal(ar.clientUpdate().ClientStatus, 'failed');
});

test('a re-rendered template with change_mode restart restarts the task', async () => {
  const ar = run([
    {
      Name: 't',
      Driver: 'raw_exec',
      Config: { command: '/bin/sh', args: ['-c', 'cat local/out.txt; echo; exec sleep 1000'] },
      KillTimeout: 1e9,
      Templates: [{ SourcePath: 'local/tmpl.src', DestPath: 'local/out.txt', ChangeMode: 'restart' }],
    },
  ]);
  // A template's source lives in the task dir (an artifact would bring it there).
  const src = join(ar.paths.root, 't', 'local', 'tmpl.src');
  mkdirSync(dirname(src), { recursive: true });
  writeFileSync(src, 'v1');
  void ar.run();
  const tr = ar.taskRunner('t')!;
  await eventually(() => tr.state.State === 'running');
  // On a failure, say what the task went through: the events tell a race from a slow machine.
  const story = (): string =>
    `state ${tr.state.State}, restarts ${tr.state.Restarts}, events ${JSON.stringify(
      tr.state.Events.map((e) => `${e.Type}: ${e.DisplayMessage}`),
    )}`;
  try {
    writeFileSync(src, 'v2');
    assert.equal(tr.checkTemplates(), 1);
    await eventually(() => tr.state.State === 'running' && tr.state.Restarts === 1).catch((err: unknown) => {
      throw new Error(`the task did not come back once: ${story()}`, { cause: err });
    });
    const out = join(ar.paths.logs, 't.stdout.0');
    await eventually(() => readFileSync(out, 'utf8') === 'v1\nv2\n').catch((err: unknown) => {
      throw new Error(`stdout is ${JSON.stringify(readFileSync(out, 'utf8'))}: ${story()}`, { cause: err });
    });
    assert.ok(tr.state.Events.some((e) => e.Type === 'Restart Signaled'));
  } finally {
    await ar.kill();
  }
});

const hookFailure = (ar: AllocRunner): string =>
  ar.taskStates['t']!.Events.find((e) => e.Type === 'Task hook failed')?.DisplayMessage ?? '';

test('a template source outside the task dir is refused with an event naming the path', async () => {
  for (const source of ['../../../../etc/hostname', '/etc/hostname', '${NOMAD_ALLOC_DIR}/../../x']) {
    const ar = run([
      {
        Name: 't',
        Driver: 'raw_exec',
        Config: { command: '/bin/true' },
        Templates: [{ SourcePath: source, DestPath: 'local/out.txt' }],
      },
    ]);
    await ar.run();
    const msg = hookFailure(ar);
    assert.ok(msg.startsWith(`Template failed: template source "${source}" resolves to "`), msg);
    assert.ok(msg.endsWith(`", outside the task directory "${join(ar.paths.root, 't')}"`), msg);
    assert.equal(ar.clientUpdate().ClientStatus, 'failed');
    assert.equal(
      ar.taskStates['t']!.Events.some((e) => e.Type === 'Started'),
      false,
    );
  }
});

test('a template source that is a link leading out of the task dir is refused', async () => {
  const ar = run([
    {
      Name: 't',
      Driver: 'raw_exec',
      Config: { command: '/bin/true' },
      Templates: [{ SourcePath: 'local/link', DestPath: 'local/out.txt' }],
    },
  ]);
  const link = join(ar.paths.root, 't', 'local', 'link');
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync('/etc/hostname', link);
  await ar.run();
  assert.match(
    hookFailure(ar),
    /template source "local\/link" resolves to "\/etc\/hostname", outside the task directory/,
  );
  assert.equal(ar.clientUpdate().ClientStatus, 'failed');
});

test('a template destination follows Nomad: /local/x is in the task dir, alloc/ is the shared dir, ../ is refused', async () => {
  const ar = run([
    {
      Name: 't',
      Driver: 'raw_exec',
      Config: { command: '/bin/sh', args: ['-c', 'cat local/abs.txt "$NOMAD_ALLOC_DIR/shared.txt"'] },
      Templates: [
        { EmbeddedTmpl: 'abs\n', DestPath: '/local/abs.txt' },
        { EmbeddedTmpl: 'shared\n', DestPath: '${NOMAD_ALLOC_DIR}/shared.txt', Perms: '600' },
      ],
    },
  ]);
  await ar.run();
  assert.equal(readFileSync(join(ar.paths.logs, 't.stdout.0'), 'utf8'), 'abs\nshared\n');
  assert.equal(statSync(join(ar.paths.shared, 'shared.txt')).mode & 0o777, 0o600);
  const bad = run([
    {
      Name: 't',
      Driver: 'raw_exec',
      Config: { command: '/bin/true' },
      Templates: [{ EmbeddedTmpl: 'x', DestPath: 'local/../../other/x' }],
    },
  ]);
  await bad.run();
  assert.match(
    hookFailure(bad),
    /template destination "local\/\.\.\/\.\.\/other\/x" resolves to ".*\/other\/x", outside/,
  );
});

test('an artifact destination outside the task dir fails the task at once, naming the path', async () => {
  const ar = run([
    {
      Name: 't',
      Driver: 'raw_exec',
      Config: { command: '/bin/true' },
      Artifacts: [{ GetterSource: `${base}/files/app.txt`, RelativeDest: '../elsewhere/' }],
    },
  ]);
  await ar.run();
  const failed = ar.taskStates['t']!.Events.filter((e) => e.Type === 'Failed Artifact Download');
  assert.equal(failed.length, 1, 'no retry of a destination that cannot work');
  assert.match(
    failed[0]!.DisplayMessage,
    /artifact destination "\.\.\/elsewhere\/" resolves to ".*\/elsewhere\/", outside the task directory/,
  );
  assert.equal(ar.clientUpdate().ClientStatus, 'failed');
  assert.equal(existsSync(join(ar.paths.root, 'elsewhere')), false);
});
