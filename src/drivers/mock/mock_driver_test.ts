import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockDriver } from './mock_driver.ts';
import type { TaskConfig } from '../driver.ts';
import { DriverError } from '../driver.ts';

const dir = mkdtempSync(join(tmpdir(), 'nomad-mock-'));
let n = 0;
function cfg(driverConfig: Record<string, unknown>): TaskConfig {
  n += 1;
  return {
    id: `alloc-${n}/web`,
    allocId: `alloc-${n}`,
    taskName: 'web',
    jobName: 'j',
    groupName: 'g',
    namespace: 'default',
    env: {},
    user: '',
    driverConfig,
    resources: { cpuMhz: 100, cores: 0, memoryMb: 64, memoryMaxMb: 0 },
    ports: [],
    allocDir: dir,
    taskDir: dir,
    stdoutPath: join(dir, `${n}.stdout`),
    stderrPath: join(dir, `${n}.stderr`),
  };
}

test('a mock task runs for run_for and exits with exit_code and the error message', async () => {
  const d = new MockDriver();
  const c = cfg({ run_for: '20ms', exit_code: 2, exit_err_msg: 'boom' });
  await d.startTask(c);
  assert.deepEqual(await d.waitTask(c.id), { exitCode: 2, signal: 0, oomKilled: false, err: 'boom' });
});

test('start_error fails the start, recoverable as configured', async () => {
  const d = new MockDriver();
  const err = await d
    .startTask(cfg({ start_error: 'no luck', start_error_recoverable: true }))
    .catch((e: unknown) => e);
  assert.ok(err instanceof DriverError);
  assert.equal(err.message, 'no luck');
  assert.equal(err.recoverable, true);
});

test('stopTask() ends the task after kill_after, or at the timeout when that is shorter', async () => {
  const d = new MockDriver();
  const a = cfg({ run_for: '1h', kill_after: '10ms' });
  await d.startTask(a);
  await d.stopTask(a.id, { timeoutMs: 5000, signal: 'SIGINT' });
  assert.equal((await d.waitTask(a.id)).signal, 2);
  const b = cfg({ run_for: '1h', kill_after: '1h' });
  await d.startTask(b);
  await d.stopTask(b.id, { timeoutMs: 10, signal: 'SIGTERM' });
  assert.equal((await d.waitTask(b.id)).signal, 9);
});

test('stdout_string is written stdout_repeat more times', async () => {
  const d = new MockDriver();
  const c = cfg({ run_for: '200ms', stdout_string: 'hi\n', stdout_repeat: 2, stdout_repeat_duration: '5ms' });
  await d.startTask(c);
  await d.waitTask(c.id);
  assert.equal(readFileSync(c.stdoutPath, 'utf8'), 'hi\nhi\nhi\n');
});

test('a new mock driver recovers a task whose run_for has not elapsed, and refuses one that has', async () => {
  const d = new MockDriver();
  const c = cfg({ run_for: '50ms' });
  const h = await d.startTask(c);
  const d2 = new MockDriver();
  await d2.recoverTask(h);
  assert.equal((await d2.waitTask(c.id)).exitCode, 0);
  await assert.rejects(new MockDriver().recoverTask(h), /no longer running/);
});

test('mock config validation names unknown keys and wrong types', () => {
  assert.deepEqual(new MockDriver().validateConfig({ run_for: 5.5, bogus: 1 }), [
    'Invalid driver config: unsupported argument "bogus"',
    'Invalid driver config: "run_for" must be of type duration: current value is 5.5 (number)',
  ]);
});
