/**
 * docker: runs a task as a container through the Docker Engine API (unix socket). The engine owns
 * the container, so it outlives the agent; a restarted agent reattaches by container ID and resumes
 * the logs where it left off.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DriverError,
  type Driver,
  type DriverFingerprint,
  type ExitResult,
  type TaskConfig,
  type TaskHandle,
  type TaskResourceUsage,
} from '../driver.ts';
import { DEFAULT_TASK_CAPABILITIES } from '../exec/capabilities.ts';
import { hostCpu } from '../process/host_cpu.ts';
import { parseSignal } from '../process/signals.ts';
import { DockerApi, DockerApiError, isNotFound } from './docker_api.ts';
import { block, bool, durationMs, str, validateDockerConfig } from './docker_config.ts';
import { containerName, containerSpec, createContainer, removeContainer } from './docker_container.ts';
import { IMAGE_PULL_TIMEOUT_MS_DEFAULT, ensureImage, type RegistryAuth } from './docker_image.ts';
import { ContainerLogs } from './docker_logs.ts';
import { dockerFingerprint } from './docker_fingerprint.ts';
import { DockerCpuRate, dockerUsage, type DockerStats } from './docker_stats.ts';
import { waitContainer } from './docker_wait.ts';

/** How long an exit waits for the last log lines to reach the task's log files. */
export const LOG_DRAIN_MS_MAX = 5_000;

export interface DockerDriverOptions {
  socketPath?: string;
  /** Nomad's allow_privileged (default false). */
  allowPrivileged?: boolean;
  /** Nomad's volumes.enabled: host paths outside the task dir (default false; -dev turns it on). */
  volumesEnabled?: boolean;
  /** Nomad's allow_caps: what cap_add may grant (default: Docker's default set). */
  allowCaps?: readonly string[];
  /** Task events from the driver ("Downloading image", pull progress), for the task runner's "Driver" event. */
  onTaskEvent?: (taskId: string, message: string) => void;
  nowMs?: () => number;
}

interface DockerState extends Record<string, unknown> {
  containerId: string;
  containerName: string;
  imageId: string;
  tty: boolean;
  /** The newest log timestamp written to the task's log files (see docker_logs.ts). */
  logCheckpointFile: string;
}

interface Tracked {
  state: DockerState;
  logs: ContainerLogs;
  exited: Promise<ExitResult>;
  result: ExitResult | undefined;
  rate: DockerCpuRate;
}

export class DockerDriver implements Driver {
  readonly name = 'docker';
  /** The task sees the image's filesystem; the client sets NOMAD_TASK_DIR=/local and the like. */
  readonly fsIsolation = 'image';
  readonly #api: DockerApi;
  readonly #opts: DockerDriverOptions;
  readonly #nowMs: () => number;
  readonly #tasks = new Map<string, Tracked>();

  constructor(opts: DockerDriverOptions = {}) {
    this.#opts = opts;
    this.#api = new DockerApi(opts.socketPath === undefined ? {} : { socketPath: opts.socketPath });
    this.#nowMs = opts.nowMs ?? Date.now;
  }

  fingerprint(): Promise<DriverFingerprint> {
    return dockerFingerprint(this.#api, {
      privileged: this.#opts.allowPrivileged ?? false,
      volumes: this.#opts.volumesEnabled ?? false,
    });
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return validateDockerConfig(config);
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    const errors = this.validateConfig(config.driverConfig);
    if (errors.length > 0) throw new DriverError(errors.join('; '), { recoverable: false });
    if (this.#tasks.has(config.id)) {
      throw new DriverError(`Task "${config.id}" is already started`, { recoverable: false });
    }
    const dc = config.driverConfig;
    const imageId = await ensureImage(this.#api, {
      image: str(dc['image']),
      forcePull: bool(dc['force_pull']),
      load: str(dc['load']),
      taskDir: config.taskDir,
      auth: registryAuth(dc['auth']),
      pullTimeoutMs: durationMs(dc['image_pull_timeout'], IMAGE_PULL_TIMEOUT_MS_DEFAULT),
      onEvent: (message) => this.#opts.onTaskEvent?.(config.id, message),
    });
    const spec = containerSpec(config, {
      allowPrivileged: this.#opts.allowPrivileged ?? false,
      volumesEnabled: this.#opts.volumesEnabled ?? false,
      allowCaps: this.#opts.allowCaps ?? DEFAULT_TASK_CAPABILITIES,
      mhzPerCore: hostCpu().mhzPerCore,
    });
    const name = containerName(config);
    const containerId = await createContainer(this.#api, name, spec);
    try {
      await this.#api.json('POST', `/containers/${containerId}/start`);
    } catch (err) {
      await removeContainer(this.#api, containerId);
      throw new DriverError(`Failed to start container ${containerId}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const state: DockerState = {
      containerId,
      containerName: name,
      imageId,
      tty: bool(dc['tty']),
      logCheckpointFile: join(dirname(config.taskDir), `.${config.taskName}.docker.logs`),
    };
    // A new container's logs start from nothing: an older checkpoint belongs to an earlier run.
    rmSync(state.logCheckpointFile, { force: true });
    this.#track(config, state);
    return { driver: this.name, taskId: config.id, config, state, startedAtMs: this.#nowMs() };
  }

  #track(config: TaskConfig, state: DockerState): void {
    const logs = new ContainerLogs(this.#api, {
      containerId: state.containerId,
      stdoutPath: config.stdoutPath,
      stderrPath: config.stderrPath,
      tty: state.tty,
      checkpointFile: state.logCheckpointFile,
    });
    logs.start();
    const exited = waitContainer(this.#api, state.containerId).then(async (r) => {
      // The last lines reach the log files before the exit is reported.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([logs.done, new Promise((res) => (timer = setTimeout(res, LOG_DRAIN_MS_MAX)))]);
      clearTimeout(timer);
      return r;
    });
    const t: Tracked = { state, logs, exited, result: undefined, rate: new DockerCpuRate() };
    void exited.then((r) => (t.result = r));
    this.#tasks.set(config.id, t);
  }

  async recoverTask(handle: TaskHandle): Promise<void> {
    if (this.#tasks.has(handle.taskId)) return;
    const s = handle.state;
    if (typeof s['containerId'] !== 'string' || typeof s['logCheckpointFile'] !== 'string') {
      throw new DriverError(`Task "${handle.taskId}" has no container in its handle`, { recoverable: false });
    }
    try {
      await this.#api.json('GET', `/containers/${s['containerId']}/json`);
    } catch (err) {
      if (isNotFound(err)) throw new DriverError(`Container ${s['containerId']} no longer exists`);
      throw new DriverError(`Failed to inspect container ${s['containerId']}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.#track(handle.config, s as DockerState);
  }

  #get(taskId: string): Tracked {
    const t = this.#tasks.get(taskId);
    if (t === undefined) throw new DriverError(`Task "${taskId}" not found`, { recoverable: false });
    return t;
  }

  async waitTask(taskId: string): Promise<ExitResult> {
    return this.#get(taskId).exited;
  }

  /**
   * SIGTERM goes through the engine's stop with t= (it escalates to SIGKILL itself); another kill
   * signal is sent, then SIGKILL follows after the timeout. Idempotent.
   */
  async stopTask(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void> {
    const t = this.#tasks.get(taskId);
    if (t === undefined || t.result !== undefined) return;
    const sig = parseSignal(opts.signal === '' ? 'SIGTERM' : opts.signal).name;
    const id = t.state.containerId;
    try {
      if (sig === 'SIGTERM') {
        const seconds = Math.max(0, Math.ceil(opts.timeoutMs / 1000));
        await this.#api.json('POST', `/containers/${id}/stop`, {
          query: { t: seconds },
          timeoutMs: opts.timeoutMs + 60_000,
        });
      } else {
        await this.#api.json('POST', `/containers/${id}/kill`, { query: { signal: sig } });
        if (await timedOut(t.exited, opts.timeoutMs)) {
          await this.#api.json('POST', `/containers/${id}/kill`, { query: { signal: 'SIGKILL' } });
        }
      }
    } catch (err) {
      // Gone or already stopped (304, 404, 409 "is not running"): stopped is what was asked.
      if (err instanceof DockerApiError && [304, 404, 409].includes(err.status)) return;
      throw new DriverError(`Failed to stop container ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  async destroyTask(taskId: string, opts: { force: boolean }): Promise<void> {
    const t = this.#tasks.get(taskId);
    if (t === undefined) return;
    if (t.result === undefined && !opts.force) {
      throw new DriverError(`Task "${taskId}" is still running; destroy it with force`, {
        recoverable: false,
      });
    }
    t.logs.stop();
    await removeContainer(this.#api, t.state.containerId);
    rmSync(t.state.logCheckpointFile, { force: true });
    rmSync(`${t.state.logCheckpointFile}.tmp`, { force: true });
    this.#tasks.delete(taskId);
  }

  async signalTask(taskId: string, signal: string): Promise<void> {
    const t = this.#get(taskId);
    const sig = parseSignal(signal).name;
    try {
      await this.#api.json('POST', `/containers/${t.state.containerId}/kill`, { query: { signal: sig } });
    } catch (err) {
      throw new DriverError(`Failed to signal container ${t.state.containerId}: ${(err as Error).message}`, {
        cause: err,
        recoverable: false,
      });
    }
  }

  async taskStats(taskId: string): Promise<TaskResourceUsage> {
    const t = this.#get(taskId);
    const s = await this.#api.json<DockerStats>('GET', `/containers/${t.state.containerId}/stats`, {
      query: { stream: false, 'one-shot': true },
    });
    return dockerUsage(s, t.rate, this.#nowMs());
  }

  /** Stops following logs and closes connections; containers keep running (agent shutdown). */
  shutdown(): void {
    for (const t of this.#tasks.values()) t.logs.stop();
    this.#api.close();
  }
}

function registryAuth(v: unknown): RegistryAuth | undefined {
  const a = block(v);
  if (a === undefined) return undefined;
  return {
    username: str(a['username']),
    password: str(a['password']),
    email: str(a['email']),
    serverAddress: str(a['server_address']),
  };
}

function timedOut(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), Math.max(0, ms));
    void p.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
