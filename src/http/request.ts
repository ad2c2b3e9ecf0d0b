/**
 * One API request as handlers see it: the matched path params, the query string with typed getters
 * that name the bad parameter, the body (already read within the size limit), and Nomad's query
 * options (namespace, region, blocking index and wait, pagination).
 */
import { parseDuration } from '../lib/duration.ts';
import { badRequest } from '../lib/errors.ts';
import { DEFAULT_NAMESPACE } from '../structs/job.ts';

/** Nomad's MaxBlockingRPCQueryTime and DefaultBlockingRPCQueryTime: 300 s. */
export const MAX_BLOCKING_QUERY_WAIT_MS = 300_000;
export const DEFAULT_BLOCKING_QUERY_WAIT_MS = 300_000;
/** Blocking queries add up to wait/16 of random jitter, as Nomad does (JitterFraction). */
export const BLOCKING_JITTER_FRACTION = 16;
/** The most items one page may hold; larger per_page values are refused. */
export const MAX_PER_PAGE = 10_000;

export interface BlockingOptions {
  /** 0 = not a blocking query. */
  minIndex: number;
  /** How long to block, already clamped to MAX_BLOCKING_QUERY_WAIT_MS (jitter not included). */
  waitMs: number;
}

export interface PageOptions {
  /** 0 = no pagination. */
  perPage: number;
  nextToken: string;
  reverse: boolean;
}

export interface HttpRequestInit {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
  /** The agent's region, used when the request names none. */
  defaultRegion: string;
}

export class HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly signal: AbortSignal;
  readonly #defaultRegion: string;

  constructor(init: HttpRequestInit) {
    this.method = init.method;
    this.path = init.path;
    this.query = init.query;
    this.params = init.params;
    this.headers = init.headers;
    this.body = init.body;
    this.signal = init.signal;
    this.#defaultRegion = init.defaultRegion;
  }

  /** A path parameter the route guarantees. */
  param(name: string): string {
    const v = this.params[name];
    if (v === undefined || v === '') throw badRequest(`Missing ${name}`);
    return v;
  }

  /** The ACL token from X-Nomad-Token or "Authorization: Bearer". ACLs are off: accepted, unused. */
  token(): string {
    const h = this.headers['x-nomad-token'];
    if (typeof h === 'string' && h !== '') return h;
    const auth = this.headers['authorization'];
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
    return '';
  }

  /** The body parsed as JSON; a malformed or empty body is a 400. */
  json(): unknown {
    if (this.body.length === 0) throw badRequest('Request body is empty');
    try {
      return JSON.parse(this.body.toString('utf8')) as unknown;
    } catch (err) {
      throw badRequest(`Failed to parse request body as JSON: ${(err as Error).message}`, err);
    }
  }

  /** The body as JSON when there is one, else undefined (POST endpoints whose body is optional). */
  optionalJson(): unknown {
    return this.body.length === 0 ? undefined : this.json();
  }

  str(name: string, fallback = ''): string {
    return this.query.get(name) ?? fallback;
  }

  /** Go's strconv.ParseBool over the query parameter; present without a value means true. */
  bool(name: string, fallback = false): boolean {
    const v = this.query.get(name);
    if (v === null) return fallback;
    if (v === '') return true;
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
    throw badRequest(`Invalid value for query parameter "${name}": expected true or false, got "${v}"`);
  }

  /** A non-negative integer query parameter. */
  int(name: string, fallback = 0): number {
    const v = this.query.get(name);
    if (v === null || v === '') return fallback;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw badRequest(
        `Invalid value for query parameter "${name}": expected a non-negative integer, got "${v}"`,
      );
    }
    return Number(v);
  }

  /** Go duration query parameter ("30s", "5m") in milliseconds. */
  durationMs(name: string, fallbackMs: number): number {
    const v = this.query.get(name);
    if (v === null || v === '') return fallbackMs;
    try {
      return parseDuration(v) / 1e6;
    } catch (err) {
      throw badRequest(`Invalid value for query parameter "${name}": invalid duration "${v}"`, err);
    }
  }

  namespace(): string {
    return this.str('namespace') || DEFAULT_NAMESPACE;
  }

  region(): string {
    return this.str('region') || this.#defaultRegion;
  }

  prefix(): string {
    return this.str('prefix');
  }

  blocking(): BlockingOptions {
    const minIndex = this.int('index');
    let waitMs = this.durationMs('wait', 0);
    if (waitMs < 0) throw badRequest(`Invalid value for query parameter "wait": must not be negative`);
    if (waitMs === 0) waitMs = DEFAULT_BLOCKING_QUERY_WAIT_MS;
    return { minIndex, waitMs: Math.min(waitMs, MAX_BLOCKING_QUERY_WAIT_MS) };
  }

  page(): PageOptions {
    const perPage = this.int('per_page');
    if (perPage > MAX_PER_PAGE) {
      throw badRequest(
        `Invalid value for query parameter "per_page": at most ${MAX_PER_PAGE}, got ${perPage}`,
      );
    }
    return { perPage, nextToken: this.str('next_token'), reverse: this.bool('reverse') };
  }
}
