import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskConfig, TaskHandle } from '../driver.ts';
import { readProcStat } from '../process/proc.ts';
import { eventually, runDriverConformance } from '../conformance_test_suite.ts';
import { RawExecDriver, STATUS_FILE_NAME } from './raw_exec_driver.ts';

runDriverConformance({
  name: 'raw_exec',
  newDriver: () => new RawExecDriver({ enabled: true }),
  taskConfigFor: (script) => ({ command: '/bin/sh', args: ['-c', script] }),
  wrongType: { key: 'args', value: 'not-a-list' },
  pidOf: (h) => h.state['pid'] as number,
});

test('raw_exec is undetected unless enabled by config', async () => {
  const fp = await new RawExecDriver({ enabled: false }).fingerprint();
  assert.equal(fp.detected, false);
  assert.equal(fp.healthDescription, 'disabled');
});

test('raw_exec validation names a missing command and each bad key', () => {
  const d = new RawExecDriver({ enabled: true });
  const errors = d.validateConfig({ args: [1, 2], comand: 'x' });
  assert.deepEqual(errors, [
    'Invalid driver config: "args" must be of type string[]: current value is [1,2] (list)',
    'Invalid driver config: unsupported argument "comand"',
    'Invalid driver config: missing required argument "command"',
  ]);
});

describe('raw_exec launcher', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'nomad-raw-exec-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  let seq = 0;
  const config = (driverConfig: Record<string, unknown>): TaskConfig => {
    seq += 1;
    const allocDir = join(root, `alloc-${seq}`);
    const taskDir = join(allocDir, 'task');
    mkdirSync(join(taskDir, 'local'), { recursive: true });
    mkdirSync(join(allocDir, 'alloc', 'logs'), { recursive: true });
    return {
      id: `alloc-${seq}/task`,
      allocId: `alloc-${seq}`,
      taskName: 'task',
      jobName: 'job',
      groupName: 'group',
      namespace: 'default',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      user: '',
      driverConfig,
      resources: { cpuMhz: 100, cores: 0, memoryMb: 64, memoryMaxMb: 0 },
      ports: [],
      allocDir,
      taskDir,
      stdoutPath: join(allocDir, 'alloc', 'logs', 'task.stdout.0'),
      stderrPath: join(allocDir, 'alloc', 'logs', 'task.stderr.0'),
    };
  };

  test('the default kill signal SIGINT reaches the command, and the launcher writes nothing to its output', async () => {
    const d = new RawExecDriver({ enabled: true });
    const cfg = config({ command: 'sleep', args: ['1000'] });
    const h = await d.startTask(cfg);
    const pid = h.state['pid'] as number;
    // Wait until the launcher's child has become `sleep`: between its fork and its exec the child
    // still runs the launcher's traps, and a signal in that window would be survived, not obeyed.
    const isSleep = (p: number): boolean => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep';
      } catch {
        return false;
      }
    };
    await eventually(
      () => childrenOf(pid).length === 1 && isSleep(childrenOf(pid)[0]!),
      'the command to start',
    );
    const [cmd] = childrenOf(pid);
    assert.equal(readProcStat(cmd!)?.session, pid, 'the command runs in the session the launcher leads');
    await d.stopTask(cfg.id, { timeoutMs: 10_000, signal: 'SIGINT' });
    const r = await d.waitTask(cfg.id);
    assert.deepEqual([r.exitCode, r.signal], [130, 2]);
    assert.equal(readFileSync(cfg.stderrPath, 'utf8'), '');
    assert.equal(readFileSync(join(cfg.taskDir, STATUS_FILE_NAME), 'utf8'), '130\n');
    await d.destroyTask(cfg.id, { force: false });
    assert.equal(existsSync(join(cfg.taskDir, STATUS_FILE_NAME)), false);
  });

  test('a command killed from outside while reattached reports SIGKILL', async () => {
    const d = new RawExecDriver({ enabled: true });
    const cfg = config({ command: '/bin/sh', args: ['-c', 'echo $$; exec sleep 1000'] });
    const h = await d.startTask(cfg);
    await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('\n'));
    const taskPid = Number(readFileSync(cfg.stdoutPath, 'utf8').trim());
    const d2 = new RawExecDriver({ enabled: true });
    await d2.recoverTask(JSON.parse(JSON.stringify(h)) as TaskHandle);
    process.kill(taskPid, 'SIGKILL');
    const r = await d2.waitTask(cfg.id);
    assert.deepEqual([r.exitCode, r.signal, r.err], [137, 9, undefined]);
    await d2.destroyTask(cfg.id, { force: false });
    await d.destroyTask(cfg.id, { force: true });
  });

  test('a command that is not found, or a missing work dir, fails the start with the reason', async () => {
    const d = new RawExecDriver({ enabled: true });
    await assert.rejects(
      d.startTask(config({ command: 'nomad-no-such-command' })),
      /Failed to start command "nomad-no-such-command": executable file not found in \$PATH/,
    );
    await assert.rejects(
      d.startTask(config({ command: './local/missing' })),
      /Failed to start command "\.\/local\/missing": ".*\/task\/local\/missing" is not an executable file/,
    );
    await assert.rejects(
      d.startTask(config({ command: '/bin/true', work_dir: join(root, 'nowhere') })),
      /Work dir ".*nowhere" is not an existing absolute directory/,
    );
  });

  test('a command named like a shell builtin runs the program, not the builtin', async () => {
    const d = new RawExecDriver({ enabled: true });
    // dash's builtin echo would print "a" and a newline from "\n"; coreutils' echo prints it as is.
    const cfg = config({ command: 'echo', args: ['a\\nb'] });
    await d.startTask(cfg);
    assert.equal((await d.waitTask(cfg.id)).exitCode, 0);
    assert.equal(readFileSync(cfg.stdoutPath, 'utf8'), 'a\\nb\n');
    await d.destroyTask(cfg.id, { force: false });
  });
});

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const p = Number(name);
    if (Number.isInteger(p) && readProcStat(p)?.ppid === pid) out.push(p);
  }
  return out;
}
