import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../../../test/helpers/requirements.ts';
import { DriverError, type ExitResult, type TaskConfig, type TaskHandle } from '../driver.ts';
import { TaskCgroup, type CgroupVersion } from './cgroup.ts';
import { isolatedTaskConfig } from './testing.ts';
import { eventually, pidAlive, runDriverConformance } from '../conformance_test_suite.ts';
import { ExecDriver } from './exec_driver.ts';

runDriverConformance({
  name: 'exec',
  newDriver: () => new ExecDriver(),
  taskConfigFor: (script) => ({ command: '/bin/sh', args: ['-c', script] }),
  wrongType: { key: 'args', value: 'not-a-list' },
  pidOf: (h) => h.state['launcherPid'] as number,
  needs: { root: true },
});

const sh = (script: string): Record<string, unknown> => ({ command: '/bin/sh', args: ['-c', script] });

describe('exec isolation', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'nomad-exec-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Runs a task to its end; returns its result and stdout. */
  async function runToEnd(
    t: TestContext,
    driverConfig: Record<string, unknown>,
    extra: Partial<TaskConfig> = {},
  ): Promise<{ result: ExitResult; stdout: string; stderr: string } | undefined> {
    if (!(await needs(t, { root: true }))) return undefined;
    const d = new ExecDriver();
    const cfg = isolatedTaskConfig(root, driverConfig, extra);
    await d.startTask(cfg);
    const result = await d.waitTask(cfg.id);
    await d.destroyTask(cfg.id, { force: true });
    return {
      result,
      stdout: readFileSync(cfg.stdoutPath, 'utf8'),
      stderr: readFileSync(cfg.stderrPath, 'utf8'),
    };
  }

  test('an exec task sees only its own processes, with itself as pid 1', async (t) => {
    const r = await runToEnd(t, sh('ps -e -o pid=,comm='));
    if (r === undefined) return;
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows[0], ['1', 'sh'], r.stdout);
    assert.deepEqual(
      rows.slice(1).map((x) => x[1]),
      ['ps'],
      r.stdout,
    );
    assert.equal(r.result.exitCode, 0, r.stderr);
  });

  test('an exec task runs as nobody unless it names a user', async (t) => {
    const r = await runToEnd(t, sh('id -un; id -u'));
    if (r === undefined) return;
    assert.deepEqual(r.stdout.trim().split('\n'), ['nobody', '65534']);
    const asRoot = await runToEnd(t, sh('id -un'), { user: 'root' });
    assert.equal(asRoot?.stdout.trim(), 'root');
  });

  test('the chroot shows the task dir as "/" with the chroot env, and hides the rest of the host', async (t) => {
    const r = await runToEnd(
      t,
      sh(
        'ls -a /; ls /alloc; test -e /work && echo host-work; test -e /root && echo host-root; touch /usr/x 2>/dev/null && echo usr-writable; echo done',
      ),
    );
    if (r === undefined) return;
    const seen = r.stdout.split('\n');
    for (const dir of ['alloc', 'local', 'secrets', 'tmp', 'usr', 'etc', 'bin', 'proc', 'dev']) {
      assert.ok(seen.includes(dir), `expected /${dir} in the chroot: ${r.stdout}`);
    }
    for (const dir of ['data', 'logs', 'tmp']) assert.ok(seen.includes(dir), `expected /alloc/${dir}`);
    for (const leak of ['host-work', 'host-root', 'usr-writable', 'root', 'home', 'var']) {
      assert.equal(seen.includes(leak), false, `${leak} leaked into the chroot: ${r.stdout}`);
    }
    assert.ok(seen.includes('done'));
  });

  test('a task exceeding its memory limit is killed and its exit says OOM', async (t) => {
    const r = await runToEnd(t, sh('echo start; tail /dev/zero'), {
      resources: { cpuMhz: 100, cores: 0, memoryMb: 32, memoryMaxMb: 0 },
    });
    if (r === undefined) return;
    assert.equal(r.result.oomKilled, true, JSON.stringify(r.result));
    assert.equal(r.result.signal, 9);
  });

  test('a command missing from the chroot fails the start with the reason', async (t) => {
    if (!(await needs(t, { root: true }))) return;
    const d = new ExecDriver();
    const cfg = isolatedTaskConfig(root, { command: 'no-such-command-anywhere' });
    await assert.rejects(d.startTask(cfg), (err: Error) => {
      assert.ok(err instanceof DriverError);
      assert.match(err.message, /Command "no-such-command-anywhere" was not found in the task's PATH/);
      assert.equal(err.recoverable, false);
      return true;
    });
    await assert.rejects(d.waitTask(cfg.id));
  });

  test('a task that ended while the agent was away reports its recorded exit after recovery', async (t) => {
    if (!(await needs(t, { root: true }))) return;
    const d = new ExecDriver();
    const cfg = isolatedTaskConfig(root, sh('exit 4'));
    const h = await d.startTask(cfg);
    await d.waitTask(cfg.id);
    const d2 = new ExecDriver();
    await d2.recoverTask(JSON.parse(JSON.stringify(h)) as TaskHandle);
    assert.deepEqual(await d2.waitTask(cfg.id), { exitCode: 4, signal: 0, oomKilled: false });
    await d2.destroyTask(cfg.id, { force: false });
    await assert.rejects(new ExecDriver().recoverTask(h), /is gone/);
  });

  test('the task gets a cgroup with its memory limit and CPU shares, removed on destroy', async (t) => {
    if (!(await needs(t, { root: true }))) return;
    const d = new ExecDriver();
    const cfg = isolatedTaskConfig(root, sh('exec sleep 1000'), {
      resources: { cpuMhz: 250, cores: 0, memoryMb: 48, memoryMaxMb: 96 },
    });
    const h = await d.startTask(cfg);
    const cg = new TaskCgroup(h.state['cgroupVersion'] as CgroupVersion, h.state['cgroupName'] as string);
    assert.equal(cg.pids().length, 1, 'only the task itself is in its cgroup');
    const dir = cg.dirs()[0]!;
    if (cg.version === 2) {
      assert.equal(readFileSync(join(dir, 'memory.max'), 'utf8').trim(), String(96 * 1024 * 1024));
      assert.equal(readFileSync(join(dir, 'memory.low'), 'utf8').trim(), String(48 * 1024 * 1024));
    } else {
      assert.equal(readFileSync(join(dir, 'memory.limit_in_bytes'), 'utf8').trim(), String(96 * 1024 * 1024));
      const cpu = cg.dirs().find((x) => x.includes('/cpu/'))!;
      assert.equal(readFileSync(join(cpu, 'cpu.shares'), 'utf8').trim(), '250');
    }
    await d.destroyTask(cfg.id, { force: true });
    assert.equal(cg.exists(), false);
  });
});

test('an exec task survives a kill -9 of the agent that started it, and a new agent reattaches', async (t) => {
  if (!(await needs(t, { root: true }))) return;
  const root = mkdtempSync(join(tmpdir(), 'nomad-exec-agent-'));
  try {
    const cfg = isolatedTaskConfig(root, {
      command: '/bin/sh',
      args: ['-c', `trap 'exit 0' TERM; while true; do echo tick; sleep 0.05; done`],
    });
    // A separate agent process starts the task, prints the handle, then waits to be killed.
    const agentScript = [
      `import { ExecDriver } from ${JSON.stringify(new URL('./exec_driver.ts', import.meta.url).pathname)};`,
      `const h = await new ExecDriver().startTask(${JSON.stringify(cfg)});`,
      `process.stdout.write(JSON.stringify(h) + '\\n');`,
      `setInterval(() => {}, 1000);`,
    ].join('\n');
    const agent = spawn(process.execPath, ['--input-type=module', '-e', agentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      agent.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      agent.once('exit', (code) => reject(new Error(`agent exited with ${code} before starting the task`)));
    });
    const handle = JSON.parse(line) as TaskHandle;
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    const ticks = (): number => readFileSync(cfg.stdoutPath, 'utf8').split('\n').length;
    const before = ticks();
    await eventually(() => ticks() > before + 3, 'the task to keep writing after the agent died');
    const d = new ExecDriver();
    await d.recoverTask(handle);
    assert.ok(pidAlive(handle.state['launcherPid'] as number));
    await d.stopTask(cfg.id, { timeoutMs: 5000, signal: 'SIGTERM' });
    assert.deepEqual(await d.waitTask(cfg.id), { exitCode: 0, signal: 0, oomKilled: false });
    await d.destroyTask(cfg.id, { force: false });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('exec is undetected, with the reason, when the agent is not root or the host has no cgroups', async (t) => {
  if (!(await needs(t, { root: true }))) return;
  const noCgroups = await new ExecDriver({ cgroupRoot: join(tmpdir(), 'no-such-cgroup-fs') }).fingerprint();
  assert.deepEqual([noCgroups.detected, noCgroups.healthy], [false, false]);
  assert.match(noCgroups.healthDescription, /No cgroup filesystem with a memory controller/);
  // The same driver in an agent running as nobody.
  const script = [
    `import { ExecDriver } from ${JSON.stringify(new URL('./exec_driver.ts', import.meta.url).pathname)};`,
    `process.stdout.write(JSON.stringify(await new ExecDriver().fingerprint()));`,
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
    cwd: '/',
  });
  assert.deepEqual(JSON.parse(out), {
    detected: false,
    healthy: false,
    healthDescription: 'Driver must run as root',
    attributes: {},
  });
});
