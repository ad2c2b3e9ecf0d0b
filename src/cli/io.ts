/** The real process behind CliIO: stdout/stderr, the environment, the clock and Ctrl-C. */
import { createInterface } from 'node:readline';
import type { CliIO } from './ui.ts';

/** The exit status of a program that a closed pipe stopped (128 + SIGPIPE), as a shell reports it. */
export const EXIT_BROKEN_PIPE = 141;

let pipesWatched = false;
/**
 * `nomad status | head` closes our stdout early: stop quietly, as Nomad (stopped by SIGPIPE) does,
 * rather than crash with a stack trace. Other stream errors are real failures and are rethrown.
 */
function watchBrokenPipes(): void {
  if (pipesWatched) return;
  pipesWatched = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
      throw err;
    });
  }
}

export function defaultIO(): CliIO {
  watchBrokenPipes();
  let controller: AbortController | undefined;
  // The interrupt handler is installed only when a command asks for the signal, so that
  // `nomad agent` keeps its own handling of SIGINT.
  const signal = (): AbortSignal => {
    if (controller === undefined) {
      const c = new AbortController();
      controller = c;
      process.once('SIGINT', () => {
        c.abort();
        process.once('SIGINT', () => process.exit(130));
      });
    }
    return controller.signal;
  };
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
    nowMs: () => Date.now(),
    readLine: () => readLine(),
    get signal() {
      return signal();
    },
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const s = signal();
        if (s.aborted) return resolve();
        const onAbort = (): void => {
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(() => {
          s.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        s.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

function readLine(): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}
