/**
 * Runs tasks isolated as Nomad's exec driver does (own PID, mount, IPC and UTS namespaces, a chroot
 * of read-only host directories, a cgroup with hard memory limit and CPU shares, an unprivileged
 * user), for the exec and java drivers. See launch_script.ts for the process tree.
 *
 * The launcher records the task's exit status in a file beside the task dir, so an agent that
 * restarts and reattaches learns how a task ended even when it ended while the agent was away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { DriverError, type ExitResult, type TaskConfig, type TaskResourceUsage } from '../driver.ts';
import { cgroupUsage } from '../process/cgroup_stats.ts';
import { processAlive, readProcStat } from '../process/proc.ts';
import { CpuRate } from '../process/process_stats.ts';
import { parseSignal } from '../process/signals.ts';
import { openTaskOutput } from '../process/spawn_detached.ts';
import { TaskCgroup, type CgroupVersion } from './cgroup.ts';
import {
  DEFAULT_TASK_PATH,
  SETUP_FAILED_EXIT,
  launcherErrorFile,
  launcherScript,
  type LaunchSpec,
} from './launch_script.ts';
import { findTaskPid, raceTimeout, readExitStatus, signalPid } from './task_process.ts';

/** How long the setup step may take to report (mounts, checks) before the start counts as failed. */
export const SETUP_TIMEOUT_MS_MAX = 30_000;
/** How often a reattached task is checked for exit. */
export const RECOVERED_POLL_MS = 250;
/** How long to wait for a task to go after SIGKILL. */
export const KILL_WAIT_MS_MAX = 5_000;
/** Bytes of setup error text kept. */
const SETUP_MESSAGE_BYTES_MAX = 4096;
const BYTES_PER_MB = 1024 * 1024;

export interface IsolatedCommand {
  command: string;
  args: string[];
  /** Inside the chroot; "/" (the task dir) when empty. */
  workDir: string;
  pidMode: 'private' | 'host';
  ipcMode: 'private' | 'host';
  capabilities: string[];
  uid: number;
  gid: number;
}

export interface IsolationHost {
  cgroupVersion: CgroupVersion;
  cgroupRoot: string;
  chrootEnv: Readonly<Record<string, string>>;
  unsharePath: string;
  setprivPath: string;
}

/** What a handle stores to reattach. */
export interface IsolatedState extends Record<string, unknown> {
  launcherPid: number;
  launcherStartTicks: number;
  cgroupVersion: CgroupVersion;
  cgroupName: string;
  statusFile: string;
  /** OOM kills already counted in the cgroup before this run started. */
  oomBaseline: number;
}

interface Tracked {
  state: IsolatedState;
  cgroup: TaskCgroup;
  exited: Promise<ExitResult>;
  result: ExitResult | undefined;
  rate: CpuRate;
  poll?: NodeJS.Timeout;
}

/** The launcher's exit status file for a task: beside the task dir, outside its chroot. */
export function statusFileFor(config: TaskConfig, driver: string): string {
  return join(dirname(config.taskDir), `.${config.taskName}.${driver}.exit`);
}

export class IsolatedTasks {
  readonly #tasks = new Map<string, Tracked>();
  readonly #host: IsolationHost;
  readonly #driver: string;
  readonly #nowMs: () => number;
  /** Tasks this agent sent SIGKILL (see exitFromStatus). */
  readonly #sigkilled = new Set<string>();

  constructor(driver: string, host: IsolationHost, opts: { nowMs: () => number }) {
    this.#driver = driver;
    this.#host = host;
    this.#nowMs = opts.nowMs;
  }

  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  /** Starts the task; resolves once the setup step handed over to the command. */
  async start(config: TaskConfig, cmd: IsolatedCommand): Promise<IsolatedState> {
    if (this.#tasks.has(config.id)) {
      throw new DriverError(`Task "${config.id}" is already started`, { recoverable: false });
    }
    const cgroup = new TaskCgroup(this.#host.cgroupVersion, cgroupName(config), this.#host.cgroupRoot);
    // Processes left in the cgroup belong to an earlier run of this very task that nobody tracks any
    // more (its launcher died): the task runner starts a task only when none runs, so they go.
    if (cgroup.pids().length > 0) await removeCgroup(cgroup);
    const memoryMb =
      config.resources.memoryMaxMb > 0 ? config.resources.memoryMaxMb : config.resources.memoryMb;
    try {
      cgroup.create({
        memoryMaxBytes: memoryMb * BYTES_PER_MB,
        memoryLowBytes: config.resources.memoryMaxMb > 0 ? config.resources.memoryMb * BYTES_PER_MB : 0,
        cpuShares: config.resources.cpuMhz,
      });
    } catch (err) {
      throw new DriverError(`Failed to create the task's cgroup: ${(err as Error).message}`, { cause: err });
    }
    const statusFile = statusFileFor(config, this.#driver);
    rmSync(statusFile, { force: true });
    const env = { ...config.env };
    env['PATH'] ??= DEFAULT_TASK_PATH;
    const spec: LaunchSpec = {
      rootDir: config.taskDir,
      sharedAllocDir: join(config.allocDir, 'alloc'),
      chrootEnv: this.#host.chrootEnv,
      procsFiles: cgroup.procsFiles(),
      statusFile,
      workDir: cmd.workDir === '' ? '/' : cmd.workDir,
      uid: cmd.uid,
      gid: cmd.gid,
      capabilities: cmd.capabilities,
      pidMode: cmd.pidMode,
      ipcMode: cmd.ipcMode,
      searchPath: env['PATH'],
      setprivPath: this.#host.setprivPath,
      unsharePath: this.#host.unsharePath,
    };
    // Counted before the task runs, so an OOM kill in its first moments is still seen as new.
    const oomBaseline = cgroup.oomKills();
    let child: ChildProcess;
    try {
      child = await spawnLauncher(config, spec, [cmd.command, ...cmd.args], env);
    } catch (err) {
      await removeCgroup(cgroup);
      throw err;
    }
    const pid = child.pid!;
    const state: IsolatedState = {
      launcherPid: pid,
      launcherStartTicks: readProcStat(pid)?.startTimeTicks ?? 0,
      cgroupVersion: cgroup.version,
      cgroupName: cgroup.name,
      statusFile,
      oomBaseline,
    };
    const exited = new Promise<ExitResult>((resolve) => {
      child.once('exit', (code, signal) => resolve(this.#result(config.id, state, cgroup, code, signal)));
    });
    const setup = await awaitSetup(child);
    this.#track(config.id, state, cgroup, exited);
    if (setup !== 'ok') {
      const r = await exited;
      const launcherError = readSmallFile(launcherErrorFile(statusFile));
      await this.destroy(config.id, { force: true });
      const reason = setup || launcherError || `setup exited with code ${r.exitCode}`;
      throw new DriverError(`Failed to start task: ${reason}`, {
        recoverable: r.exitCode !== SETUP_FAILED_EXIT,
      });
    }
    child.unref();
    return state;
  }

  #result(
    taskId: string,
    state: IsolatedState,
    cgroup: TaskCgroup,
    code: number | null,
    signal: string | null,
  ): ExitResult {
    const oomKilled = cgroup.oomKills() > state.oomBaseline;
    if (signal !== null) {
      // The launcher itself was killed: the task's own status is unknown, report the signal.
      const n = parseSignal(signal).number;
      return { exitCode: 128 + n, signal: n, oomKilled };
    }
    return exitFromStatus(code ?? 0, { oomKilled, sigkilled: this.#sigkilled.has(taskId) });
  }

  #track(taskId: string, state: IsolatedState, cgroup: TaskCgroup, exited: Promise<ExitResult>): void {
    const t: Tracked = { state, cgroup, exited, result: undefined, rate: new CpuRate() };
    void exited.then((r) => {
      t.result = r;
      if (t.poll !== undefined) clearInterval(t.poll);
    });
    this.#tasks.set(taskId, t);
  }

  /** Reattaches to a task an earlier agent started; rejects when it is gone without a recorded exit. */
  recover(taskId: string, state: IsolatedState): void {
    if (this.#tasks.has(taskId)) return;
    const cgroup = new TaskCgroup(state.cgroupVersion, state.cgroupName, this.#host.cgroupRoot);
    const finished = (): ExitResult | undefined => {
      const status = readExitStatus(state.statusFile);
      if (status === undefined) return undefined;
      const oomKilled = cgroup.oomKills() > state.oomBaseline;
      return exitFromStatus(status, { oomKilled, sigkilled: this.#sigkilled.has(taskId) });
    };
    const alive = processAlive(state.launcherPid, state.launcherStartTicks);
    const done = alive ? undefined : finished();
    if (!alive && done === undefined) {
      throw new DriverError(
        `Task "${taskId}" is gone: launcher ${state.launcherPid} exited without a status`,
      );
    }
    let poll: NodeJS.Timeout | undefined;
    const exited = new Promise<ExitResult>((resolve) => {
      if (done !== undefined) return resolve(done);
      poll = setInterval(() => {
        if (processAlive(state.launcherPid, state.launcherStartTicks)) return;
        clearInterval(poll);
        resolve(
          finished() ?? {
            exitCode: 0,
            signal: 0,
            oomKilled: false,
            err: 'exit status unknown: launcher gone',
          },
        );
      }, RECOVERED_POLL_MS);
      poll.unref();
    });
    this.#track(taskId, state, cgroup, exited);
    if (poll !== undefined) this.#tasks.get(taskId)!.poll = poll;
  }

  #get(taskId: string): Tracked {
    const t = this.#tasks.get(taskId);
    if (t === undefined) throw new DriverError(`Task "${taskId}" not found`, { recoverable: false });
    return t;
  }

  wait(taskId: string): Promise<ExitResult> {
    return this.#get(taskId).exited;
  }

  signal(taskId: string, signal: string): void {
    const t = this.#get(taskId);
    const sig = parseSignal(signal).name;
    const pid = t.result === undefined ? findTaskPid(t.cgroup) : undefined;
    if (pid === undefined) throw new DriverError(`Task "${taskId}" is not running`, { recoverable: false });
    signalPid(pid, sig);
  }

  /** Sends the signal to the task's main process, then SIGKILL after timeoutMs. Idempotent. */
  async stop(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void> {
    const t = this.#tasks.get(taskId);
    if (t === undefined || t.result !== undefined) return;
    const sig = parseSignal(opts.signal).name;
    const pid = findTaskPid(t.cgroup);
    if (pid !== undefined) signalPid(pid, sig);
    if (!(await raceTimeout(t.exited, opts.timeoutMs))) return;
    await this.#kill(taskId, t);
  }

  async #kill(taskId: string, t: Tracked): Promise<void> {
    this.#sigkilled.add(taskId);
    // SIGKILL of the namespace's pid 1 takes the whole namespace; the cgroup catches the rest.
    const pid = findTaskPid(t.cgroup);
    if (pid !== undefined) signalPid(pid, 'SIGKILL');
    t.cgroup.killAll();
    if (await raceTimeout(t.exited, KILL_WAIT_MS_MAX)) {
      throw new DriverError(`Task launcher ${t.state.launcherPid} did not exit after SIGKILL`);
    }
  }

  /** Frees the cgroup and the status file; with force, kills whatever still runs. Idempotent. */
  async destroy(taskId: string, opts: { force: boolean }): Promise<void> {
    const t = this.#tasks.get(taskId);
    if (t === undefined) return;
    if (t.result === undefined) {
      if (!opts.force) {
        throw new DriverError(`Task "${taskId}" is still running; destroy it with force`, {
          recoverable: false,
        });
      }
      await this.#kill(taskId, t);
    }
    t.cgroup.killAll();
    await removeCgroup(t.cgroup);
    rmSync(t.state.statusFile, { force: true });
    rmSync(launcherErrorFile(t.state.statusFile), { force: true });
    this.#tasks.delete(taskId);
    this.#sigkilled.delete(taskId);
  }

  stats(taskId: string): TaskResourceUsage {
    const t = this.#get(taskId);
    if (!t.cgroup.exists()) throw new DriverError(`Task "${taskId}" has no cgroup`, { recoverable: false });
    return cgroupUsage(t.cgroup.statsPaths(), t.rate, this.#nowMs());
  }
}

export function cgroupName(config: TaskConfig): string {
  return `${config.allocId}.${config.taskName}`;
}

/**
 * Decodes a launcher status: 128+N means the task died of signal N (as a shell reports it).
 * util-linux's unshare cannot re-raise SIGKILL on itself ("sigprocmask unblock failed") and exits 1
 * instead, so status 1 after a SIGKILL we sent, or after an OOM kill, is read as death by SIGKILL.
 */
export function exitFromStatus(status: number, opts: { oomKilled: boolean; sigkilled: boolean }): ExitResult {
  const { oomKilled } = opts;
  if (status === 1 && (opts.oomKilled || opts.sigkilled)) return { exitCode: 137, signal: 9, oomKilled };
  if (status > 128 && status < 128 + 65) return { exitCode: status, signal: status - 128, oomKilled };
  return { exitCode: status, signal: 0, oomKilled };
}

async function spawnLauncher(
  config: TaskConfig,
  spec: LaunchSpec,
  argv: string[],
  env: Record<string, string>,
): Promise<ChildProcess> {
  mkdirSync(config.taskDir, { recursive: true });
  const fds: number[] = [];
  try {
    fds.push(openTaskOutput(config.stdoutPath), openTaskOutput(config.stderrPath));
    const child = spawn('/bin/sh', ['-c', launcherScript(spec), 'nomad-task', ...argv], {
      cwd: '/',
      env,
      detached: true,
      stdio: ['ignore', fds[0]!, fds[1]!, 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return child;
  } catch (err) {
    throw new DriverError(`Failed to start the task launcher: ${(err as Error).message}`, { cause: err });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Reads fd 3 of the launcher: "ok" once the command is about to run, else the reason it cannot. */
function awaitSetup(child: ChildProcess): Promise<string> {
  const pipe = child.stdio[3] as Readable;
  return new Promise((resolve) => {
    let text = '';
    const finish = (): void => {
      clearTimeout(timer);
      pipe.removeAllListeners('data');
      pipe.destroy();
      resolve(text.trim());
    };
    const timer = setTimeout(() => {
      text = `setup did not finish within ${SETUP_TIMEOUT_MS_MAX} ms`;
      child.kill('SIGKILL');
      finish();
    }, SETUP_TIMEOUT_MS_MAX);
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      text = (text + chunk).slice(0, SETUP_MESSAGE_BYTES_MAX);
      if (text.endsWith('\n')) finish();
    });
    pipe.once('end', finish);
    pipe.once('error', finish);
  });
}

/** The first bytes of a file, trimmed; '' when it is absent. */
function readSmallFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, SETUP_MESSAGE_BYTES_MAX).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

async function removeCgroup(cgroup: TaskCgroup): Promise<void> {
  // Killed processes leave their cgroup a moment after they die.
  const deadline = Date.now() + KILL_WAIT_MS_MAX;
  while (!cgroup.remove()) {
    if (Date.now() > deadline) {
      throw new DriverError(`The cgroup "${cgroup.dirs()[0]}" still holds processes`);
    }
    cgroup.killAll();
    await new Promise((r) => setTimeout(r, 20));
  }
  if (existsSync(cgroup.dirs()[0]!)) throw new DriverError(`Failed to remove cgroup "${cgroup.dirs()[0]}"`);
}
