/**
 * Request and response over the simulated network, standing in for src/rpc in the simulation. A
 * call that gets no answer in time fails with a 'timeout' NomadError: its outcome is unknown, as
 * over a real connection. A refusal travels back with `definite` set when the request certainly
 * changed nothing (refused before anything was proposed, or proposed and certainly not applied),
 * so callers can tell "did not happen" from "may have happened".
 */
import type { TimerId } from '../lib/clock.ts';
import { NomadError, type ErrorKind } from '../lib/errors.ts';
import { NotAppliedError } from '../raft/driver/raft_node.ts';
import type { ProcessClock } from './sim_clock.ts';
import type { SimNetwork } from './sim_network.ts';

/** Requests one endpoint may have waiting for an answer; more are refused at once. */
export const PENDING_CALLS_MAX = 10_000;
/**
 * A long call (a blocking query) is watched as a connection's keepalive would watch it: a ping
 * every KEEPALIVE_MS; an answer that the callee does not hold the request (it was lost, or the
 * callee restarted), or KEEPALIVE_MISSES_MAX pings unanswered, ends the call (outcome unknown).
 */
export const KEEPALIVE_MS = 5_000;
export const KEEPALIVE_MISSES_MAX = 3;
/** Request IDs a callee remembers, so that a duplicated request is not served twice (TCP never duplicates). */
export const SEEN_REQUESTS_MAX = 20_000;

interface Request {
  t: 'req';
  id: string;
  method: string;
  body: unknown;
}

interface Ping {
  t: 'ping' | 'pong';
  id: string;
  /** In a pong: whether the callee still works on the request. */
  held?: boolean;
}

interface Response {
  t: 'res';
  id: string;
  ok: boolean;
  value?: unknown;
  error?: { kind: ErrorKind; message: string; definite: boolean };
}

/** An error whose request certainly changed nothing. */
export class DefiniteError extends NomadError {
  override name = 'DefiniteError';
}

export type Handler = (method: string, body: unknown, from: string) => Promise<unknown>;

/** Kinds that endpoints throw before they propose anything: the request changed nothing. */
const REFUSAL_KINDS: readonly ErrorKind[] = [
  'bad_request',
  'validation',
  'not_found',
  'conflict',
  'permission_denied',
  'too_large',
  'method_not_allowed',
];

export function isRpcMessage(msg: unknown): boolean {
  const t = (msg as { t?: unknown }).t;
  return t === 'req' || t === 'res' || t === 'ping' || t === 'pong';
}

export function isDefinite(err: unknown): boolean {
  if (err instanceof NotAppliedError || err instanceof DefiniteError) return true;
  return err instanceof NomadError && REFUSAL_KINDS.includes(err.kind);
}

export class SimRpcEndpoint {
  readonly addr: string;
  readonly #net: SimNetwork;
  readonly #clock: ProcessClock;
  readonly #incarnation: number;
  readonly #handler: Handler | undefined;
  readonly #pending = new Map<
    string,
    { to: string; resolve: (v: unknown) => void; reject: (e: Error) => void; missed: number }
  >();
  readonly #serving = new Set<string>();
  readonly #seen = new Set<string>();
  #seq = 0;
  #closed = false;

  /** The owner listens on the network for addr and hands RPC messages (isRpcMessage) to receive(). */
  constructor(o: {
    addr: string;
    net: SimNetwork;
    clock: ProcessClock;
    incarnation: number;
    handler?: Handler;
  }) {
    this.addr = o.addr;
    this.#net = o.net;
    this.#clock = o.clock;
    this.#incarnation = o.incarnation;
    this.#handler = o.handler;
  }

  call(to: string, method: string, body: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(new DefiniteError('unavailable', 'The caller is gone'));
    if (this.#pending.size >= PENDING_CALLS_MAX)
      return Promise.reject(
        new DefiniteError('unavailable', `Too many calls in flight (limit ${PENDING_CALLS_MAX})`),
      );
    const id = `${this.addr}#${this.#incarnation}:${++this.#seq}`;
    return new Promise((resolve, reject) => {
      let keepaliveTimer: TimerId | undefined;
      const timeoutTimer = this.#clock.setTimer(timeoutMs, () => {
        this.#pending
          .get(id)
          ?.reject(new NomadError('timeout', `No answer from ${to} to ${method} within ${timeoutMs} ms`));
      });
      const keepalive = (): void => {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        if (++p.missed > KEEPALIVE_MISSES_MAX) {
          p.reject(new NomadError('unavailable', `Connection to ${to} lost during ${method}`));
          return;
        }
        this.#net.send(this.addr, to, { t: 'ping', id } satisfies Ping);
        keepaliveTimer = this.#clock.setTimer(KEEPALIVE_MS, keepalive);
      };
      if (timeoutMs > KEEPALIVE_MS) keepaliveTimer = this.#clock.setTimer(KEEPALIVE_MS, keepalive);
      const done = (): void => {
        this.#pending.delete(id);
        this.#clock.clearTimer(timeoutTimer);
        if (keepaliveTimer !== undefined) this.#clock.clearTimer(keepaliveTimer);
      };
      this.#pending.set(id, {
        to,
        missed: 0,
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.#net.send(this.addr, to, { t: 'req', id, method, body } satisfies Request);
    });
  }

  /** The process died: nothing more is received or answered. */
  close(): void {
    this.#closed = true;
    this.#pending.clear();
  }

  /** The peer's process died: its connections reset, so calls to it fail now (outcome unknown). */
  connectionReset(peer: string): void {
    for (const [id, p] of [...this.#pending]) {
      if (p.to !== peer) continue;
      this.#pending.delete(id);
      p.reject(new NomadError('unavailable', `Connection to ${peer} reset`));
    }
  }

  receive(from: string, message: unknown): void {
    if (this.#closed) return;
    const msg = message as Request | Response | Ping;
    switch (msg.t) {
      case 'ping':
        this.#reply(from, { t: 'pong', id: msg.id, held: this.#serving.has(msg.id) });
        return;
      case 'pong': {
        const p = this.#pending.get(msg.id);
        if (p === undefined) return;
        if (msg.held === true) p.missed = 0;
        else p.reject(new NomadError('unavailable', `Connection to ${p.to} lost: the request is gone`));
        return;
      }
      case 'res':
        this.#response(msg);
        return;
      case 'req':
        this.#request(from, msg);
        return;
    }
  }

  #response(msg: Response): void {
    const p = this.#pending.get(msg.id);
    if (p === undefined) return; // late, duplicated, or for an earlier life of this address
    if (msg.ok) {
      p.resolve(msg.value);
      return;
    }
    const e = msg.error!;
    p.reject(
      e.definite
        ? e.kind === 'unavailable'
          ? new NotAppliedError(e.message)
          : new DefiniteError(e.kind, e.message)
        : new NomadError(e.kind, e.message),
    );
  }

  #request(from: string, msg: Request): void {
    const handler = this.#handler;
    if (handler === undefined || this.#seen.has(msg.id)) return;
    this.#seen.add(msg.id);
    if (this.#seen.size > SEEN_REQUESTS_MAX) this.#seen.delete(this.#seen.values().next().value!);
    this.#serving.add(msg.id);
    handler(msg.method, msg.body, from)
      .then(
        (value): Response => ({ t: 'res', id: msg.id, ok: true, value }),
        (err: unknown): Response => ({
          t: 'res',
          id: msg.id,
          ok: false,
          error: {
            kind: err instanceof NomadError ? err.kind : 'internal',
            message: err instanceof Error ? err.message : String(err),
            definite: isDefinite(err),
          },
        }),
      )
      .then((res) => {
        this.#serving.delete(msg.id);
        this.#reply(from, res);
      });
  }

  #reply(to: string, res: Response | Ping): void {
    if (!this.#closed) this.#net.send(this.addr, to, res);
  }
}
