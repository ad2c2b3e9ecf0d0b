/**
 * Keeps track of the processes a driver started (or reattached to after an agent restart): waits
 * for their exit, stops them with a signal escalating to SIGKILL, and reports their usage. Used by
 * raw_exec (exec and java have their own, cgroup-based table in exec/isolated_tasks.ts).
 *
 * Exit codes: a task started under a launcher that records its exit status in a file (see
 * raw_exec/launcher.ts) reports its real exit code whether or not this agent is its parent. The
 * tracked pid is the launcher's, which leads the task's session and process group: signals go to
 * the group, stats sum the session's processes except the launcher itself. A task without a status
 * file (a handle from before the launcher) reports exit code 0 with `err` saying the status is
 * unknown when it exits while reattached (the restart policy treats it as a failure).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import { DriverError, type ExitResult, type TaskResourceUsage } from '../driver.ts';
import { exitFromShellStatus, readExitStatus } from './exit_status.ts';
import { processAlive, readProcStat, sessionMembers } from './proc.ts';
import { CpuRate, sessionUsage } from './process_stats.ts';
import { parseSignal } from './signals.ts';

/** How often a reattached process is checked for exit. */
export const RECOVERED_POLL_MS = 250;
/** How long to wait for a process to go after SIGKILL before giving up. */
export const KILL_WAIT_MS_MAX = 5000;

export interface ProcessIdentity {
  pid: number;
  startTimeTicks: number;
}

export interface TrackOptions {
  /** Where the task's launcher records its exit status; unset when it has no launcher. */
  statusFile?: string;
}

interface Tracked {
  id: ProcessIdentity;
  statusFile: string | undefined;
  exited: Promise<ExitResult>;
  result: ExitResult | undefined;
  rate: CpuRate;
}

export class ProcessSupervisor {
  readonly #tasks = new Map<string, Tracked>();
  readonly #nowMs: () => number;
  /** Tasks this supervisor sent SIGKILL: their launcher dies with them and records nothing. */
  readonly #sigkilled = new Set<string>();

  constructor(opts: { nowMs: () => number }) {
    this.#nowMs = opts.nowMs;
  }

  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  identity(taskId: string): ProcessIdentity {
    return this.#get(taskId).id;
  }

  /** Tracks a process this agent spawned: it learns the exit from the child's exit event. */
  trackChild(taskId: string, id: ProcessIdentity, child: ChildProcess, opts: TrackOptions = {}): void {
    const exited = new Promise<ExitResult>((resolve) => {
      child.once('exit', (code, signal) => resolve(this.#childExit(opts.statusFile, code, signal)));
    });
    this.#add(taskId, id, opts.statusFile, exited);
  }

  #childExit(statusFile: string | undefined, code: number | null, signal: string | null): ExitResult {
    if (signal !== null) {
      const sig = constants.signals[signal as NodeJS.Signals] ?? 0;
      return { exitCode: 128 + sig, signal: sig, oomKilled: false };
    }
    if (statusFile === undefined) return { exitCode: code ?? 0, signal: 0, oomKilled: false };
    // The launcher exits with the status it recorded; the file is read in case it differs.
    return exitFromShellStatus(readExitStatus(statusFile) ?? code ?? 0);
  }

  /**
   * Reattaches to a process an earlier agent started. A process that is gone resolves with the status
   * its launcher recorded; without one, this rejects.
   */
  recover(taskId: string, id: ProcessIdentity, opts: TrackOptions = {}): void {
    if (this.#tasks.has(taskId)) return;
    const recorded = (): number | undefined =>
      opts.statusFile === undefined ? undefined : readExitStatus(opts.statusFile);
    if (!processAlive(id.pid, id.startTimeTicks)) {
      const status = recorded();
      if (status === undefined) throw new DriverError(`Task process ${id.pid} is no longer running`);
      this.#add(taskId, id, opts.statusFile, Promise.resolve(exitFromShellStatus(status)));
      return;
    }
    const exited = new Promise<ExitResult>((resolve) => {
      const timer = setInterval(() => {
        if (processAlive(id.pid, id.startTimeTicks)) return;
        clearInterval(timer);
        const status = recorded();
        if (status !== undefined) return resolve(exitFromShellStatus(status));
        if (this.#sigkilled.has(taskId)) return resolve({ exitCode: 137, signal: 9, oomKilled: false });
        resolve({
          exitCode: 0,
          signal: 0,
          oomKilled: false,
          err: 'exit status unknown: task exited while reattached',
        });
      }, RECOVERED_POLL_MS);
      timer.unref();
    });
    this.#add(taskId, id, opts.statusFile, exited);
  }

  #add(
    taskId: string,
    id: ProcessIdentity,
    statusFile: string | undefined,
    exited: Promise<ExitResult>,
  ): void {
    const t: Tracked = { id, statusFile, exited, result: undefined, rate: new CpuRate() };
    void exited.then((r) => {
      t.result = r;
    });
    this.#tasks.set(taskId, t);
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
    if (t.result !== undefined)
      throw new DriverError(`Task "${taskId}" is not running`, { recoverable: false });
    killGroup(t.id.pid, parseSignal(signal).name);
  }

  /** Sends `signal` to the task's process group, then SIGKILL after timeoutMs. Idempotent. */
  async stop(taskId: string, opts: { timeoutMs: number; signal: string }): Promise<void> {
    const t = this.#tasks.get(taskId);
    if (t === undefined || t.result !== undefined) {
      if (t !== undefined) killSession(t.id);
      return;
    }
    const sig = parseSignal(opts.signal).name;
    killGroup(t.id.pid, sig);
    const timedOut = await raceTimeout(t.exited, opts.timeoutMs);
    if (timedOut) {
      this.#sigkilled.add(taskId);
      killGroup(t.id.pid, 'SIGKILL');
      if (await raceTimeout(t.exited, KILL_WAIT_MS_MAX)) {
        throw new DriverError(`Task process ${t.id.pid} did not exit after SIGKILL`);
      }
    }
    // Anything the task left behind in its session goes with it.
    killSession(t.id);
  }

  /** Forgets the task; with force, kills whatever still runs. Idempotent. */
  destroy(taskId: string, opts: { force: boolean }): void {
    const t = this.#tasks.get(taskId);
    if (t === undefined) return;
    if (t.result === undefined && !opts.force) {
      throw new DriverError(`Task "${taskId}" is still running; destroy it with force`, {
        recoverable: false,
      });
    }
    if (t.result === undefined) killGroup(t.id.pid, 'SIGKILL');
    killSession(t.id);
    if (t.statusFile !== undefined) rmSync(t.statusFile, { force: true });
    this.#tasks.delete(taskId);
    this.#sigkilled.delete(taskId);
  }

  stats(taskId: string): TaskResourceUsage {
    const t = this.#get(taskId);
    // The launcher (the session leader) is ours, not the task's: it is left out of the figures.
    const excludePid = t.statusFile === undefined ? undefined : t.id.pid;
    return sessionUsage(t.id.pid, t.rate, this.#nowMs(), excludePid === undefined ? {} : { excludePid });
  }
}

function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), Math.max(0, ms));
    void p.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Signals the process group led by pid; falls back to the pid alone if it left its group. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** SIGKILLs every process left in the task's session (only if the leader is the process we started or gone). */
export function killSession(id: ProcessIdentity): void {
  const leader = readProcStat(id.pid);
  // A recycled pid leading an unrelated session must not be touched.
  if (leader !== undefined && leader.startTimeTicks !== id.startTimeTicks) return;
  for (const p of sessionMembers(id.pid)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
