/**
 * The task's stdout and stderr go straight to the paths the client gave: a FIFO is opened read-write,
 * so the pipe always has a reader and the task never gets SIGPIPE while the agent is away; a regular
 * file is appended to. Used by every driver that starts processes (raw_exec's launcher, exec, docker's
 * log copier).
 */
import { constants, openSync, statSync } from 'node:fs';

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
