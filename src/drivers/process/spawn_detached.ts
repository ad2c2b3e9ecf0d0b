/**
 * Starts a task's process in its own session (setsid), so it survives the agent: a SIGKILL of the
 * agent, or its process group, does not reach the task. stdout and stderr go straight to the paths
 * the client gave: a FIFO is opened read-write, so the pipe always has a reader and the task never
 * gets SIGPIPE while the agent is away; a regular file is appended to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, statSync } from 'node:fs';
import { DriverError } from '../driver.ts';
import { readProcStat } from './proc.ts';

export interface SpawnSpec {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  stdoutPath: string;
  stderrPath: string;
  uid?: number;
  gid?: number;
}

export interface SpawnedProcess {
  pid: number;
  startTimeTicks: number;
  child: ChildProcess;
}

/** Opens an output path for the task: FIFOs read-write, anything else append-only. */
export function openTaskOutput(path: string): number {
  let isFifo = false;
  try {
    isFifo = statSync(path).isFIFO();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const flags = isFifo ? constants.O_RDWR : constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
  return openSync(path, flags, 0o644);
}

export async function spawnDetached(spec: SpawnSpec): Promise<SpawnedProcess> {
  const fds: number[] = [];
  try {
    fds.push(openTaskOutput(spec.stdoutPath));
    fds.push(openTaskOutput(spec.stderrPath));
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw new DriverError(`Failed to open task output: ${(err as Error).message}`, { cause: err });
  }
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', fds[0]!, fds[1]!],
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
  } catch (err) {
    throw new DriverError(`Failed to start command "${spec.command}": ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new DriverError(`Failed to start command "${spec.command}": ${err.message}`, { cause: err })),
    );
  });
  // The agent must not wait for its tasks to exit before it can exit itself.
  child.unref();
  const pid = child.pid!;
  const st = readProcStat(pid);
  // A process that already exited and was reaped has no /proc entry: 0 never matches a live one.
  return { pid, startTimeTicks: st?.startTimeTicks ?? 0, child };
}
