/**
 * java: runs a jar or a class in a JVM under the exec driver's isolation (namespaces, chroot,
 * cgroup, nobody). Detected when isolation is possible and `java -version` answers.
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
import { Isolation, type ExecDriverOptions } from '../exec/exec_driver.ts';
import { javaArgs, parseJavaConfig, validateJavaConfig } from './java_config.ts';
import { probeJava, type JavaVersion } from './java_fingerprint.ts';

export interface JavaDriverOptions extends ExecDriverOptions {
  /** The JVM launcher, found on PATH inside the chroot as on the host. Default "java". */
  javaPath?: string;
}

export class JavaDriver implements Driver {
  readonly name = 'java';
  readonly fsIsolation = 'chroot';
  readonly #isolation: Isolation;
  readonly #nowMs: () => number;
  readonly #javaPath: string;
  #java: Promise<JavaVersion | string> | undefined;

  constructor(opts: JavaDriverOptions = {}) {
    this.#isolation = new Isolation(this.name, opts);
    this.#nowMs = opts.nowMs ?? Date.now;
    this.#javaPath = opts.javaPath ?? 'java';
  }

  async fingerprint(): Promise<DriverFingerprint> {
    const host = this.#isolation.host();
    if (typeof host === 'string') {
      return { detected: false, healthy: false, healthDescription: host, attributes: {} };
    }
    this.#java ??= probeJava(this.#javaPath);
    const java = await this.#java;
    if (typeof java === 'string') {
      // Probe again next time: a JVM may be installed later.
      this.#java = undefined;
      return { detected: false, healthy: false, healthDescription: java, attributes: {} };
    }
    return {
      detected: true,
      healthy: true,
      healthDescription: 'Healthy',
      attributes: {
        'driver.java': '1',
        'driver.java.version': java.version,
        'driver.java.runtime': java.runtime,
        'driver.java.vm': java.vm,
      },
    };
  }

  validateConfig(config: Record<string, unknown>): string[] {
    return validateJavaConfig(config);
  }

  async startTask(config: TaskConfig): Promise<TaskHandle> {
    const errors = this.validateConfig(config.driverConfig);
    if (errors.length > 0) throw new DriverError(errors.join('; '), { recoverable: false });
    const c = parseJavaConfig(config.driverConfig);
    const cmd = this.#isolation.command(config, {
      command: this.#javaPath,
      args: javaArgs(c),
      workDir: c.workDir,
      pidMode: c.pidMode,
      ipcMode: c.ipcMode,
      capAdd: c.capAdd,
      capDrop: c.capDrop,
    });
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
