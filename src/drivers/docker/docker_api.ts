/**
 * A small client of the Docker Engine API over its unix socket, with node:http alone (no dockerode:
 * the agent stays small and starts fast). JSON calls share a keep-alive pool; streams (logs, wait,
 * pulls) get their own connection, since they stay open for as long as a container runs.
 */
import { Agent, request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
/** A JSON call that takes longer than this has failed (pulls and waits are streams, without it). */
export const DOCKER_REQUEST_TIMEOUT_MS_MAX = 60_000;
/** Connections kept for JSON calls. */
const POOL_SOCKETS_MAX = 16;
/** Bytes of a JSON response (inspect, stats) accepted before giving up. */
export const DOCKER_RESPONSE_BYTES_MAX = 16 * 1024 * 1024;

/** The engine refused a call: status and its message. */
export class DockerApiError extends Error {
  override name = 'DockerApiError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface CallOptions {
  query?: Query;
  body?: unknown;
  headers?: OutgoingHttpHeaders;
  timeoutMs?: number;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof DockerApiError && err.status === 404;
}

function pathWithQuery(path: string, query: Query | undefined): string {
  if (query === undefined) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

/** Reads a whole response body, up to a limit. */
export function readBody(res: IncomingMessage, limitBytes = DOCKER_RESPONSE_BYTES_MAX): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limitBytes) {
        res.destroy(new Error(`Docker response exceeds ${limitBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

function errorMessage(body: string, status: number): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch (err) {
    // Not JSON: the body itself is the message.
    void err;
  }
  return body.trim() === '' ? `Docker answered ${status}` : body.trim();
}

export class DockerApi {
  readonly socketPath: string;
  readonly #pool: Agent;

  constructor(opts: { socketPath?: string } = {}) {
    this.socketPath = opts.socketPath ?? DEFAULT_DOCKER_SOCKET;
    this.#pool = new Agent({ keepAlive: true, maxSockets: POOL_SOCKETS_MAX, maxFreeSockets: 4 });
  }

  /** A JSON call: resolves with the parsed body (undefined for an empty one), rejects with DockerApiError. */
  async json<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
    const res = await this.#send(method, path, opts, { pooled: true, body: jsonBody(opts.body) });
    const text = await readBody(res);
    if ((res.statusCode ?? 0) >= 400)
      throw new DockerApiError(res.statusCode ?? 0, errorMessage(text, res.statusCode ?? 0));
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }

  /** A streaming call: resolves with the open response once the engine accepted it. */
  async stream(
    method: string,
    path: string,
    opts: CallOptions & { upload?: Readable } = {},
  ): Promise<IncomingMessage> {
    const body = opts.upload ?? jsonBody(opts.body);
    const res = await this.#send(method, path, opts, { pooled: false, body });
    if ((res.statusCode ?? 0) >= 400) {
      const text = await readBody(res);
      throw new DockerApiError(res.statusCode ?? 0, errorMessage(text, res.statusCode ?? 0));
    }
    return res;
  }

  #send(
    method: string,
    path: string,
    opts: CallOptions,
    how: { pooled: boolean; body: string | Readable | undefined },
  ): Promise<IncomingMessage> {
    const headers: OutgoingHttpHeaders = { ...opts.headers };
    if (typeof how.body === 'string') {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(how.body);
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path: pathWithQuery(path, opts.query),
          headers,
          agent: how.pooled ? this.#pool : false,
        },
        (res) => {
          // The deadline covers a JSON call to its last byte; a stream is open-ended once accepted.
          if (!how.pooled) req.setTimeout(0);
          resolve(res);
        },
      );
      const timeoutMs = opts.timeoutMs ?? DOCKER_REQUEST_TIMEOUT_MS_MAX;
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => {
          req.destroy(new Error(`Docker call ${method} ${path} timed out after ${timeoutMs} ms`));
        });
      }
      req.once('error', reject);
      if (how.body === undefined || typeof how.body === 'string') req.end(how.body);
      else how.body.pipe(req);
    });
  }

  /** Closes pooled connections (the agent's shutdown). */
  close(): void {
    this.#pool.destroy();
  }
}

function jsonBody(body: unknown): string | undefined {
  return body === undefined ? undefined : JSON.stringify(body);
}

/**
 * Reads a stream of JSON messages (pull and load progress): one per line. Resolves when it ends;
 * a message with an "error" rejects, as the engine reports failures inside a 200 response.
 */
export function readJsonMessages(
  res: IncomingMessage,
  onMessage: (m: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let failed = false;
    const handle = (line: string): void => {
      if (line.trim() === '' || failed) return;
      const m = JSON.parse(line) as Record<string, unknown>;
      const detail = m['errorDetail'] as { message?: string } | undefined;
      const error = typeof m['error'] === 'string' ? m['error'] : detail?.message;
      if (error !== undefined) {
        failed = true;
        res.destroy();
        reject(new DockerApiError(500, error));
        return;
      }
      onMessage(m);
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          handle(line);
        } catch (err) {
          failed = true;
          res.destroy();
          reject(err as Error);
        }
      }
      if (buf.length > DOCKER_RESPONSE_BYTES_MAX) res.destroy(new Error('Docker progress line too long'));
    });
    res.once('end', () => {
      if (failed) return;
      try {
        handle(buf);
        if (!failed) resolve();
      } catch (err) {
        reject(err as Error);
      }
    });
    res.once('error', (err) => {
      if (!failed) reject(err);
    });
  });
}
