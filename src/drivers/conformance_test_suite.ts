/**
 * One conformance suite for every task driver (STYLE.md #23). A driver's test file calls
 * runDriverConformance() with a way to build the driver and to express a shell script as the
 * driver's config; the suite then checks the guarantees driver.ts promises: start, exit codes,
 * env, logs to the given paths, signals, stop with escalation to SIGKILL, destroy, recovery by a
 * second driver instance (a simulated agent restart), stats and config validation.
 *
 * Usage (in src/drivers/<name>/<name>_driver_test.ts):
 *   runDriverConformance({
 *     name: 'raw_exec',
 *     newDriver: () => new RawExecDriver({ enabled: true }),
 *     taskConfigFor: (script) => ({ command: '/bin/sh', args: ['-c', script] }),
 *     wrongType: { key: 'args', value: 'not-a-list' },
 *     pidOf: (h) => h.state['pid'] as number,
 *   });
 *
 * The API is stable: new options are added as optional fields only.
 */
import { describe, test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs } from '../../test/helpers/requirements.ts';
import type { Driver, ExitResult, TaskConfig, TaskHandle } from './driver.ts';

export interface DriverConformanceOptions {
  /** Shown in the test names. */
  name: string;
  /** A fresh driver; called again to simulate an agent restart (recoverTask on a new instance). */
  newDriver: () => Driver | Promise<Driver>;
  /** The driver config that runs `script` with a POSIX shell (`sh -c script`). */
  taskConfigFor: (script: string) => Record<string, unknown>;
  /** A known key of the config with a value of the wrong type, e.g. { key: 'args', value: 'x' }. */
  wrongType: { key: string; value: unknown };
  /** The task's main process ID from its handle, when the driver has one (checks reattach keeps it). */
  pidOf?: (handle: TaskHandle) => number | undefined;
  /** What the machine must offer, e.g. { root: true } or { docker: true }. */
  needs?: { root?: boolean; docker?: boolean };
  /** Extra TaskConfig fields (user, resources) the driver needs. */
  taskOverrides?: Partial<TaskConfig>;
  /** Upper bound for one task to start (image pulls take longer). Default 30 s. */
  startTimeoutMs?: number;
}

/** How long the suite waits for something that should happen promptly before failing (not a speed test). */
const WAIT_MS_MAX = 20_000;

export function runDriverConformance(opts: DriverConformanceOptions): void {
  describe(`driver conformance: ${opts.name}`, () => {
    let root = '';
    let seq = 0;
    before(() => {
      root = mkdtempSync(join(tmpdir(), `nomad-conf-${opts.name}-`));
    });
    after(() => {
      if (root !== '') rmSync(root, { recursive: true, force: true });
    });

    const fixture = (script: string, extra: Partial<TaskConfig> = {}): TaskConfig => {
      seq += 1;
      const allocId = `0000000${seq}-conf-4000-8000-${opts.name.replace(/[^a-z0-9]/g, '')}`.slice(0, 36);
      const allocDir = join(root, allocId);
      const taskName = 'task';
      const taskDir = join(allocDir, taskName);
      for (const d of [
        'alloc/logs',
        'alloc/data',
        'alloc/tmp',
        `${taskName}/local`,
        `${taskName}/secrets`,
        `${taskName}/tmp`,
      ]) {
        mkdirSync(join(allocDir, d), { recursive: true });
      }
      return {
        id: `${allocId}/${taskName}`,
        allocId,
        taskName,
        jobName: 'conformance',
        groupName: 'group',
        namespace: 'default',
        env: {
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          NOMAD_TASK_DIR: join(taskDir, 'local'),
          CONFORMANCE_VALUE: 'hello from the suite',
        },
        user: '',
        driverConfig: opts.taskConfigFor(script),
        resources: { cpuMhz: 100, cores: 0, memoryMb: 64, memoryMaxMb: 0 },
        ports: [],
        allocDir,
        taskDir,
        stdoutPath: join(allocDir, 'alloc/logs', `${taskName}.stdout.0`),
        stderrPath: join(allocDir, 'alloc/logs', `${taskName}.stderr.0`),
        ...opts.taskOverrides,
        ...extra,
      };
    };

    const ready = async (t: TestContext): Promise<Driver | undefined> => {
      if (opts.needs !== undefined && !(await needs(t, opts.needs))) return undefined;
      const d = await opts.newDriver();
      const fp = await d.fingerprint();
      if (!fp.detected) {
        if (opts.needs !== undefined)
          assert.fail(`driver ${opts.name} is not detected: ${fp.healthDescription}`);
        t.skip(`driver ${opts.name} not detected: ${fp.healthDescription}`);
        return undefined;
      }
      return d;
    };

    const startTimeout = opts.startTimeoutMs ?? 30_000;
    const run = async (d: Driver, cfg: TaskConfig): Promise<TaskHandle> =>
      withTimeout(d.startTask(cfg), startTimeout, `startTask of ${opts.name}`);

    test('fingerprint() reports the driver detected and healthy', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const fp = await d.fingerprint();
      assert.equal(fp.healthy, true, fp.healthDescription);
    });

    test('waitTask() resolves with the exit code of a task that exits', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('exit 3');
      const h = await run(d, cfg);
      assert.equal(h.taskId, cfg.id);
      assert.equal(h.driver, d.name);
      const r = await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask');
      assert.equal(r.exitCode, 3);
      assert.equal(r.signal, 0);
      // Waiting again gives the same result: exactly one exit per run.
      assert.deepEqual(await d.waitTask(cfg.id), r);
      await d.destroyTask(cfg.id, { force: false });
    });

    test('a successful task exits with code 0', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('true');
      await run(d, cfg);
      const r = await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask');
      assert.deepEqual([r.exitCode, r.signal, r.err], [0, 0, undefined]);
      await d.destroyTask(cfg.id, { force: true });
    });

    test('the task sees its env, and stdout and stderr go to the paths given', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('echo "out:$CONFORMANCE_VALUE"; echo "err:$CONFORMANCE_VALUE" >&2');
      await run(d, cfg);
      await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask');
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('out:hello from the suite'));
      await eventually(() => readFileSync(cfg.stderrPath, 'utf8').includes('err:hello from the suite'));
      assert.equal(readFileSync(cfg.stdoutPath, 'utf8').includes('err:'), false);
      await d.destroyTask(cfg.id, { force: true });
    });

    test('signalTask() delivers a signal to the running task', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture(`trap 'echo got-usr1; exit 0' USR1; echo ready; while true; do sleep 0.05; done`);
      await run(d, cfg);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('ready'));
      await d.signalTask(cfg.id, 'SIGUSR1');
      const r = await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask after SIGUSR1');
      assert.equal(r.exitCode, 0);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('got-usr1'));
      await d.destroyTask(cfg.id, { force: true });
    });

    test('stopTask() sends the kill signal and the task exits on its own terms', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture(`trap 'echo stopping; exit 7' TERM; echo ready; while true; do sleep 0.05; done`);
      await run(d, cfg);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('ready'));
      await d.stopTask(cfg.id, { timeoutMs: 10_000, signal: 'SIGTERM' });
      const r = await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask after stop');
      assert.equal(r.exitCode, 7);
      // Stopping again is harmless.
      await d.stopTask(cfg.id, { timeoutMs: 1000, signal: 'SIGTERM' });
      await d.destroyTask(cfg.id, { force: true });
    });

    test('stopTask() escalates to SIGKILL when the task ignores the signal past the timeout', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture(`trap '' TERM INT; echo ready; while true; do sleep 0.05; done`);
      await run(d, cfg);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('ready'));
      await d.stopTask(cfg.id, { timeoutMs: 300, signal: 'SIGTERM' });
      const r = await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask after kill');
      assert.ok(killedBy(r, 9), `expected death by SIGKILL, got ${JSON.stringify(r)}`);
      await d.destroyTask(cfg.id, { force: true });
    });

    test('destroyTask() with force kills a running task and is idempotent', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('echo ready; sleep 1000');
      const h = await run(d, cfg);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('ready'));
      const pid = opts.pidOf?.(h);
      await d.destroyTask(cfg.id, { force: true });
      await d.destroyTask(cfg.id, { force: true });
      if (pid !== undefined) await eventually(() => !pidAlive(pid));
      await assert.rejects(d.taskStats(cfg.id));
    });

    test('taskStats() reports memory and CPU of a running task', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('echo ready; sleep 1000');
      await run(d, cfg);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('ready'));
      const s = await d.taskStats(cfg.id);
      assert.ok(s.timestampMs > 0);
      assert.ok(
        s.memory.rssBytes > 0 || s.memory.usageBytes > 0,
        `no memory reported: ${JSON.stringify(s.memory)}`,
      );
      assert.ok(s.memory.measured.length > 0);
      assert.ok(s.cpu.percent >= 0 && s.cpu.measured.length > 0);
      await d.stopTask(cfg.id, { timeoutMs: 2000, signal: 'SIGKILL' });
      await d.destroyTask(cfg.id, { force: true });
    });

    test('recoverTask() on a new driver instance reattaches to the running task', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture(`trap 'exit 0' TERM; echo ready; while true; do sleep 0.05; done`);
      const h = await run(d, cfg);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('ready'));
      const pid = opts.pidOf?.(h);
      // A second instance knows nothing but the handle, as after an agent restart.
      const d2 = await opts.newDriver();
      const stored = JSON.parse(JSON.stringify(h)) as TaskHandle;
      await d2.recoverTask(stored);
      if (pid !== undefined) assert.equal(opts.pidOf?.(stored), pid);
      if (pid !== undefined) assert.ok(pidAlive(pid), `process ${pid} should still run`);
      const s = await d2.taskStats(cfg.id);
      assert.ok(s.timestampMs > 0);
      let exited = false;
      void d2.waitTask(cfg.id).then(() => (exited = true));
      await sleep(100);
      assert.equal(exited, false, 'a reattached running task must not report an exit');
      await d2.stopTask(cfg.id, { timeoutMs: 5000, signal: 'SIGTERM' });
      const r: ExitResult = await withTimeout(d2.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask after recover');
      assert.equal(r.signal === 0 || r.signal === 15, true, JSON.stringify(r));
      if (pid !== undefined) await eventually(() => !pidAlive(pid));
      await d2.destroyTask(cfg.id, { force: true });
      await d.destroyTask(cfg.id, { force: true });
    });

    test('a task reattached by a new driver instance reports its own exit code', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture(`trap 'exit 5' USR1; echo ready; while true; do sleep 0.05; done`);
      const h = await run(d, cfg);
      await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('ready'));
      // The new instance is not the task's parent, as after an agent restart.
      const d2 = await opts.newDriver();
      await d2.recoverTask(JSON.parse(JSON.stringify(h)) as TaskHandle);
      await d2.signalTask(cfg.id, 'SIGUSR1');
      const r = await withTimeout(d2.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask after recover');
      assert.deepEqual([r.exitCode, r.signal, r.err], [5, 0, undefined]);
      await d2.destroyTask(cfg.id, { force: true });
      await d.destroyTask(cfg.id, { force: true });
    });

    test('a task that ended while no driver watched reports its exit code to the one that reattaches', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('exit 6');
      const h = await run(d, cfg);
      await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask');
      const d2 = await opts.newDriver();
      await d2.recoverTask(JSON.parse(JSON.stringify(h)) as TaskHandle);
      const r = await withTimeout(d2.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask after recover');
      assert.deepEqual([r.exitCode, r.signal, r.err], [6, 0, undefined]);
      await d2.destroyTask(cfg.id, { force: true });
      await d.destroyTask(cfg.id, { force: true });
    });

    test('recoverTask() rejects when the task is gone', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('exit 0');
      const h = await run(d, cfg);
      await withTimeout(d.waitTask(cfg.id), WAIT_MS_MAX, 'waitTask');
      await d.destroyTask(cfg.id, { force: true });
      const d2 = await opts.newDriver();
      await assert.rejects(d2.recoverTask(JSON.parse(JSON.stringify(h)) as TaskHandle));
    });

    test('startTask() refuses an invalid config, naming the key', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const cfg = fixture('true');
      const bad = { ...cfg, driverConfig: { ...cfg.driverConfig, nomad_conformance_unknown: 1 } };
      await assert.rejects(d.startTask(bad), /nomad_conformance_unknown/);
    });

    test('validateConfig() names unknown keys and wrong types', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      const good = opts.taskConfigFor('true');
      assert.deepEqual(d.validateConfig(good), []);
      const unknown = d.validateConfig({ ...good, nomad_conformance_unknown: true });
      assert.equal(unknown.length, 1);
      assert.match(unknown[0]!, /nomad_conformance_unknown/);
      const wrong = d.validateConfig({ ...good, [opts.wrongType.key]: opts.wrongType.value });
      assert.equal(wrong.length >= 1, true);
      assert.ok(
        wrong.some((m) => m.includes(opts.wrongType.key)),
        JSON.stringify(wrong),
      );
    });

    test('operations on an unknown task reject', async (t) => {
      const d = await ready(t);
      if (d === undefined) return;
      await assert.rejects(d.waitTask('no-such-alloc/task'));
      await assert.rejects(d.signalTask('no-such-alloc/task', 'SIGUSR1'));
      await assert.rejects(d.taskStats('no-such-alloc/task'));
      // Stop and destroy are idempotent: nothing to do is not an error.
      await d.destroyTask('no-such-alloc/task', { force: true });
      assert.equal(existsSync(join(root, 'no-such-alloc')), false);
    });
  });
}

function killedBy(r: ExitResult, sig: number): boolean {
  return r.signal === sig || r.exitCode === 128 + sig;
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds; fails after WAIT_MS_MAX (a bound for progress, not a speed check). */
export async function eventually(cond: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  for (;;) {
    let ok = false;
    try {
      ok = cond();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (ok) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
