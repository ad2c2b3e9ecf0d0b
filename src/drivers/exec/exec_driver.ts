/**
 * exec: runs a command isolated (own PID, mount, IPC and UTS namespaces, a chroot of read-only host
 * directories, a cgroup with a hard memory limit and CPU shares) as `nobody` unless the task sets a
 * user. Detected only when the agent runs as root on Linux with cgroups, as in Nomad.
 */
import {
  DriverError,
  type Driver,
  type DriverFingerprint,
  type ExitResult,
  type TaskConfig,
  type TaskHandle,
  type TaskResourceUsage,
} from '../driver.ts';
import { taskCapabilities } from './capabilities.ts';
import { parseExecConfig, validateExecConfig } from './exec_config.ts';
import {
  IsolatedTasks,
  type IsolatedCommand,
  type IsolatedState,
  type IsolationHost,
} from './isolated_tasks.ts';
import { detectIsolation, type IsolationOptions } from './isolation_host.ts';
import { lookupUser } from './users.ts';

/** The user an isolated task runs as when it names none. */
export const DEFAULT_TASK_USER = 'nobody';

export interface ExecDriverOptions extends IsolationOptions {
  nowMs?: () => number;
}

/** Host detection and the task table, shared by exec and java (java runs under the same isolation). */
export class Isolation {
  readonly #driver: string;
  readonly #opts: ExecDriverOptions;
  #host: IsolationHost | string | undefined;
  #tasks: IsolatedTasks | undefined;

  constructor(driver: string, opts: ExecDriverOptions) {
    this.#driver = driver;
    this.#opts = opts;
  }

  /** The host's facilities, or why there are none (detected once). */
  host(): IsolationHost | string {
    this.#host ??= detectIsolation(this.#opts);
    return this.#host;
  }

  tasks(): IsolatedTasks {
    if (this.#tasks !== undefined) return this.#tasks;
    const host = this.host();
    if (typeof host === 'string') throw new DriverError(`${this.#driver}: ${host}`, { recoverable: false });
    this.#tasks = new IsolatedTasks(this.#driver, host, { nowMs: this.#opts.nowMs ?? Date.now });
    return this.#tasks;
  }

  /** Builds the isolated command for a task: user, capabilities and modes from its config. */
  command(
    config: TaskConfig,
    c: Omit<IsolatedCommand, 'uid' | 'gid' | 'capabilities'> & { capAdd: string[]; capDrop: string[] },
  ): IsolatedCommand {
    const user = lookupUser(config.user === '' ? DEFAULT_TASK_USER : config.user);
    return {
      command: c.command,
      args: c.args,
      workDir: c.workDir,
      pidMode: c.pidMode,
      ipcMode: c.ipcMode,
      capabilities: taskCapabilities(c.capAdd, c.capDrop),
      uid: user.uid,
      gid: user.gid,
    };
  }

  async start(name: string, config: TaskConfig, cmd: IsolatedCommand, nowMs: number): Promise<TaskHandle> {
    const state = await this.tasks().start(config, cmd);
    return { driver: name, taskId: config.id, config, state, startedAtMs: nowMs };
  }

  recover(handle: TaskHandle): void {
    const s = handle.state;
    const ok =
      typeof s['launcherPid'] === 'number' &&
      typeof s['launcherStartTicks'] === 'number' &&
      (s['cgroupVersion'] === 1 || s['cgroupVersion'] === 2) &&
      typeof s['cgroupName'] === 'string' &&
      typeof s['statusFile'] === 'string' &&
      typeof s['oomBaseline'] === 'number';
    if (!ok) {
      throw new DriverError(`Task "${handle.taskId}" has no ${this.#driver} state in its handle`, {
        recoverable: false,
      });
    }
    this.tasks().recover(handle.taskId, s as IsolatedState);
  }
}

export class ExecDriver implements Driver {
  readonly name = 'exec';
  /** The task sees its task dir as "/": the client sets NOMAD_TASK_DIR=/local and the like. */
  readonly fsIsolation = 'chroot';
  readonly #isolation: Isolation;
  readonly #nowMs: () => number;

  constructor(opts: ExecDriverOptions = {}) {
    this.#isolation = new Isolation(this.name, opts);
    this.#nowMs = opts.nowMs ?? Date.now;
  }

  async fingerprint(): Promise<DriverFingerprint> {
    const host = this.#isolation.host();
    if (typeof host === 'string') {
      return { detected: false, healthy: false, healthDescription: host, attributes: {} };
    }
    return {
      detected: true,
      healthy: true,
      healthDescription: 'Healthy',
      attributes: { 'driver.exec': '1', 'driver.exec.cgroup.version': String(host.cgroupVersion) },
    };
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return validateExecConfig(config);
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    const errors = this.validateConfig(config.driverConfig);
    if (errors.length > 0) throw new DriverError(errors.join('; '), { recoverable: false });
    const c = parseExecConfig(config.driverConfig);
    const cmd = this.#isolation.command(config, c);
    return this.#isolation.start(this.name, config, cmd, this.#nowMs());
  }

  async recoverTask(handle: TaskHandle): Promise<void> {
    this.#isolation.recover(handle);
  }

  async waitTask(taskId: string): Promise<ExitResult> {
    return this.#isolation.tasks().wait(taskId);
  }

  async stopTask(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void> {
    return this.#isolation.tasks().stop(taskId, opts);
  }

  async destroyTask(taskId: string, opts: { force: boolean }): Promise<void> {
    return this.#isolation.tasks().destroy(taskId, opts);
  }

  async signalTask(taskId: string, signal: string): Promise<void> {
    this.#isolation.tasks().signal(taskId, signal);
  }

  async taskStats(taskId: string): Promise<TaskResourceUsage> {
    return this.#isolation.tasks().stats(taskId);
  }
}
