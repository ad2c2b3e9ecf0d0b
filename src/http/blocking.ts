/**
 * Blocking queries, as Nomad runs them: with ?index=N a read waits until its result's index passes
 * N, or until ?wait (default and max 300 s, plus up to wait/16 of jitter) runs out, then answers
 * with what it has. The state store's blockingQuery does the waiting on the rows and tables the
 * read touched (a write elsewhere wakes nothing); this file adds the time limit and the headers.
 */
import { blockingQuery } from '../state/index.ts';
import type { QueryResult, StateSnapshot, StateStore } from '../state/index.ts';
import { BLOCKING_JITTER_FRACTION } from './request.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';

export interface QueryServer {
  store: StateStore;
  cluster: { leaderAddress(): string; lastContactMs(): number };
}

/** An abort signal for a blocking query: the caller leaving, or the wait (with jitter) running out. */
export function blockingSignal(
  req: HttpRequest,
  random: () => number,
): { signal: AbortSignal; dispose: () => void } {
  const { minIndex, waitMs } = req.blocking();
  if (minIndex === 0) return { signal: req.signal, dispose: () => undefined };
  const jitterMs = Math.floor(random() * (waitMs / BLOCKING_JITTER_FRACTION));
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), waitMs + jitterMs);
  const onAbort = (): void => ac.abort();
  req.signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ac.signal,
    dispose: () => {
      clearTimeout(timer);
      req.signal.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Runs a read against the state store, blocking when asked, and sets X-Nomad-Index (never 0, so the
 * next blocking query has something to wait past), X-Nomad-KnownLeader and X-Nomad-LastContact.
 */
export async function serverQuery<T>(
  srv: QueryServer,
  req: HttpRequest,
  res: HttpResponse,
  run: (snap: StateSnapshot) => QueryResult<T>,
  random: () => number = Math.random,
): Promise<T> {
  const { minIndex } = req.blocking();
  const { signal, dispose } = blockingSignal(req, random);
  try {
    const r = await blockingQuery(srv.store, { minIndex, signal }, run);
    res.setMeta({
      index: Math.max(1, r.index),
      knownLeader: srv.cluster.leaderAddress() !== '',
      lastContactMs: srv.cluster.lastContactMs(),
    });
    return r.value;
  } finally {
    dispose();
  }
}
