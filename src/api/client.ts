/**
 * The typed client of the HTTP API (Nomad's api package). The CLI talks to agents only through
 * this. It loads on every CLI start, so it stays small: node:http and nothing else at runtime.
 *
 * Every query returns { data, meta } with Nomad's QueryMeta (LastIndex for the next blocking
 * query); every write returns { data, meta } with the write's index. A non-2xx answer rejects with
 * ApiError carrying the status and the body text, as "Unexpected response code: 404 (job not found)".
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export const DEFAULT_ADDRESS = 'http://127.0.0.1:4646';
/** The most of an error body kept in an ApiError's message. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The largest JSON response read into memory. */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export interface ClientConfig {
  address: string;
  token: string;
  region: string;
  namespace: string;
}

/** Reads NOMAD_ADDR, NOMAD_TOKEN, NOMAD_REGION and NOMAD_NAMESPACE. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ClientConfig {
  return {
    address: env['NOMAD_ADDR'] || DEFAULT_ADDRESS,
    token: env['NOMAD_TOKEN'] ?? '',
    region: env['NOMAD_REGION'] ?? '',
    namespace: env['NOMAD_NAMESPACE'] ?? '',
  };
}

export interface QueryOptions {
  region?: string;
  namespace?: string;
  prefix?: string;
  /** Blocking query: wait until the result's index passes this. */
  waitIndex?: number;
  /** How long a blocking query may wait, in milliseconds (the server caps it at 300 s). */
  waitTimeMs?: number;
  perPage?: number;
  nextToken?: string;
  reverse?: boolean;
  allowStale?: boolean;
  /** Extra query parameters; an array repeats the parameter. */
  params?: QueryParams;
  signal?: AbortSignal;
}

export type QueryParams = Record<string, string | readonly string[]>;

export interface WriteOptions {
  region?: string;
  namespace?: string;
  idempotencyToken?: string;
  params?: QueryParams;
  signal?: AbortSignal;
}

export interface QueryMeta {
  lastIndex: number;
  knownLeader: boolean;
  lastContactMs: number;
  nextToken: string;
  requestTimeMs: number;
}

export interface WriteMeta {
  lastIndex: number;
  requestTimeMs: number;
}

export interface Response<T, M> {
  data: T;
  meta: M;
}

export class ApiError extends Error {
  override name = 'ApiError';
  /** The HTTP status; 0 when no answer came (connection refused, reset). */
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string, message?: string, options?: { cause?: unknown }) {
    super(message ?? `Unexpected response code: ${status} (${body})`, options);
    this.status = status;
    this.body = body;
  }
}

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

interface RawOptions {
  method: Method;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

export class HttpTransport {
  readonly config: ClientConfig;
  readonly #base: URL;

  constructor(config: Partial<ClientConfig> = {}) {
    this.config = { ...configFromEnv(), ...stripUndefined(config) };
    this.#base = parseAddress(this.config.address);
  }

  async query<T>(path: string, opts: QueryOptions = {}): Promise<Response<T, QueryMeta>> {
    const started = performance.now();
    const res = await this.send({ method: 'GET', path, query: this.queryParams(opts), signal: opts.signal });
    const data = (await readJson(res)) as T;
    return { data, meta: { ...queryMetaOf(res), requestTimeMs: performance.now() - started } };
  }

  async write<T>(
    method: Method,
    path: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<Response<T, WriteMeta>> {
    const started = performance.now();
    const res = await this.send({ method, path, query: this.writeParams(opts), body, signal: opts.signal });
    const data = (await readJson(res)) as T;
    return {
      data,
      meta: { lastIndex: headerInt(res, 'x-nomad-index'), requestTimeMs: performance.now() - started },
    };
  }

  /** A GET whose answer is a stream: the caller reads the body (and must consume or destroy it). */
  async stream(path: string, opts: QueryOptions = {}): Promise<IncomingMessage> {
    return this.send({ method: 'GET', path, query: this.queryParams(opts), signal: opts.signal });
  }

  /** A GET whose answer is raw bytes (file contents, Prometheus text). */
  async raw(path: string, opts: QueryOptions = {}): Promise<Buffer> {
    const res = await this.send({ method: 'GET', path, query: this.queryParams(opts), signal: opts.signal });
    return readAll(res, MAX_RESPONSE_BYTES);
  }

  queryParams(opts: QueryOptions): URLSearchParams {
    const q = this.#commonParams(opts.region, opts.namespace, opts.params);
    if (opts.prefix) q.set('prefix', opts.prefix);
    if (opts.waitIndex !== undefined && opts.waitIndex > 0) q.set('index', String(opts.waitIndex));
    if (opts.waitTimeMs !== undefined && opts.waitTimeMs > 0)
      q.set('wait', `${Math.ceil(opts.waitTimeMs)}ms`);
    if (opts.perPage !== undefined && opts.perPage > 0) q.set('per_page', String(opts.perPage));
    if (opts.nextToken) q.set('next_token', opts.nextToken);
    if (opts.reverse) q.set('reverse', 'true');
    if (opts.allowStale) q.set('stale', '');
    return q;
  }

  writeParams(opts: WriteOptions): URLSearchParams {
    const q = this.#commonParams(opts.region, opts.namespace, opts.params);
    if (opts.idempotencyToken) q.set('idempotency_token', opts.idempotencyToken);
    return q;
  }

  #commonParams(region?: string, namespace?: string, params?: QueryParams): URLSearchParams {
    const q = new URLSearchParams();
    const r = region || this.config.region;
    const ns = namespace || this.config.namespace;
    if (r) q.set('region', r);
    if (ns) q.set('namespace', ns);
    for (const [k, v] of Object.entries(params ?? {})) {
      if (typeof v === 'string') q.set(k, v);
      else for (const item of v) q.append(k, item);
    }
    return q;
  }

  send(opts: RawOptions): Promise<IncomingMessage> {
    const url = new URL(this.#base.href);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${opts.path}`;
    url.search = opts.query.toString();
    // A Buffer goes as it is (a snapshot file); anything else as JSON.
    const binary = Buffer.isBuffer(opts.body);
    const payload =
      opts.body === undefined
        ? undefined
        : binary
          ? (opts.body as Buffer)
          : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.config.token) headers['X-Nomad-Token'] = this.config.token;
    if (payload !== undefined) {
      headers['Content-Type'] = binary ? 'application/octet-stream' : 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = requestFn(url, { method: opts.method, headers, signal: opts.signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        readAll(res, MAX_ERROR_BODY_BYTES, true).then(
          (buf) => reject(new ApiError(status, buf.toString('utf8').trim())),
          (err: unknown) => reject(err),
        );
      });
      req.on('error', (err) => reject(connectionError(opts.method, url, err)));
      req.end(payload);
    });
  }
}

function stripUndefined(c: Partial<ClientConfig>): Partial<ClientConfig> {
  const out: Partial<ClientConfig> = {};
  for (const [k, v] of Object.entries(c) as [keyof ClientConfig, string | undefined][]) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function parseAddress(address: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(address) ? address : `http://${address}`;
  try {
    return new URL(withScheme);
  } catch (err) {
    throw new ApiError(0, '', `Invalid Nomad address "${address}"`, { cause: err });
  }
}

function connectionError(method: string, url: URL, err: Error): Error {
  if (err.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === 'ECONNREFUSED' ? 'connect: connection refused' : err.message;
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  return new ApiError(0, '', `${verb} "${url.href}": dial tcp ${url.host}: ${reason}`, { cause: err });
}

function headerInt(res: IncomingMessage, name: string): number {
  const v = res.headers[name];
  const n = typeof v === 'string' ? Number(v) : 0;
  return Number.isFinite(n) ? n : 0;
}

function queryMetaOf(res: IncomingMessage): Omit<QueryMeta, 'requestTimeMs'> {
  const next = res.headers['x-nomad-nexttoken'];
  return {
    lastIndex: headerInt(res, 'x-nomad-index'),
    knownLeader: res.headers['x-nomad-knownleader'] === 'true',
    lastContactMs: headerInt(res, 'x-nomad-lastcontact'),
    nextToken: typeof next === 'string' ? next : '',
  };
}

async function readAll(res: IncomingMessage, maxBytes: number, truncate = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      if (truncate) {
        chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
        res.destroy();
        break;
      }
      res.destroy();
      throw new ApiError(res.statusCode ?? 0, '', `Response larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readJson(res: IncomingMessage): Promise<unknown> {
  const buf = await readAll(res, MAX_RESPONSE_BYTES);
  if (buf.length === 0) return null;
  try {
    return JSON.parse(buf.toString('utf8')) as unknown;
  } catch (err) {
    throw new ApiError(
      res.statusCode ?? 0,
      buf.subarray(0, 200).toString('utf8'),
      'Failed to decode response',
      {
        cause: err,
      },
    );
  }
}

/** Path segment escaping, as Go's url.PathEscape: IDs with "/" (dispatched jobs) stay one segment. */
export function esc(id: string): string {
  return encodeURIComponent(id);
}

/** Reads a stream of JSON values separated by newlines, yielding each parsed value. */
export async function* jsonLines(res: IncomingMessage, maxLineBytes: number): AsyncGenerator<unknown> {
  let pending = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    pending += chunk.toString('utf8');
    let nl = pending.indexOf('\n');
    while (nl !== -1) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== '') yield JSON.parse(line) as unknown;
      nl = pending.indexOf('\n');
    }
    if (pending.length > maxLineBytes) {
      res.destroy();
      throw new ApiError(res.statusCode ?? 0, '', `Stream line longer than ${maxLineBytes} bytes`);
    }
  }
  if (pending.trim() !== '') yield JSON.parse(pending) as unknown;
}

/**
 * Runs a streaming generator over the transport; when the caller's signal aborts, the stream ends
 * quietly instead of failing with the connection's reset.
 */
export async function* untilAborted<T>(
  signal: AbortSignal | undefined,
  gen: (t: HttpTransport) => AsyncGenerator<T>,
  transport: HttpTransport,
): AsyncGenerator<T> {
  try {
    yield* gen(transport);
  } catch (err) {
    if (signal?.aborted === true) return;
    throw err;
  }
}
