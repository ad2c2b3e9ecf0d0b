/**
 * The HTTP API server: node:http, no framework. It reads the body within MAX_REQUEST_BODY_BYTES,
 * routes, runs the handler, and writes JSON (pretty with ?pretty) or a plain-text error whose status
 * comes from the one table of error kinds (src/lib/errors.ts). A bug in a handler is a 500 whose
 * body says nothing of the code; the detail goes to the log.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTTP_STATUS_BY_KIND, NomadError } from '../lib/errors.ts';
import { FORWARDED_HEADER, needsLeader, noLeader, proxyToLeader, type LeaderForwarding } from './forward.ts';
import type { Logger } from './logger.ts';
import { HttpRequest } from './request.ts';
import { HttpResponse, RawBody, STREAMED } from './response.ts';
import type { Router } from './router.ts';

/** The largest request body accepted: 8 MiB, far above any job file. Larger gets 413. */
export const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;
/** How long close() lets in-flight requests finish before cutting connections. */
export const SHUTDOWN_GRACE_MS = 2_000;

export type Handler = (req: HttpRequest, res: HttpResponse) => Promise<unknown>;

export interface HttpServerOptions {
  router: Router<Handler>;
  logger: Logger;
  /** The agent's region: the default for ?region=. */
  region: string;
  maxBodyBytes?: number;
  /** Sends what needs the leader to the leader, when this agent is not it (see forward.ts). */
  forward?: LeaderForwarding;
}

export class HttpServer {
  readonly #router: Router<Handler>;
  readonly #logger: Logger;
  readonly #region: string;
  readonly #maxBodyBytes: number;
  readonly #forward: LeaderForwarding | undefined;
  readonly #server: Server;
  /** One controller per in-flight request: close() aborts blocking queries and streams. */
  readonly #inflight = new Set<AbortController>();

  constructor(opts: HttpServerOptions) {
    this.#router = opts.router;
    this.#logger = opts.logger;
    this.#region = opts.region;
    this.#maxBodyBytes = opts.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
    this.#forward = opts.forward;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    // Blocking queries may legitimately wait 300 s plus jitter.
    this.#server.requestTimeout = 0;
    this.#server.headersTimeout = 60_000;
    this.#server.keepAliveTimeout = 30_000;
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        const addr = this.#server.address() as AddressInfo;
        resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  async close(): Promise<void> {
    for (const ac of this.#inflight) ac.abort();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => this.#server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    await closed;
    clearTimeout(timer);
  }

  async #handle(req: IncomingMessage, raw: ServerResponse): Promise<void> {
    const started = performance.now();
    const ac = new AbortController();
    this.#inflight.add(ac);
    raw.once('close', () => {
      ac.abort();
      this.#inflight.delete(ac);
    });
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const result = await this.#dispatch(req, raw, url, ac.signal);
      if (result !== STREAMED) this.#writeBody(raw, result, url.searchParams);
      else if (!raw.writableEnded) raw.end();
    } catch (err) {
      this.#writeError(raw, req, err);
    } finally {
      const durationMs = (performance.now() - started).toFixed(3);
      this.#logger.debug('request complete', {
        method: req.method,
        path: req.url,
        duration: `${durationMs}ms`,
      });
    }
  }

  async #dispatch(
    req: IncomingMessage,
    raw: ServerResponse,
    url: URL,
    signal: AbortSignal,
  ): Promise<unknown> {
    const method = req.method ?? 'GET';
    const match = this.#router.match(method, url.pathname);
    if (match.kind === 'not_found') throw new NomadError('not_found', `Invalid URL path: "${url.pathname}"`);
    if (match.kind === 'method_not_allowed') {
      raw.setHeader('Allow', match.allowed.join(', '));
      throw new NomadError('method_not_allowed', 'Invalid method');
    }
    const fwd = this.#forward;
    if (fwd !== undefined && needsLeader(method, url.pathname, url.searchParams, fwd.hasServer)) {
      const route = await fwd.route();
      if (route.kind !== 'local') {
        // A request forwarded once is never forwarded again: its sender thought we led.
        if (route.kind === 'none' || req.headers[FORWARDED_HEADER] !== undefined) throw noLeader();
        await proxyToLeader(req, raw, route.httpAddr, signal);
        return STREAMED;
      }
    }
    const body = await readBody(req, this.#maxBodyBytes);
    const request = new HttpRequest({
      method,
      path: url.pathname,
      query: url.searchParams,
      params: match.params,
      headers: req.headers,
      body,
      signal,
      defaultRegion: this.#region,
    });
    return await match.handler(request, new HttpResponse(raw));
  }

  #writeBody(raw: ServerResponse, result: unknown, query: URLSearchParams): void {
    if (result instanceof RawBody) {
      raw.setHeader('Content-Type', result.contentType);
      raw.end(result.data);
      return;
    }
    if (result === undefined) {
      raw.end();
      return;
    }
    const pretty = query.has('pretty') && query.get('pretty') !== '0';
    const text = pretty ? `${JSON.stringify(result, null, 4)}\n` : JSON.stringify(result);
    raw.setHeader('Content-Type', 'application/json');
    raw.end(text);
  }

  #writeError(raw: ServerResponse, req: IncomingMessage, err: unknown): void {
    const known = err instanceof NomadError;
    const status = known ? HTTP_STATUS_BY_KIND[err.kind] : 500;
    // A bug's message may carry internals; the log has it, the caller gets a plain sentence.
    const message = known ? err.message : 'Internal server error';
    if (status >= 500) {
      this.#logger.error('request failed', {
        method: req.method,
        path: req.url,
        error: describe(err),
        code: status,
      });
    } else {
      this.#logger.debug('request failed', {
        method: req.method,
        path: req.url,
        error: message,
        code: status,
      });
    }
    if (raw.headersSent) {
      // A stream already started: all we can do is end it.
      raw.destroy();
      return;
    }
    raw.statusCode = status;
    raw.setHeader('Content-Type', 'text/plain; charset=utf-8');
    if (status === 413) raw.setHeader('Connection', 'close');
    raw.end(message);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

/** Reads the whole body, refusing (413) as soon as it passes the limit. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed)
        reject(new NomadError('bad_request', `Failed to read request body: ${err.message}`, { cause: err }));
      failed = true;
    });
  });
}

function tooLarge(maxBytes: number): NomadError {
  return new NomadError('too_large', `Request body too large: the limit is ${maxBytes} bytes`);
}
