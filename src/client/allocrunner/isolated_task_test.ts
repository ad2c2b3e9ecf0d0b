import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../../../test/helpers/requirements.ts';
import { rngFromSeed } from '../../lib/random.ts';
import type { Driver } from '../../drivers/driver.ts';
import { ExecDriver } from '../../drivers/exec/exec_driver.ts';
import { DockerDriver } from '../../drivers/docker/docker_driver.ts';
import { RawExecDriver } from '../../drivers/raw_exec/raw_exec_driver.ts';
import { lookupUser } from '../../drivers/exec/users.ts';
import { realClock } from '../config.ts';
import { ClientStateDb } from '../state_db.ts';
import { quietLogger, testAlloc, testJob, testNode } from '../testing/fixtures.ts';
import { AllocRunner } from './alloc_runner.ts';

const root = mkdtempSync(join(tmpdir(), 'nomad-iso-'));
const db = ClientStateDb.open(join(root, 'state.mdb'));
after(async () => {
  await db.close();
  rmSync(root, { recursive: true, force: true });
});

function runner(driver: Driver, task: Record<string, unknown>): AllocRunner {
  const job = testJob({
    TaskGroups: [
      { Name: 'g', RestartPolicy: { Attempts: 0, Mode: 'fail' }, Tasks: [{ Name: 't', ...task } as never] },
    ],
  });
  return new AllocRunner({
    alloc: testAlloc(job),
    node: testNode(),
    region: 'global',
    drivers: new Map([[driver.name, driver]]),
    allocDir: join(root, 'alloc'),
    clock: realClock,
    rng: rngFromSeed(3),
    logger: quietLogger,
    db,
    envDenylist: [],
    hostEnv: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    onUpdate: () => undefined,
  });
}

const stdout = (ar: AllocRunner): string => readFileSync(join(ar.paths.logs, 't.stdout.0'), 'utf8');
const stderr = (ar: AllocRunner): string => readFileSync(join(ar.paths.logs, 't.stderr.0'), 'utf8');
const ENV_DIRS = 'echo "dirs=$NOMAD_TASK_DIR $NOMAD_ALLOC_DIR $NOMAD_SECRETS_DIR"';

test('an exec task runs as nobody with /local, /alloc and /secrets, writes to local/ and alloc/, and reads its secrets', async (t) => {
  if (!(await needs(t, { root: true }))) return;
  // The agent's umask must not decide the directories' modes.
  const umask = process.umask(0o077);
  t.after(() => process.umask(umask));
  const ar = runner(new ExecDriver(), {
    Driver: 'exec',
    Config: {
      command: '/bin/sh',
      // ${NOMAD_TASK_DIR} is interpolated by the client into the args: the path the task sees.
      args: [
        '-c',
        `${ENV_DIRS}; id -un; echo arg=\${NOMAD_TASK_DIR}; echo hi > /local/out.txt && echo wrote-local; echo d > /alloc/data/shared.txt && echo wrote-alloc; cat /secrets/token; ls -ld /secrets | cut -c1-10`,
      ],
    },
    Templates: [
      { EmbeddedTmpl: 'token={{ env "NOMAD_ALLOC_ID" }}\n', DestPath: '${NOMAD_SECRETS_DIR}/token' },
    ],
  });
  await ar.run();
  assert.equal(ar.clientUpdate().ClientStatus, 'complete', stderr(ar));
  assert.equal(
    stdout(ar),
    `dirs=/local /alloc /secrets\nnobody\narg=/local\nwrote-local\nwrote-alloc\ntoken=${ar.id}\ndrwx------\n`,
  );
  const nobody = lookupUser('nobody');
  const task = join(ar.paths.root, 't');
  const secrets = statSync(join(task, 'secrets'));
  assert.deepEqual([secrets.mode & 0o7777, secrets.uid, secrets.gid], [0o700, nobody.uid, nobody.gid]);
  const local = statSync(join(task, 'local'));
  assert.deepEqual([local.mode & 0o7777, local.uid], [0o777, nobody.uid]);
  assert.equal(statSync(join(task, 'tmp')).mode & 0o7777, 0o1777);
  assert.equal(statSync(join(task, 'local', 'out.txt')).uid, nobody.uid);
  assert.equal(statSync(ar.paths.shared).mode & 0o7777, 0o1777);
  assert.equal(statSync(ar.paths.data).mode & 0o7777, 0o777);
  assert.equal(statSync(join(ar.paths.data, 'shared.txt')).uid, nobody.uid);
});

test('a docker task sees /local, /alloc and /secrets in its env', async (t) => {
  if (!(await needs(t, { docker: true }))) return;
  const ar = runner(new DockerDriver(), {
    Driver: 'docker',
    Config: {
      image: 'busybox:1',
      command: '/bin/sh',
      args: ['-c', `${ENV_DIRS}; cat \${NOMAD_TASK_DIR}/conf`],
    },
    Templates: [{ EmbeddedTmpl: 'from-template\n', DestPath: '${NOMAD_TASK_DIR}/conf' }],
  });
  await ar.run();
  assert.equal(ar.clientUpdate().ClientStatus, 'complete', stderr(ar));
  assert.equal(stdout(ar), 'dirs=/local /alloc /secrets\nfrom-template\n');
});

test('a raw_exec task keeps host paths in its env', async () => {
  const ar = runner(new RawExecDriver({ enabled: true }), {
    Driver: 'raw_exec',
    Config: { command: '/bin/sh', args: ['-c', `${ENV_DIRS}; cat "$NOMAD_SECRETS_DIR/token"`] },
    Templates: [{ EmbeddedTmpl: 'tok\n', DestPath: '${NOMAD_SECRETS_DIR}/token' }],
  });
  await ar.run();
  const task = join(ar.paths.root, 't');
  assert.equal(stdout(ar), `dirs=${join(task, 'local')} ${ar.paths.shared} ${join(task, 'secrets')}\ntok\n`);
  assert.equal(statSync(join(task, 'secrets')).mode & 0o7777, 0o700);
});
