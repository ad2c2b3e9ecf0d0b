/**
 * Blocking queries, as Nomad runs them: with ?index=N the query waits until its result's index
 * passes N, or until ?wait (default and max 300 s, plus up to wait/16 of jitter) runs out, then
 * answers with whatever it has. The wait is woken by the state store's change notification for the
 * rows and tables the query reads; a write elsewhere wakes nothing, and a wake whose result index has not
 * moved goes back to waiting.
 */
import { BLOCKING_JITTER_FRACTION } from './request.ts';
import type { BlockingOptions } from './request.ts';

/**
 * Registers interest in what the query reads (the state store's watch items) and resolves when a
 * commit touches it, or when `signal` aborts. It is called before each read, so no write between
 * the read and the wait is missed.
 */
export type WaitForChange = (signal: AbortSignal) => Promise<unknown>;

export interface QueryResult<T> {
  index: number;
  value: T;
}

export interface BlockingQueryOptions {
  waitForChange: WaitForChange;
  blocking: BlockingOptions;
  /** The caller went away, or the agent is shutting down. */
  signal: AbortSignal;
  /** Source of jitter in [0, 1); Math.random at the edge, seeded in tests. */
  random?: () => number;
}

export async function blockingQuery<T>(
  opts: BlockingQueryOptions,
  run: () => QueryResult<T>,
): Promise<QueryResult<T>> {
  const { minIndex, waitMs } = opts.blocking;
  if (minIndex === 0) return run();
  const jitterMs = Math.floor((opts.random ?? Math.random)() * (waitMs / BLOCKING_JITTER_FRACTION));
  const deadline = performance.now() + waitMs + jitterMs;
  for (;;) {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const changed = opts.waitForChange(ac.signal);
      const result = run();
      const remainingMs = deadline - performance.now();
      if (result.index > minIndex || remainingMs <= 0 || opts.signal.aborted) return result;
      const timedOut = await Promise.race([
        changed.then(() => false),
        sleep(remainingMs, ac.signal).then(() => true),
      ]);
      if (timedOut || opts.signal.aborted) return run();
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
      ac.abort();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
