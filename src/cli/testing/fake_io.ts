/** A CliIO for tests: captures what a command writes, with a fixed clock and scripted input. */
import type { CliIO } from '../ui.ts';

export interface CapturedIO extends CliIO {
  out(): string;
  err(): string;
}

export function fakeIO(
  opts: {
    nowMs?: number;
    env?: Record<string, string>;
    cwd?: string;
    input?: string[];
    isTTY?: boolean;
  } = {},
): CapturedIO {
  let stdout = '';
  let stderr = '';
  const input = [...(opts.input ?? [])];
  const controller = new AbortController();
  let now = opts.nowMs ?? Date.UTC(2019, 7, 31, 23, 3, 40);
  return {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    isTTY: opts.isTTY ?? false,
    nowMs: () => now,
    readLine: async () => input.shift() ?? null,
    signal: controller.signal,
    // Time passes instantly: a sleep only moves the fake clock.
    sleep: async (ms) => {
      now += ms;
    },
    out: () => stdout,
    err: () => stderr,
  };
}
