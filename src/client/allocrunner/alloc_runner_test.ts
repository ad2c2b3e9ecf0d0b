import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rngFromSeed } from '../../lib/random.ts';
import { realClock } from '../config.ts';
import { ClientStateDb } from '../state_db.ts';
import { AllocRunner } from './alloc_runner.ts';
import { healthParams } from './health_hook.ts';
import { RawExecDriver } from '../../drivers/raw_exec/raw_exec_driver.ts';
import { MockDriver } from '../../drivers/mock/mock_driver.ts';
import type { Driver } from '../../drivers/driver.ts';
import type { Allocation } from '../../structs/allocation.ts';
import type { JobInput } from '../../structs/canonicalize.ts';
import { eventually, pidAlive } from '../../drivers/conformance_test_suite.ts';
import { quietLogger, testAlloc, testJob, testNode } from '../testing/fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'nomad-ar-'));
const db = ClientStateDb.open(join(root, 'state.mdb'));
after(async () => {
  await db.close();
  rmSync(root, { recursive: true, force: true });
});

function runner(
  alloc: Allocation,
  drivers: Driver[] = [new RawExecDriver({ enabled: true }), new MockDriver()],
): AllocRunner {
  return new AllocRunner({
    alloc,
    node: testNode(),
    region: 'global',
    drivers: new Map(drivers.map((d) => [d.name, d])),
    allocDir: join(root, 'alloc'),
    clock: realClock,
    rng: rngFromSeed(1),
    logger: quietLogger,
    db,
    envDenylist: [],
    hostEnv: { PATH: process.env['PATH'] },
    onUpdate: () => undefined,
  });
}

type TaskInput = NonNullable<NonNullable<NonNullable<JobInput['TaskGroups']>[number]>['Tasks']>[number];
const sh = (name: string, script: string, extra: Record<string, unknown> = {}): TaskInput =>
  ({
    Name: name,
    Driver: 'raw_exec',
    Config: { command: '/bin/sh', args: ['-c', script] },
    Resources: { CPU: 100, MemoryMB: 32 },
    ...extra,
  }) as never;

const types = (ar: AllocRunner, task: string): string[] => ar.taskStates[task]!.Events.map((e) => e.Type);

test('a batch raw_exec task runs to completion with its env, logs and Nomad events', async () => {
  const job = testJob({
    TaskGroups: [
      {
        Name: 'g',
        Tasks: [sh('t', 'echo "id=$NOMAD_ALLOC_ID group=$NOMAD_GROUP_NAME dc=$NOMAD_DC"; echo oops >&2')],
      },
    ],
  });
  const alloc = testAlloc(job);
  const ar = runner(alloc);
  await ar.run();
  const u = ar.clientUpdate();
  assert.equal(u.ClientStatus, 'complete');
  assert.equal(u.ClientDescription, 'All tasks have completed');
  assert.deepEqual(types(ar, 't'), ['Received', 'Task Setup', 'Started', 'Terminated']);
  const ev = ar.taskStates['t']!.Events;
  assert.equal(ev[1]!.DisplayMessage, 'Building Task Directory');
  assert.equal(ev[2]!.DisplayMessage, 'Task started by client');
  assert.equal(ev[3]!.DisplayMessage, 'Exit Code: 0');
  const logs = join(ar.paths.logs);
  assert.equal(readFileSync(join(logs, 't.stdout.0'), 'utf8'), `id=${alloc.ID} group=g dc=dc1\n`);
  assert.equal(readFileSync(join(logs, 't.stderr.0'), 'utf8'), 'oops\n');
});

test('a task killed from outside restarts by policy and the alloc fails once attempts are spent', async () => {
  const policy = { Attempts: 1, Interval: 30 * 60e9, Delay: 10e6, Mode: 'fail' };
  const job = testJob({
    Type: 'service',
    TaskGroups: [
      {
        Name: 'g',
        RestartPolicy: policy,
        Tasks: [sh('t', 'echo $$ > "$NOMAD_TASK_DIR/pid"; exec sleep 1000')],
      },
    ],
  });
  const ar = runner(testAlloc(job));
  const done = ar.run();
  const pidFile = join(ar.paths.root, 't/local/pid');
  let previous = 0;
  for (let i = 0; i < 2; i++) {
    await eventually(() => ar.taskStates['t']!.State === 'running' && ar.taskStates['t']!.Restarts === i);
    let pid = 0;
    await eventually(() => {
      pid = Number(readFileSync(pidFile, 'utf8'));
      return (
        pid > 0 &&
        pid !== previous &&
        pidAlive(pid) &&
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')
      );
    });
    process.kill(pid, 'SIGKILL');
    await eventually(() => !pidAlive(pid));
    previous = pid;
  }
  await done;
  const s = ar.taskStates['t']!;
  assert.equal(s.State, 'dead');
  assert.equal(s.Failed, true);
  assert.equal(s.Restarts, 1);
  assert.deepEqual(types(ar, 't'), [
    'Received',
    'Task Setup',
    'Started',
    'Terminated',
    'Restarting',
    'Started',
    'Terminated',
    'Not Restarting',
  ]);
  const last = s.Events.at(-1)!;
  assert.equal(last.DisplayMessage, 'Exceeded allowed attempts 1 in interval 30m0s and mode is "fail"');
  assert.equal(s.Events.find((e) => e.Type === 'Terminated')!.DisplayMessage, 'Exit Code: 137, Signal: 9');
  assert.match(
    s.Events.find((e) => e.Type === 'Restarting')!.DisplayMessage,
    /^Task restarting in \d+(\.\d+)?ms$/,
  );
  assert.equal(ar.clientUpdate().ClientStatus, 'failed');
  assert.equal(ar.clientUpdate().ClientDescription, 'Failed tasks');
});

const mock = (
  name: string,
  config: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): TaskInput =>
  ({
    Name: name,
    Driver: 'mock_driver',
    Config: config,
    Resources: { CPU: 100, MemoryMB: 32 },
    ...extra,
  }) as never;

test('lifecycle tasks run in order with the mock driver: prestart, main, poststop', async () => {
  const job = testJob({
    TaskGroups: [
      {
        Name: 'g',
        Tasks: [
          mock('post', { run_for: '1ms' }, { Lifecycle: { Hook: 'poststop', Sidecar: false } }),
          mock('main', { run_for: '30ms' }),
          mock('init', { run_for: '10ms' }, { Lifecycle: { Hook: 'prestart', Sidecar: false } }),
        ],
      },
    ],
  });
  const ar = runner(testAlloc(job));
  await ar.run();
  const started = (t: string): number => ar.taskStates[t]!.Events.find((e) => e.Type === 'Started')!.Time;
  const finished = (t: string): number => ar.taskStates[t]!.Events.find((e) => e.Type === 'Terminated')!.Time;
  assert.ok(finished('init') <= started('main'), 'prestart finishes before main starts');
  assert.ok(finished('main') <= started('post'), 'poststop starts after main is dead');
  assert.equal(ar.clientUpdate().ClientStatus, 'complete');
});

test('when the leader task dies the others are killed with "Leader Task Dead"', async () => {
  const job = testJob({
    TaskGroups: [
      {
        Name: 'g',
        Tasks: [mock('leader', { run_for: '10ms' }, { Leader: true }), mock('helper', { run_for: '1h' })],
      },
    ],
  });
  const ar = runner(testAlloc(job));
  await ar.run();
  assert.deepEqual(types(ar, 'helper').slice(-5), [
    'Started',
    'Leader Task Dead',
    'Killing',
    'Terminated',
    'Killed',
  ]);
  assert.equal(
    ar.taskStates['helper']!.Events.find((e) => e.Type === 'Leader Task Dead')!.DisplayMessage,
    'Leader Task in Group dead',
  );
});

test('a task that cannot start gets "Driver Failure" with the reason and the restart policy applies', async () => {
  const policy = { Attempts: 1, Interval: 60e9, Delay: 1e6, Mode: 'fail' };
  const job = testJob({
    TaskGroups: [
      {
        Name: 'g',
        RestartPolicy: policy,
        Tasks: [mock('t', { start_error: 'image not found', start_error_recoverable: true })],
      },
    ],
  });
  const ar = runner(testAlloc(job));
  await ar.run();
  assert.deepEqual(types(ar, 't'), [
    'Received',
    'Task Setup',
    'Driver Failure',
    'Restarting',
    'Driver Failure',
    'Not Restarting',
  ]);
  assert.equal(ar.taskStates['t']!.Events[2]!.DisplayMessage, 'image not found');
  assert.equal(ar.clientUpdate().ClientStatus, 'failed');
});

test('an allocation in a deployment reports healthy after min_healthy_time', async () => {
  const job = testJob({
    Type: 'service',
    Update: { MaxParallel: 1, MinHealthyTime: 50e6, HealthyDeadline: 60e9, HealthCheck: 'task_states' },
    TaskGroups: [{ Name: 'g', Tasks: [mock('t', { run_for: '1h' })] }],
  });
  const ar = runner(testAlloc(job, { DeploymentID: 'd-1' }));
  void ar.run();
  await eventually(() => ar.clientUpdate().DeploymentStatus?.Healthy === true);
  await ar.kill();
});

test('an allocation outside any deployment is judged by its migrate block, as the drainer needs', async () => {
  const job = testJob({
    Type: 'service',
    TaskGroups: [
      {
        Name: 'g',
        Migrate: { MaxParallel: 1, HealthCheck: 'task_states', MinHealthyTime: 50e6, HealthyDeadline: 60e9 },
        Tasks: [mock('t', { run_for: '1h' })],
      },
    ],
  });
  const ar = runner(testAlloc(job, { DeploymentID: '' }));
  void ar.run();
  await eventually(() => ar.clientUpdate().DeploymentStatus?.Healthy === true);
  await ar.kill();
});

test('healthParams() judges no batch allocation, and none of a deployment with manual health', () => {
  const batch = testJob({ Type: 'batch', TaskGroups: [{ Name: 'g', Tasks: [mock('t', {})] }] });
  assert.equal(healthParams(testAlloc(batch, { DeploymentID: '' }), batch, batch.TaskGroups[0]!), null);
  const manual = testJob({
    Type: 'service',
    Update: { MaxParallel: 1, MinHealthyTime: 50e6, HealthyDeadline: 60e9, HealthCheck: 'manual' },
    TaskGroups: [{ Name: 'g', Tasks: [mock('t', {})] }],
  });
  assert.equal(healthParams(testAlloc(manual, { DeploymentID: 'd-1' }), manual, manual.TaskGroups[0]!), null);
  const outside = healthParams(testAlloc(manual, { DeploymentID: '' }), manual, manual.TaskGroups[0]!);
  assert.equal(outside?.MinHealthyTime, 10e9, 'the default migrate block');
});

test('an allocation updated in place into a new deployment proves itself healthy again', async () => {
  const job = testJob({
    Type: 'service',
    Update: { MaxParallel: 1, MinHealthyTime: 50e6, HealthyDeadline: 60e9, HealthCheck: 'task_states' },
    TaskGroups: [{ Name: 'g', Tasks: [mock('t', { run_for: '1h' })] }],
  });
  const first = testAlloc(job, { DeploymentID: 'd-1' });
  const ar = runner(first);
  void ar.run();
  await eventually(() => ar.clientUpdate().DeploymentStatus?.Healthy === true);
  ar.update({ ...first, DeploymentID: 'd-2', DeploymentStatus: null });
  assert.equal(
    ar.clientUpdate().DeploymentStatus,
    null,
    'the old verdict does not count for the new deployment',
  );
  await eventually(() => ar.clientUpdate().DeploymentStatus?.Healthy === true);
  await ar.kill();
});

test('an invalid driver config fails the task with "Failed Validation" naming the key', async () => {
  const job = testJob({ TaskGroups: [{ Name: 'g', Tasks: [mock('t', { run_for: '1s', colour: 'red' })] }] });
  const ar = runner(testAlloc(job));
  await ar.run();
  const last = ar.taskStates['t']!.Events.at(-1)!;
  assert.equal(last.Type, 'Failed Validation');
  assert.match(last.DisplayMessage, /unsupported argument "colour"/);
  assert.equal(ar.clientUpdate().ClientStatus, 'failed');
});
