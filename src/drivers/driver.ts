/**
 * The task driver contract. Every driver (raw_exec, exec, docker, java, mock) implements it, and
 * one conformance suite (conformance_test_suite.ts) runs against each.
 *
 * Guarantees a driver gives:
 * - startTask() resolves once the task is running (or rejects with a DriverError naming the reason);
 *   the returned handle is plain JSON, enough for recoverTask() to reattach after an agent restart.
 * - A started task does not die with the agent: raw_exec and exec processes run in their own
 *   session, docker containers belong to the engine.
 * - waitTask() resolves exactly once per run with the exit result, also after recoverTask().
 * - stopTask() sends the kill signal, waits up to the timeout, then kills hard. Idempotent.
 * - destroyTask() frees everything the driver holds for the task. Idempotent.
 */

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
  fingerprint(): Promise<DriverFingerprint>;
  /** Checks a task's config block: every unknown key and wrong type, each named. [] when valid. */
  validateConfig(config: Record<string, unknown>): string[];
  startTask(config: TaskConfig): Promise<TaskHandle>;
  /** Reattaches to a task started by an earlier agent; rejects when the task is gone. */
  recoverTask(handle: TaskHandle): Promise<void>;
  waitTask(taskId: string): Promise<ExitResult>;
  stopTask(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void>;
  destroyTask(taskId: string, opts: { force: boolean }): Promise<void>;
  signalTask(taskId: string, signal: string): Promise<void>;
  taskStats(taskId: string): Promise<TaskResourceUsage>;
}
