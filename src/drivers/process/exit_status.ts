/**
 * Exit statuses recorded by a task's launcher in a file, so that an agent which is not the task's
 * parent (it restarted and reattached) still learns how the task ended. A launcher writes the status
 * as a POSIX shell reports it: the exit code, or 128+N when the task died of signal N.
 */
import { readFileSync } from 'node:fs';
import type { ExitResult } from '../driver.ts';

/** Highest signal number a shell status can encode (128 + N). */
const SIGNAL_MAX = 64;

/** The status recorded at `path`, or undefined when none was (yet) written. */
export function readExitStatus(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const n = Number(text);
  return text !== '' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Decodes a shell status. A shell cannot tell "exit 130" from death by SIGINT; like every shell, and
 * like the exec driver's launcher, 129..192 is read as death by the signal.
 */
export function exitFromShellStatus(status: number): ExitResult {
  if (status > 128 && status <= 128 + SIGNAL_MAX) {
    return { exitCode: status, signal: status - 128, oomKilled: false };
  }
  return { exitCode: status, signal: 0, oomKilled: false };
}
