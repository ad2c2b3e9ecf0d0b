/**
 * What every endpoint handler shares: the backend, the source of jitter, and helpers to read
 * request bodies field by field, naming the field in a 400 when it has the wrong type.
 */
import { NomadError, badRequest } from '../lib/errors.ts';
import type { QueryResult, StateSnapshot } from '../state/index.ts';
import type { Job } from '../structs/job.ts';
import type { ClientEndpoints, HttpBackend } from './backend.ts';
import { serverQuery } from './blocking.ts';
import type { Handler } from './http_server.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import type { HttpMethod, Router } from './router.ts';

export type Body = Record<string, unknown>;

export class ApiContext {
  readonly backend: HttpBackend;
  readonly router: Router<Handler>;
  readonly random: () => number;

  constructor(backend: HttpBackend, router: Router<Handler>, random: () => number = Math.random) {
    this.backend = backend;
    this.router = router;
    this.random = random;
  }

  route(methods: HttpMethod | readonly HttpMethod[], pattern: string, handler: Handler): void {
    this.router.add(methods, pattern, handler);
  }

  server(): NonNullable<HttpBackend['server']> {
    const s = this.backend.server;
    if (s === undefined) throw new NomadError('unavailable', 'No cluster leader: this agent runs no server');
    return s;
  }

  client(): ClientEndpoints {
    const c = this.backend.client;
    if (c === undefined) throw new NomadError('bad_request', 'This agent is not running a client');
    return c;
  }

  /** A (possibly blocking) read of the server's state, with the query meta headers set. */
  query<T>(req: HttpRequest, res: HttpResponse, run: (snap: StateSnapshot) => QueryResult<T>): Promise<T> {
    return serverQuery(this.server(), req, res, run, this.random);
  }

  /** Sets X-Nomad-Index after a write, from the response's Index. */
  wrote<T extends { Index: number }>(res: HttpResponse, out: T): T {
    res.setHeader('X-Nomad-Index', String(out.Index));
    return out;
  }
}

/** The body as a JSON object; anything else is a 400. */
export function bodyObject(req: HttpRequest): Body {
  const v = req.json();
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw badRequest('Request body must be a JSON object');
  }
  return v as Body;
}

/** The body as a JSON object, or {} when there is none. */
export function optionalBodyObject(req: HttpRequest): Body {
  return req.body.length === 0 ? {} : bodyObject(req);
}

export function fieldString(body: Body, name: string, fallback = ''): string {
  const v = body[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw badRequest(`${name} must be a string: got ${JSON.stringify(v)}`);
  return v;
}

export function fieldBool(body: Body, name: string, fallback = false): boolean {
  const v = body[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw badRequest(`${name} must be a boolean: got ${JSON.stringify(v)}`);
  return v;
}

export function fieldInt(body: Body, name: string, fallback = 0): number {
  const v = body[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw badRequest(`${name} must be an integer: got ${JSON.stringify(v)}`);
  }
  return v;
}

export function fieldStrings(body: Body, name: string): string[] {
  const v = body[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw badRequest(`${name} must be a list of strings: got ${JSON.stringify(v)}`);
  }
  return v;
}

export function fieldStringMap(body: Body, name: string): Record<string, string> {
  const v = body[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw badRequest(`${name} must be a map of strings: got ${JSON.stringify(v)}`);
  }
  return v as Record<string, string>;
}

export function fieldObject(body: Body, name: string): Body | null {
  const v = body[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`${name} must be an object: got ${JSON.stringify(v)}`);
  return v as Body;
}

/** Nomad's not-found texts ("job not found"), which the CLI shows after the status code. */
export function notFoundError(what: string): NomadError {
  return new NomadError('not_found', `${what} not found`);
}

/** Matches list rows against ?prefix= on their ID. */
export function byPrefix<T extends { ID: string }>(rows: readonly T[], prefix: string): T[] {
  return prefix === '' ? [...rows] : rows.filter((r) => r.ID.startsWith(prefix));
}

/** ?namespace=*: every namespace; otherwise one. */
export function inNamespace<T extends { Namespace: string }>(rows: readonly T[], namespace: string): T[] {
  return namespace === '*' ? [...rows] : rows.filter((r) => r.Namespace === namespace);
}

/** The job, or a 404 as Nomad words it ("job not found"). */
export function mustJob(snap: StateSnapshot, namespace: string, id: string): Job {
  const job = snap.jobByID(namespace, id);
  if (job === undefined) throw notFoundError('job');
  return job;
}
