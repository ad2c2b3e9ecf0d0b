/**
 * raw_exec: runs the task's command as a plain process on the host, with no isolation, in its own
 * session so it outlives the agent. Off unless the client config enables it (on in -dev). The command
 * runs under a small shell launcher that records its exit status in the task dir (launcher.ts), so an
 * agent that restarted reports the real exit code of a task that ended while it was away.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
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
import { ProcessSupervisor } from '../process/process_supervisor.ts';
import { launch } from './launcher.ts';

export const RAW_EXEC_CONFIG_SCHEMA: ConfigSchema = {
  command: { type: 'string', required: true },
  args: { type: 'string[]' },
  // Accepted for compatibility with Nomad's raw_exec; cgroups are not applied to raw_exec here.
  cgroup_v1_override: { type: 'map[string]string' },
  cgroup_v2_override: { type: 'string' },
  oom_score_adj: { type: 'number' },
  work_dir: { type: 'string' },
  denied_envvars: { type: 'string[]' },
};

export interface RawExecDriverOptions {
  /** driver.raw_exec.enable, or plugin "raw_exec" { config { enabled = true } }. */
  enabled: boolean;
  nowMs?: () => number;
}

/** The launcher's exit status file, in the task dir. */
export const STATUS_FILE_NAME = '.raw_exec.exit';

interface RawExecState extends Record<string, unknown> {
  /** The launcher's pid: the task's session and process group. */
  pid: number;
  startTimeTicks: number;
  /** Where the launcher records the exit status (absent in handles from before the launcher). */
  statusFile: string;
}

export class RawExecDriver implements Driver {
  readonly name = 'raw_exec';
  /** No isolation: the task's env carries host paths. */
  readonly fsIsolation = 'none';
  readonly #enabled: boolean;
  readonly #nowMs: () => number;
  readonly #procs: ProcessSupervisor;

  constructor(opts: RawExecDriverOptions) {
    this.#enabled = opts.enabled;
    this.#nowMs = opts.nowMs ?? Date.now;
    this.#procs = new ProcessSupervisor({ nowMs: this.#nowMs });
  }

  async fingerprint(): Promise<DriverFingerprint> {
    if (!this.#enabled) {
      return { detected: false, healthy: false, healthDescription: 'disabled', attributes: {} };
    }
    return {
      detected: true,
      healthy: true,
      healthDescription: 'Healthy',
      attributes: { 'driver.raw_exec': '1' },
    };
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return validateAgainstSchema(config, RAW_EXEC_CONFIG_SCHEMA);
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    if (!this.#enabled) throw new DriverError('raw_exec is disabled on this client', { recoverable: false });
    const errors = this.validateConfig(config.driverConfig);
    if (errors.length > 0) throw new DriverError(errors.join('; '), { recoverable: false });
    if (this.#procs.has(config.id))
      throw new DriverError(`Task "${config.id}" is already started`, { recoverable: false });
    const dc = config.driverConfig;
    const workDir =
      typeof dc['work_dir'] === 'string' && dc['work_dir'] !== '' ? dc['work_dir'] : config.taskDir;
    const env = { ...config.env };
    for (const name of (dc['denied_envvars'] as string[] | undefined) ?? []) delete env[name];
    const statusFile = join(config.taskDir, STATUS_FILE_NAME);
    rmSync(statusFile, { force: true });
    const p = await launch({
      command: dc['command'] as string,
      args: (dc['args'] as string[] | undefined) ?? [],
      env,
      cwd: workDir,
      stdoutPath: config.stdoutPath,
      stderrPath: config.stderrPath,
      statusFile,
    });
    const id = { pid: p.pid, startTimeTicks: p.startTimeTicks };
    this.#procs.trackChild(config.id, id, p.child, { statusFile });
    const state: RawExecState = { ...id, statusFile };
    return { driver: this.name, taskId: config.id, config, state, startedAtMs: this.#nowMs() };
  }

  async recoverTask(handle: TaskHandle): Promise<void> {
    const pid = handle.state['pid'];
    const start = handle.state['startTimeTicks'];
    const statusFile = handle.state['statusFile'];
    if (typeof pid !== 'number' || typeof start !== 'number') {
      throw new DriverError(`Task "${handle.taskId}" has no process identity in its handle`, {
        recoverable: false,
      });
    }
    const opts = typeof statusFile === 'string' ? { statusFile } : {};
    this.#procs.recover(handle.taskId, { pid, startTimeTicks: start }, opts);
  }

  waitTask(taskId: string): Promise<ExitResult> {
    try {
      return this.#procs.wait(taskId);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  stopTask(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void> {
    return this.#procs.stop(taskId, opts);
  }

  async destroyTask(taskId: string, opts: { force: boolean }): Promise<void> {
    this.#procs.destroy(taskId, opts);
  }

  async signalTask(taskId: string, signal: string): Promise<void> {
    this.#procs.signal(taskId, signal);
  }

  async taskStats(taskId: string): Promise<TaskResourceUsage> {
    return this.#procs.stats(taskId);
  }
}
