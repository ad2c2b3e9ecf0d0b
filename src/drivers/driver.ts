/**
 * The task driver contract. Every driver (raw_exec, exec, docker, java, mock) implements it, and
 * one conformance suite (conformance_test_suite.ts) runs against each.
 *
 * Guarantees a driver gives:
 * - startTask() resolves once the task is running (or rejects with a DriverError naming the reason);
 *   the returned handle is plain JSON, enough for recoverTask() to reattach after an agent restart.
 * - A started task does not die with the agent: raw_exec and exec processes run in their own
 *   session, docker containers belong to the engine.
 * - waitTask() resolves exactly once per run with the exit result, also after recoverTask(), and also
 *   for a task that ended while no agent watched it, when the driver recorded how it ended.
 * - stopTask() sends the kill signal, waits up to the timeout, then kills hard. Idempotent.
 * - destroyTask() frees everything the driver holds for the task. Idempotent.
 */

/**
 * How a driver isolates a task's filesystem (Nomad's FSIsolation capability). It decides the paths the
 * client puts in the task's env and interpolates into its config:
 * - 'none' (raw_exec, mock): the task sees the host; NOMAD_TASK_DIR and friends are host paths.
 * - 'chroot' (exec, java): the task dir is the task's "/", the shared alloc dir is mounted at /alloc.
 * - 'image' (docker): the task sees its image, with the alloc dirs bound at /alloc, /local and /secrets.
 */
export type FsIsolation = 'none' | 'chroot' | 'image';

/** The user a task of an isolating driver (exec, java) runs as when the task names none, as in Nomad. */
export const DEFAULT_ISOLATED_TASK_USER = 'nobody';

export interface DriverFingerprint {
  detected: boolean;
  healthy: boolean;
  healthDescription: string;
  /** Node attributes this driver contributes, e.g. "driver.docker.version". */
  attributes: Record<string, string>;
}

export interface TaskResources {
  cpuMhz: number;
  cores: number;
  memoryMb: number;
  /** Hard limit when memory oversubscription is used; 0 = same as memoryMb. */
  memoryMaxMb: number;
}

export interface PortMapping {
  label: string;
  /** Port on the host. */
  hostPort: number;
  /** Port inside the task (docker); 0 = same as hostPort. */
  to: number;
  hostIp: string;
}

export interface TaskConfig {
  /** Unique per task run: "<allocId>/<taskName>". */
  id: string;
  allocId: string;
  taskName: string;
  jobName: string;
  groupName: string;
  namespace: string;
  /** The task's env, fully built and interpolated. */
  env: Record<string, string>;
  user: string;
  /** The driver's config block, interpolated; validated by validateConfig() first. */
  driverConfig: Record<string, unknown>;
  resources: TaskResources;
  ports: PortMapping[];
  /** Absolute paths of the allocation's and the task's directories. */
  allocDir: string;
  taskDir: string;
  /** Where the task's stdout and stderr go: FIFOs or files made by the client's log hook. */
  stdoutPath: string;
  stderrPath: string;
}

export interface TaskHandle {
  driver: string;
  taskId: string;
  config: TaskConfig;
  /** Driver state needed to reattach (pid and start time, container ID, ...). JSON only. */
  state: Record<string, unknown>;
  startedAtMs: number;
}

export interface ExitResult {
  exitCode: number;
  signal: number;
  oomKilled: boolean;
  /** A driver-level failure while waiting, if any. */
  err?: string;
}

export interface TaskResourceUsage {
  timestampMs: number;
  cpu: { percent: number; totalTicksMhz: number; userMode: number; systemMode: number; measured: string[] };
  memory: {
    rssBytes: number;
    cacheBytes: number;
    swapBytes: number;
    usageBytes: number;
    maxUsageBytes: number;
    measured: string[];
  };
}

export class DriverError extends Error {
  override name = 'DriverError';
  /** Whether retrying (by the restart policy) could help. */
  readonly recoverable: boolean;
  constructor(message: string, options: { recoverable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.recoverable = options.recoverable ?? true;
  }
}

export interface Driver {
  readonly name: string;
  /** See FsIsolation: where the task finds its directories. */
  readonly fsIsolation: FsIsolation;
  fingerprint(): Promise<DriverFingerprint>;
  /** Checks a task's config block: every unknown key and wrong type, each named. [] when valid. */
  validateConfig(config: Record<string, unknown>): string[];
  startTask(config: TaskConfig): Promise<TaskHandle>;
  /**
   * Reattaches to a task started by an earlier agent. Rejects when the task is gone and the driver
   * has no record of how it ended; resolves when it has one (waitTask() then gives that exit).
   */
  recoverTask(handle: TaskHandle): Promise<void>;
  waitTask(taskId: string): Promise<ExitResult>;
  stopTask(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void>;
  destroyTask(taskId: string, opts: { force: boolean }): Promise<void>;
  signalTask(taskId: string, signal: string): Promise<void>;
  taskStats(taskId: string): Promise<TaskResourceUsage>;
}
