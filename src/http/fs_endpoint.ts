/**
 * An allocation's files through the local client: /v1/client/fs/{ls,stat,cat,readat,stream,logs}
 * and the host's stats (/v1/client/stats). Logs follow Nomad's rules: a task's log is a series of
 * rotated files "<task>.<type>.<n>"; origin=start counts the offset from the start of the oldest
 * file, origin=end back from the end of the newest; with follow the stream waits for more (and
 * for the next file) until the caller leaves. Frames are JSON lines with base64 Data, or raw bytes
 * with plain=true.
 */
import { NomadError, badRequest } from '../lib/errors.ts';
import type { AllocFileInfo, StreamFrame } from '../api/types.ts';
import type { ClientEndpoints } from './backend.ts';
import { ApiContext } from './api_context.ts';
import type { HttpRequest } from './request.ts';
import { HttpResponse, RawBody, STREAMED } from './response.ts';

/** Bytes read per chunk while streaming. */
export const STREAM_CHUNK_BYTES = 64 * 1024;
/** The most one cat or readat returns. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;
/** How often a followed file is checked for growth. */
export const FOLLOW_POLL_MS = 200;
/** An empty frame is sent this often on an idle followed stream, so proxies keep it open. */
export const STREAM_HEARTBEAT_MS = 10_000;

export const LOGS_DIR = 'alloc/logs';

export function registerFsRoutes(api: ApiContext): void {
  api.route('GET', '/v1/client/fs/ls/:alloc', async (req) => {
    const id = alloc(api, req);
    return api.client().fsList(id, req.str('path', '/'));
  });
  api.route('GET', '/v1/client/fs/stat/:alloc', async (req) => {
    const id = alloc(api, req);
    return api.client().fsStat(id, requirePath(req));
  });
  api.route('GET', '/v1/client/fs/cat/:alloc', (req) => cat(api, req));
  api.route('GET', '/v1/client/fs/readat/:alloc', (req) => readAt(api, req));
  api.route('GET', '/v1/client/fs/stream/:alloc', (req, res) => streamFile(api, req, res));
  api.route('GET', '/v1/client/fs/logs/:alloc', (req, res) => logs(api, req, res));
  api.route('GET', '/v1/client/stats', async () => api.client().hostStats());
}

/** The path's allocation ID, checked against the server's state when this agent has one. */
function alloc(api: ApiContext, req: HttpRequest): string {
  const id = req.param('alloc');
  const store = api.backend.server?.store;
  if (store !== undefined && store.snapshot().allocByID(id) === undefined) {
    throw new NomadError('not_found', `Unknown allocation "${id}"`);
  }
  return id;
}

function requirePath(req: HttpRequest): string {
  const path = req.str('path');
  if (path === '') throw badRequest('Must provide a file path');
  return path;
}

async function cat(api: ApiContext, req: HttpRequest): Promise<RawBody> {
  const id = alloc(api, req);
  const client = api.client();
  const path = requirePath(req);
  const info = await client.fsStat(id, path);
  if (info.IsDir) throw badRequest(`Path "${path}" is a directory`);
  if (info.Size > MAX_READ_BYTES)
    throw badRequest(`File "${path}" is larger than ${MAX_READ_BYTES} bytes: use readat`);
  return new RawBody('text/plain; charset=utf-8', await client.fsReadAt(id, path, 0, -1));
}

async function readAt(api: ApiContext, req: HttpRequest): Promise<RawBody> {
  const id = alloc(api, req);
  const path = requirePath(req);
  const offset = req.int('offset');
  const limit = req.query.has('limit') ? req.int('limit') : MAX_READ_BYTES;
  if (limit > MAX_READ_BYTES) throw badRequest(`limit must be at most ${MAX_READ_BYTES}: got ${limit}`);
  return new RawBody('application/octet-stream', await api.client().fsReadAt(id, path, offset, limit));
}

/** One file of a stream: its path and the logical offset at which it starts. */
interface Cursor {
  index: number;
  path: string;
  offset: number;
}

type FileSeries = (signal: AbortSignal) => Promise<{ index: number; path: string; size: number }[]>;

function parseOrigin(req: HttpRequest): 'start' | 'end' {
  const origin = req.str('origin', 'start');
  if (origin !== 'start' && origin !== 'end')
    throw badRequest(`origin must be "start" or "end": got "${origin}"`);
  return origin;
}

async function logs(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<typeof STREAMED> {
  const id = alloc(api, req);
  const client = api.client();
  const task = req.str('task');
  if (task === '') throw badRequest('Must provide task name');
  const type = req.str('type', 'stdout');
  if (type !== 'stdout' && type !== 'stderr')
    throw badRequest(`type must be "stdout" or "stderr": got "${type}"`);
  const origin = parseOrigin(req);
  const offset = req.int('offset');
  const follow = req.bool('follow');
  const plain = req.bool('plain');
  checkTask(api, id, task);
  const re = new RegExp(`^${task.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.${type}\\.(\\d+)$`);
  const series: FileSeries = async () => {
    const entries = await client.fsList(id, LOGS_DIR).catch((err: unknown) => {
      if (err instanceof NomadError && err.kind === 'not_found') return [] as AllocFileInfo[];
      throw err;
    });
    return entries
      .flatMap((e) => {
        const m = re.exec(e.Name);
        return m === null || e.IsDir
          ? []
          : [{ index: Number(m[1]), path: `${LOGS_DIR}/${e.Name}`, size: e.Size }];
      })
      .sort((a, b) => a.index - b.index);
  };
  await streamSeries(client, id, req, res, { series, origin, offset, follow, plain });
  return STREAMED;
}

async function streamFile(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<typeof STREAMED> {
  const id = alloc(api, req);
  const client = api.client();
  const path = requirePath(req);
  const info = await client.fsStat(id, path);
  if (info.IsDir) throw badRequest(`Path "${path}" is a directory`);
  const series: FileSeries = async () => [{ index: 0, path, size: (await client.fsStat(id, path)).Size }];
  const opts = {
    series,
    origin: parseOrigin(req),
    offset: req.int('offset'),
    follow: req.bool('follow', true),
    plain: false,
  };
  await streamSeries(client, id, req, res, opts);
  return STREAMED;
}

function checkTask(api: ApiContext, allocId: string, task: string): void {
  const a = api.backend.server?.store.snapshot().allocByID(allocId);
  const group = a?.Job?.TaskGroups.find((tg) => tg.Name === a.TaskGroup);
  if (group !== undefined && !group.Tasks.some((t) => t.Name === task)) {
    throw badRequest(`Failed to find task "${task}" in allocation "${allocId}"`);
  }
}

/** Where streaming starts: the file and the offset inside it for a logical offset from start or end. */
function startCursor(
  files: { index: number; path: string; size: number }[],
  origin: 'start' | 'end',
  offset: number,
): Cursor | undefined {
  if (files.length === 0) return undefined;
  if (origin === 'start') {
    let left = offset;
    for (const f of files) {
      if (left < f.size) return { index: f.index, path: f.path, offset: left };
      left -= f.size;
    }
    const last = files[files.length - 1]!;
    return { index: last.index, path: last.path, offset: last.size };
  }
  let left = offset;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    if (left <= f.size) return { index: f.index, path: f.path, offset: f.size - left };
    left -= f.size;
  }
  const first = files[0]!;
  return { index: first.index, path: first.path, offset: 0 };
}

interface SeriesOptions {
  series: FileSeries;
  origin: 'start' | 'end';
  offset: number;
  follow: boolean;
  plain: boolean;
}

async function streamSeries(
  client: ClientEndpoints,
  allocId: string,
  req: HttpRequest,
  res: HttpResponse,
  opts: SeriesOptions,
): Promise<void> {
  const signal = req.signal;
  let files = await opts.series(signal);
  let cursor: Cursor | undefined = startCursor(files, opts.origin, opts.offset);
  res.startStream(opts.plain ? 'text/plain; charset=utf-8' : 'application/json');
  let idleMs = 0;
  const send = (frame: StreamFrame, data: Buffer): Promise<void> =>
    res.writeChunk(opts.plain ? data : `${JSON.stringify(frame)}\n`, signal);
  while (!signal.aborted) {
    if (cursor !== undefined) {
      const chunk = await client.fsReadAt(allocId, cursor.path, cursor.offset, STREAM_CHUNK_BYTES);
      if (chunk.length > 0) {
        await send(
          { Offset: cursor.offset + chunk.length, Data: chunk.toString('base64'), File: cursor.path },
          chunk,
        );
        cursor = { ...cursor, offset: cursor.offset + chunk.length };
        idleMs = 0;
        continue;
      }
    }
    files = await opts.series(signal);
    if (cursor === undefined) {
      cursor = startCursor(files, opts.origin, opts.offset);
      if (cursor !== undefined) continue;
    } else {
      const at = cursor.index;
      const next = files.find((f) => f.index > at);
      if (next !== undefined) {
        cursor = { index: next.index, path: next.path, offset: 0 };
        continue;
      }
    }
    if (!opts.follow) break;
    await sleep(FOLLOW_POLL_MS, signal);
    idleMs += FOLLOW_POLL_MS;
    if (idleMs >= STREAM_HEARTBEAT_MS && !opts.plain) {
      await res.writeChunk('{}\n', signal);
      idleMs = 0;
    }
  }
  res.raw.end();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
