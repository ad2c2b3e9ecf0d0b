/**
 * What a handler may do to the response besides returning a JSON body: set Nomad's query meta
 * headers, or take over the response for streaming (logs, the event stream).
 */
import type { ServerResponse } from 'node:http';

/** Nomad's QueryMeta, sent as X-Nomad-Index, X-Nomad-KnownLeader, X-Nomad-LastContact, X-Nomad-NextToken. */
export interface QueryMeta {
  index: number;
  knownLeader: boolean;
  lastContactMs: number;
  nextToken?: string;
}

/** Returned by a handler that wrote the response itself. */
export const STREAMED: unique symbol = Symbol('streamed');

/** A non-JSON body: returned by handlers of text endpoints (Prometheus metrics, file contents). */
export class RawBody {
  readonly contentType: string;
  readonly data: string | Buffer;
  constructor(contentType: string, data: string | Buffer) {
    this.contentType = contentType;
    this.data = data;
  }
}

export class HttpResponse {
  readonly raw: ServerResponse;

  constructor(raw: ServerResponse) {
    this.raw = raw;
  }

  setHeader(name: string, value: string): void {
    this.raw.setHeader(name, value);
  }

  setMeta(meta: QueryMeta): void {
    this.raw.setHeader('X-Nomad-Index', String(meta.index));
    this.raw.setHeader('X-Nomad-KnownLeader', String(meta.knownLeader));
    this.raw.setHeader('X-Nomad-LastContact', String(Math.max(0, Math.floor(meta.lastContactMs))));
    if (meta.nextToken !== undefined && meta.nextToken !== '') {
      this.raw.setHeader('X-Nomad-NextToken', meta.nextToken);
    }
  }

  /** Starts a chunked streaming response; write with writeChunk, finish with raw.end(). */
  startStream(contentType: string): void {
    this.raw.statusCode = 200;
    this.raw.setHeader('Content-Type', contentType);
    this.raw.setHeader('Cache-Control', 'no-cache');
    this.raw.flushHeaders();
  }

  /**
   * Writes one chunk and waits for the socket to drain when its buffer is full, so a slow reader
   * slows the producer rather than growing memory without bound.
   */
  async writeChunk(data: string | Buffer, signal: AbortSignal): Promise<void> {
    if (this.raw.destroyed || signal.aborted) return;
    if (this.raw.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.raw.once('drain', done);
      this.raw.once('close', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
