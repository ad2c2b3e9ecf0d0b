/** Finding and signalling an isolated task's main process, and reading its recorded exit status. */
import { readFileSync } from 'node:fs';
import { readProcStat } from '../process/proc.ts';
import type { TaskCgroup } from './cgroup.ts';

/**
 * The task's main process: the one process in its cgroup whose parent is outside it (the launcher
 * and unshare stay outside). In a private PID namespace that is the namespace's pid 1.
 */
export function findTaskPid(cgroup: TaskCgroup): number | undefined {
  const pids = cgroup.pids();
  const inside = new Set(pids);
  for (const pid of pids) {
    const st = readProcStat(pid);
    if (st !== undefined && !inside.has(st.ppid) && st.state !== 'Z') return pid;
  }
  return undefined;
}

/** Sends a signal; a process that is already gone is not an error. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The status the launcher recorded, or undefined when it has not (yet). */
export function readExitStatus(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const n = Number(text.trim());
  return Number.isInteger(n) && text.trim() !== '' ? n : undefined;
}

/** Resolves true when `ms` passes before `p` settles, false when `p` settles first. */
export function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), Math.max(0, ms));
    void p.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
