/**
 * An allocation's files, through the agent of the node that runs it: /v1/client/fs/{ls,stat,cat,
 * readat,stream,logs}/:alloc_id. Logs and streams come as frames (Data base64, as Go's []byte), or
 * as raw bytes with plain=true.
 */
import { esc, jsonLines, untilAborted } from './client.ts';
import type { HttpTransport, QueryOptions } from './client.ts';
import type { AllocFileInfo, StreamFrame } from './types.ts';

/** The longest single frame line accepted from a stream. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface LogsOptions {
  task: string;
  /** 'stdout' (default) or 'stderr'. */
  type?: 'stdout' | 'stderr';
  follow?: boolean;
  /** Where offset counts from: 'start' (default) or 'end' (for -tail). */
  origin?: 'start' | 'end';
  offset?: number;
  signal?: AbortSignal;
}

export class AllocFS {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  async list(allocId: string, path: string, opts: QueryOptions = {}): Promise<AllocFileInfo[]> {
    const params = { ...opts.params, path };
    return (await this.#t.query<AllocFileInfo[]>(`/v1/client/fs/ls/${esc(allocId)}`, { ...opts, params }))
      .data;
  }

  async stat(allocId: string, path: string, opts: QueryOptions = {}): Promise<AllocFileInfo> {
    const params = { ...opts.params, path };
    return (await this.#t.query<AllocFileInfo>(`/v1/client/fs/stat/${esc(allocId)}`, { ...opts, params }))
      .data;
  }

  cat(allocId: string, path: string, opts: QueryOptions = {}): Promise<Buffer> {
    const params = { ...opts.params, path };
    return this.#t.raw(`/v1/client/fs/cat/${esc(allocId)}`, { ...opts, params });
  }

  readAt(
    allocId: string,
    path: string,
    offset: number,
    limit: number,
    opts: QueryOptions = {},
  ): Promise<Buffer> {
    const params = { ...opts.params, path, offset: String(offset), limit: String(limit) };
    return this.#t.raw(`/v1/client/fs/readat/${esc(allocId)}`, { ...opts, params });
  }

  /** A task's log as frames; with follow, the stream stays open until signal aborts. */
  async *logs(allocId: string, opts: LogsOptions): AsyncGenerator<StreamFrame> {
    yield* untilAborted(
      opts.signal,
      async function* (t) {
        const res = await t.stream(`/v1/client/fs/logs/${esc(allocId)}`, logsQuery(opts, false));
        for await (const frame of jsonLines(res, MAX_FRAME_BYTES)) yield frame as StreamFrame;
      },
      this.#t,
    );
  }

  /** A task's log as raw bytes (plain=true). */
  async *logsPlain(allocId: string, opts: LogsOptions): AsyncGenerator<Buffer> {
    yield* untilAborted(
      opts.signal,
      async function* (t) {
        const res = await t.stream(`/v1/client/fs/logs/${esc(allocId)}`, logsQuery(opts, true));
        for await (const chunk of res as AsyncIterable<Buffer>) yield chunk;
      },
      this.#t,
    );
  }

  /** Any file of the allocation as frames, from offset; with follow, waits for more. */
  async *stream(
    allocId: string,
    path: string,
    opts: { offset?: number; origin?: 'start' | 'end'; follow?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<StreamFrame> {
    const params = {
      path,
      offset: String(opts.offset ?? 0),
      origin: opts.origin ?? 'start',
      follow: String(opts.follow ?? true),
    };
    const q: QueryOptions = { params, ...(opts.signal ? { signal: opts.signal } : {}) };
    yield* untilAborted(
      opts.signal,
      async function* (t) {
        const res = await t.stream(`/v1/client/fs/stream/${esc(allocId)}`, q);
        for await (const frame of jsonLines(res, MAX_FRAME_BYTES)) yield frame as StreamFrame;
      },
      this.#t,
    );
  }
}

function logsQuery(opts: LogsOptions, plain: boolean): QueryOptions {
  const params = {
    task: opts.task,
    type: opts.type ?? 'stdout',
    follow: String(opts.follow ?? false),
    origin: opts.origin ?? 'start',
    offset: String(opts.offset ?? 0),
    plain: String(plain),
  };
  return { params, ...(opts.signal ? { signal: opts.signal } : {}) };
}

/** The bytes a frame carries (empty for heartbeats and file events). */
export function frameData(frame: StreamFrame): Buffer {
  return frame.Data ? Buffer.from(frame.Data, 'base64') : Buffer.alloc(0);
}
