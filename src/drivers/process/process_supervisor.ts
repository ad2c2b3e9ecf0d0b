/**
 * Keeps track of the processes a driver started (or reattached to after an agent restart): waits
 * for their exit, stops them with a signal escalating to SIGKILL, and reports their usage.
 * Shared by the process-based drivers (raw_exec; exec and java use it with their own isolation).
 *
 * Exit codes: while the agent is the task's parent it gets the real exit status. A reattached
 * process is no longer our child, so only its disappearance can be seen: its result then carries
 * exit code 0 with `err` saying the status is unknown (the restart policy treats it as a failure).
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { DriverError, type ExitResult, type TaskResourceUsage } from '../driver.ts';
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

interface Tracked {
  id: ProcessIdentity;
  exited: Promise<ExitResult>;
  result: ExitResult | undefined;
  rate: CpuRate;
  stopTimer?: NodeJS.Timeout;
}

export class ProcessSupervisor {
  readonly #tasks = new Map<string, Tracked>();
  readonly #nowMs: () => number;

  constructor(opts: { nowMs: () => number }) {
    this.#nowMs = opts.nowMs;
  }

  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  identity(taskId: string): ProcessIdentity {
    return this.#get(taskId).id;
  }

  /** Tracks a process this agent spawned: its exit status comes from the child's exit event. */
  trackChild(taskId: string, id: ProcessIdentity, child: ChildProcess): void {
    const exited = new Promise<ExitResult>((resolve) => {
      child.once('exit', (code, signal) => {
        const sig = signal === null ? 0 : (constants.signals[signal] ?? 0);
        resolve({ exitCode: code ?? (sig !== 0 ? 128 + sig : 0), signal: sig, oomKilled: false });
      });
    });
    this.#add(taskId, id, exited);
  }

  /** Reattaches to a process an earlier agent started; rejects when it is gone. */
  recover(taskId: string, id: ProcessIdentity): void {
    if (this.#tasks.has(taskId)) return;
    if (!processAlive(id.pid, id.startTimeTicks)) {
      throw new DriverError(`Task process ${id.pid} is no longer running`);
    }
    const exited = new Promise<ExitResult>((resolve) => {
      const timer = setInterval(() => {
        if (processAlive(id.pid, id.startTimeTicks)) return;
        clearInterval(timer);
        resolve({
          exitCode: 0,
          signal: 0,
          oomKilled: false,
          err: 'exit status unknown: task exited while reattached',
        });
      }, RECOVERED_POLL_MS);
      timer.unref();
    });
    this.#add(taskId, id, exited);
  }

  #add(taskId: string, id: ProcessIdentity, exited: Promise<ExitResult>): void {
    const t: Tracked = { id, exited, result: undefined, rate: new CpuRate() };
    void exited.then((r) => {
      t.result = r;
      if (t.stopTimer !== undefined) clearTimeout(t.stopTimer);
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
    this.#tasks.delete(taskId);
  }

  stats(taskId: string): TaskResourceUsage {
    const t = this.#get(taskId);
    return sessionUsage(t.id.pid, t.rate, this.#nowMs());
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
