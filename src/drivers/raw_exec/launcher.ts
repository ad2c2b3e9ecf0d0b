/**
 * raw_exec's launcher: a few lines of POSIX shell (no helper program of ours) that run the task and
 * record how it ended, so an agent that restarted and reattached (and so is not the task's parent)
 * still reports the task's real exit code. The process tree:
 *
 *   /bin/sh launcher   pid P: leads the task's session and process group (setsid); the handle's pid
 *    └ the command     a child of P in the same group, started with `exec` (never a shell builtin)
 *
 * Signals: the driver signals the process group P, so the kill signal (and any signalTask) reaches the
 * command, and every process the command started in its group, straight from the kernel. A shell
 * cannot relay a signal while it waits for a foreground command (the trap runs only after the command
 * ends), and a background command gets SIGINT and SIGQUIT ignored (POSIX), which would defeat Nomad's
 * default kill_signal SIGINT. So the launcher only traps (survives) every catchable signal, with an
 * action rather than an ignore, since an ignored disposition would be inherited by the command.
 * After the command ends, the launcher writes its status (code, or 128+N for death by signal N) to the
 * status file and exits with it. SIGKILL of the group takes the launcher too: the driver knows it
 * sent it. The launcher's own messages (a shell reports "Terminated" for a killed foreground job) go
 * to /dev/null; the command gets the task's stdout and stderr untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { DriverError } from '../driver.ts';
import { readProcStat } from '../process/proc.ts';
import { openTaskOutput } from '../process/spawn_detached.ts';

/** PATH searched for a bare command name when the task's env has none (as Nomad's executor). */
export const DEFAULT_COMMAND_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Signals the launcher must survive: every one whose default action ends or stops a process. */
const SURVIVED_SIGNALS: readonly string[] = Object.entries(osConstants.signals)
  .filter(([name]) => !['SIGKILL', 'SIGSTOP', 'SIGCHLD', 'SIGCONT', 'SIGWINCH', 'SIGURG'].includes(name))
  .map(([, n]) => String(n))
  .filter((n, i, all) => all.indexOf(n) === i);

/** The launcher: run as `/bin/sh -c <script> nomad-raw-exec <statusFile> <command> <args...>`. */
export const LAUNCHER_SCRIPT = [
  `trap : ${SURVIVED_SIGNALS.join(' ')}`,
  'f=$1; shift',
  'exec 3>&2 2>/dev/null',
  '( exec "$@" 2>&3 3>&- )',
  's=$?',
  `printf '%s\\n' "$s" > "$f"`,
  'exit "$s"',
].join('\n');

export interface LaunchSpec {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  stdoutPath: string;
  stderrPath: string;
  /** Where the launcher records the exit status. */
  statusFile: string;
}

export interface LaunchedProcess {
  /** The launcher's pid: the task's session and process group ID. */
  pid: number;
  startTimeTicks: number;
  child: ChildProcess;
}

/**
 * Finds the command as execvp would (relative to the work dir when it has a slash, else on the env's
 * PATH), so a missing command fails the start with a Driver Failure instead of a status 127.
 */
export function resolveCommand(command: string, cwd: string, envPath: string | undefined): string {
  if (command === '')
    throw new DriverError('Failed to start command: "command" is empty', { recoverable: false });
  const candidates = command.includes('/')
    ? [resolve(cwd, command)]
    : (envPath ?? DEFAULT_COMMAND_PATH)
        .split(delimiter)
        .map((d) => resolve(cwd, join(d === '' ? '.' : d, command)));
  for (const path of candidates) {
    if (isExecutableFile(path)) return path;
  }
  const why = command.includes('/')
    ? `"${candidates[0]}" is not an executable file`
    : 'executable file not found in $PATH';
  throw new DriverError(`Failed to start command "${command}": ${why}`);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR' || code === 'ELOOP') return false;
    throw err;
  }
}

/** Starts the launcher in its own session, so it and the task outlive the agent. */
export async function launch(spec: LaunchSpec): Promise<LaunchedProcess> {
  if (!isAbsolute(spec.cwd) || !isDirectory(spec.cwd)) {
    throw new DriverError(`Work dir "${spec.cwd}" is not an existing absolute directory`);
  }
  const command = resolveCommand(spec.command, spec.cwd, spec.env['PATH']);
  const fds: number[] = [];
  let child: ChildProcess;
  try {
    fds.push(openTaskOutput(spec.stdoutPath), openTaskOutput(spec.stderrPath));
    child = spawn(
      '/bin/sh',
      ['-c', LAUNCHER_SCRIPT, 'nomad-raw-exec', spec.statusFile, command, ...spec.args],
      {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', fds[0]!, fds[1]!],
      },
    );
    await new Promise<void>((ok, fail) => {
      child.once('spawn', ok);
      child.once('error', fail);
    });
  } catch (err) {
    throw new DriverError(`Failed to start command "${spec.command}": ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  // The agent must not wait for its tasks to exit before it can exit itself.
  child.unref();
  const pid = child.pid!;
  // A launcher that already exited and was reaped has no /proc entry: 0 never matches a live one.
  return { pid, startTimeTicks: readProcStat(pid)?.startTimeTicks ?? 0, child };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
