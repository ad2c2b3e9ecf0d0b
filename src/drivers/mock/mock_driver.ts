/**
 * The mock driver, as Nomad's: tasks that run for a while and exit as their config says, with no
 * process behind them. For the scheduler's and simulator's tests; time comes from an injected Clock,
 * so a simulated cluster runs it on simulated time.
 *
 * Config: run_for, exit_code, exit_signal, exit_err_msg, start_error, start_error_recoverable,
 * start_block_for, kill_after, stdout_string, stdout_repeat, stdout_repeat_duration.
 * Durations are Go-style strings ("10s") or nanoseconds. run_for 0 exits at once.
 */
import { appendFileSync } from 'node:fs';
import type { Clock, TimerId } from '../../lib/clock.ts';
import { parseDuration } from '../../lib/duration.ts';
import {
  DriverError,
  type Driver,
  type DriverFingerprint,
  type ExitResult,
  type TaskConfig,
  type TaskHandle,
  type TaskResourceUsage,
} from '../driver.ts';
import { validateAgainstSchema, type ConfigSchema } from '../config_schema.ts';
import { signalNumber } from '../process/signals.ts';

export const MOCK_CONFIG_SCHEMA: ConfigSchema = {
  run_for: { type: 'duration' },
  exit_code: { type: 'number' },
  exit_signal: { type: 'number' },
  exit_err_msg: { type: 'string' },
  start_error: { type: 'string' },
  start_error_recoverable: { type: 'bool' },
  start_block_for: { type: 'duration' },
  kill_after: { type: 'duration' },
  stdout_string: { type: 'string' },
  stdout_repeat: { type: 'number' },
  stdout_repeat_duration: { type: 'duration' },
};

/** A bound on stdout_repeat so one task cannot write without end. */
export const MOCK_STDOUT_REPEAT_MAX = 100_000;

export interface MockTaskConfig {
  runForMs: number;
  exitCode: number;
  exitSignal: number;
  exitErrMsg: string;
  startError: string;
  startErrorRecoverable: boolean;
  startBlockForMs: number;
  killAfterMs: number;
  stdoutString: string;
  stdoutRepeat: number;
  stdoutRepeatMs: number;
}

const durMs = (v: unknown): number =>
  v === undefined ? 0 : typeof v === 'number' ? v / 1e6 : parseDuration(String(v)) / 1e6;

export function parseMockConfig(c: Record<string, unknown>): MockTaskConfig {
  return {
    runForMs: durMs(c['run_for']),
    exitCode: (c['exit_code'] as number | undefined) ?? 0,
    exitSignal: (c['exit_signal'] as number | undefined) ?? 0,
    exitErrMsg: (c['exit_err_msg'] as string | undefined) ?? '',
    startError: (c['start_error'] as string | undefined) ?? '',
    startErrorRecoverable: (c['start_error_recoverable'] as boolean | undefined) ?? false,
    startBlockForMs: durMs(c['start_block_for']),
    killAfterMs: durMs(c['kill_after']),
    stdoutString: (c['stdout_string'] as string | undefined) ?? '',
    stdoutRepeat: Math.min(MOCK_STDOUT_REPEAT_MAX, (c['stdout_repeat'] as number | undefined) ?? 0),
    stdoutRepeatMs: durMs(c['stdout_repeat_duration']),
  };
}

interface MockTask {
  cfg: MockTaskConfig;
  stdoutPath: string;
  result: ExitResult | undefined;
  exited: Promise<ExitResult>;
  finish: (r: ExitResult) => void;
  timers: TimerId[];
}

const realClock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t as unknown as TimerId;
  },
  clearTimer: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
};

export class MockDriver implements Driver {
  readonly name: string;
  /** Mock tasks run no process: their env carries host paths, as raw_exec's. */
  readonly fsIsolation = 'none';
  readonly #clock: Clock;
  readonly #tasks = new Map<string, MockTask>();

  constructor(opts: { clock?: Clock; name?: string } = {}) {
    this.#clock = opts.clock ?? realClock;
    this.name = opts.name ?? 'mock_driver';
  }

  async fingerprint(): Promise<DriverFingerprint> {
    return { detected: true, healthy: true, healthDescription: 'Healthy', attributes: {} };
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return validateAgainstSchema(config, MOCK_CONFIG_SCHEMA);
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    const errors = this.validateConfig(config.driverConfig);
    if (errors.length > 0) throw new DriverError(errors.join('; '), { recoverable: false });
    const cfg = parseMockConfig(config.driverConfig);
    if (cfg.startBlockForMs > 0) await this.#sleep(cfg.startBlockForMs);
    if (cfg.startError !== '')
      throw new DriverError(cfg.startError, { recoverable: cfg.startErrorRecoverable });
    if (this.#tasks.has(config.id))
      throw new DriverError(`Task "${config.id}" is already started`, { recoverable: false });
    const startedAtMs = this.#clock.nowMs();
    this.#run(config.id, cfg, config.stdoutPath, cfg.runForMs);
    return {
      driver: this.name,
      taskId: config.id,
      config,
      state: { startedAtMs, runForMs: cfg.runForMs },
      startedAtMs,
    };
  }

  /** Reattaches when the task's run_for has not yet elapsed; the rest of it is kept. */
  async recoverTask(handle: TaskHandle): Promise<void> {
    if (this.#tasks.has(handle.taskId)) return;
    const cfg = parseMockConfig(handle.config.driverConfig);
    const started = Number(handle.state['startedAtMs']);
    const leftMs = started + cfg.runForMs - this.#clock.nowMs();
    if (!Number.isFinite(started) || leftMs <= 0)
      throw new DriverError(`Task "${handle.taskId}" is no longer running`);
    this.#run(handle.taskId, cfg, handle.config.stdoutPath, leftMs);
  }

  #run(taskId: string, cfg: MockTaskConfig, stdoutPath: string, runForMs: number): void {
    let finish!: (r: ExitResult) => void;
    const exited = new Promise<ExitResult>((resolve) => (finish = resolve));
    const task: MockTask = { cfg, stdoutPath, result: undefined, exited, finish, timers: [] };
    task.finish = (r) => {
      if (task.result !== undefined) return;
      task.result = r;
      for (const t of task.timers) this.#clock.clearTimer(t);
      finish(r);
    };
    this.#tasks.set(taskId, task);
    task.timers.push(
      this.#clock.setTimer(runForMs, () =>
        task.finish({
          exitCode: cfg.exitCode,
          signal: cfg.exitSignal,
          oomKilled: false,
          ...(cfg.exitErrMsg === '' ? {} : { err: cfg.exitErrMsg }),
        }),
      ),
    );
    if (cfg.stdoutString !== '' && stdoutPath !== '') this.#writeStdout(task, cfg.stdoutRepeat);
  }

  #writeStdout(task: MockTask, left: number): void {
    if (task.result !== undefined) return;
    appendFileSync(task.stdoutPath, task.cfg.stdoutString);
    if (left > 0)
      task.timers.push(
        this.#clock.setTimer(task.cfg.stdoutRepeatMs, () => this.#writeStdout(task, left - 1)),
      );
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.setTimer(ms, resolve));
  }

  #get(taskId: string): MockTask {
    const t = this.#tasks.get(taskId);
    if (t === undefined) throw new DriverError(`Task "${taskId}" not found`, { recoverable: false });
    return t;
  }

  async waitTask(taskId: string): Promise<ExitResult> {
    return this.#get(taskId).exited;
  }

  /** The task dies kill_after after the signal, or at the timeout if that comes first. */
  async stopTask(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void> {
    const t = this.#tasks.get(taskId);
    if (t === undefined || t.result !== undefined) return;
    const sig = signalNumber(opts.signal);
    const graceful = t.cfg.killAfterMs <= opts.timeoutMs;
    const afterMs = graceful ? t.cfg.killAfterMs : opts.timeoutMs;
    t.timers.push(
      this.#clock.setTimer(afterMs, () =>
        t.finish({ exitCode: 128 + (graceful ? sig : 9), signal: graceful ? sig : 9, oomKilled: false }),
      ),
    );
    await t.exited;
  }

  async destroyTask(taskId: string, opts: { force: boolean }): Promise<void> {
    const t = this.#tasks.get(taskId);
    if (t === undefined) return;
    if (t.result === undefined && !opts.force) {
      throw new DriverError(`Task "${taskId}" is still running; destroy it with force`, {
        recoverable: false,
      });
    }
    t.finish({ exitCode: 137, signal: 9, oomKilled: false });
    this.#tasks.delete(taskId);
  }

  async signalTask(taskId: string, signal: string): Promise<void> {
    const t = this.#get(taskId);
    signalNumber(signal);
    if (t.result !== undefined)
      throw new DriverError(`Task "${taskId}" is not running`, { recoverable: false });
  }

  async taskStats(taskId: string): Promise<TaskResourceUsage> {
    this.#get(taskId);
    return {
      timestampMs: this.#clock.nowMs(),
      cpu: { percent: 0, totalTicksMhz: 0, userMode: 0, systemMode: 0, measured: [] },
      memory: { rssBytes: 0, cacheBytes: 0, swapBytes: 0, usageBytes: 0, maxUsageBytes: 0, measured: [] },
    };
  }
}
