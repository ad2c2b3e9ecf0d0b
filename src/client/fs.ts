/**
 * Reading an allocation's directory for the HTTP API (Nomad's /v1/client/fs/{ls,stat,cat,readat,
 * logs}/:alloc_id). Every path is resolved inside the allocation's directory, symlinks included:
 * a path that leads outside (../../etc/passwd, a symlink to /) is refused.
 */
import {
  closeSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { NomadError } from '../lib/errors.ts';
import { logFileIndexes } from './logs/log_rotator.ts';

/** Largest cat/readAt answer; ask for ranges beyond it. */
export const FS_READ_MAX_BYTES = 16 * 1024 * 1024;
/** Largest chunk of one log frame. */
export const LOG_FRAME_MAX_BYTES = 64 * 1024;
/** How often a followed log is checked for new bytes or a new file. */
export const LOG_FOLLOW_POLL_MS = 100;
export const FS_LS_ENTRIES_MAX = 10_000;

export interface AllocFileInfo {
  Name: string;
  IsDir: boolean;
  Size: number;
  FileMode: string;
  ModTime: string;
  ContentType: string;
}

export interface LogFrame {
  /** The file this chunk came from, e.g. "web.stdout.3". */
  File: string;
  /** Offset of the chunk's end within that file (as Nomad's StreamFrame). */
  Offset: number;
  Data: Buffer;
}

export interface LogsOptions {
  origin?: 'start' | 'end';
  /** Bytes from the origin. */
  offset?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

function modeString(st: Stats): string {
  const t = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'L' : st.isFIFO() ? 'p' : '-';
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += st.mode & (1 << (8 - i)) ? bits[i] : '-';
  return t + s;
}

function info(name: string, st: Stats): AllocFileInfo {
  return {
    Name: name,
    IsDir: st.isDirectory(),
    Size: st.size,
    FileMode: modeString(st),
    ModTime: st.mtime.toISOString(),
    ContentType: st.isDirectory() ? '' : 'application/octet-stream',
  };
}

export class AllocFs {
  readonly #allocDir: string;

  constructor(allocDir: string) {
    this.#allocDir = allocDir;
  }

  /** The real path of `path` inside the allocation's directory; throws when it escapes or is missing. */
  resolve(allocId: string, path: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(allocId))
      throw new NomadError('bad_request', `Invalid allocation ID "${allocId}"`);
    const root = join(this.#allocDir, allocId);
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch (err) {
      throw new NomadError('not_found', `Unknown allocation "${allocId}"`, { cause: err });
    }
    const lexical = resolve(realRoot, `.${sep}${path}`);
    const inside = (p: string): boolean => p === realRoot || p.startsWith(realRoot + sep);
    if (!inside(lexical))
      throw new NomadError('permission_denied', `Path "${path}" escapes the allocation directory`);
    let real: string;
    try {
      real = realpathSync(lexical);
    } catch (err) {
      throw new NomadError('not_found', `stat ${path}: no such file or directory`, { cause: err });
    }
    if (!inside(real))
      throw new NomadError('permission_denied', `Path "${path}" escapes the allocation directory`);
    return real;
  }

  ls(allocId: string, path: string): AllocFileInfo[] {
    const dir = this.resolve(allocId, path);
    if (!statSync(dir).isDirectory())
      throw new NomadError('bad_request', `Path "${path}" is not a directory`);
    const names = readdirSync(dir).sort().slice(0, FS_LS_ENTRIES_MAX);
    return names.map((n) => info(n, lstatSync(join(dir, n))));
  }

  stat(allocId: string, path: string): AllocFileInfo {
    const p = this.resolve(allocId, path);
    return info(p.split(sep).pop() ?? '', statSync(p));
  }

  readAt(allocId: string, path: string, offset: number, limit: number): Buffer {
    const p = this.resolve(allocId, path);
    const st = statSync(p);
    if (st.isDirectory()) throw new NomadError('bad_request', `Path "${path}" is a directory`);
    if (!Number.isInteger(offset) || offset < 0)
      throw new NomadError('bad_request', `Offset must be >= 0: current value is ${offset}`);
    const want = Math.max(0, Math.min(limit < 0 ? st.size : limit, st.size - offset, FS_READ_MAX_BYTES));
    return readRange(p, offset, want);
  }

  cat(allocId: string, path: string): Buffer {
    const p = this.resolve(allocId, path);
    const st = statSync(p);
    if (st.size > FS_READ_MAX_BYTES) {
      throw new NomadError(
        'too_large',
        `File "${path}" is larger than ${FS_READ_MAX_BYTES} bytes: use readat`,
      );
    }
    return this.readAt(allocId, path, 0, -1);
  }

  /** A task's log as frames across its rotated files, optionally following new output. */
  async *logs(
    allocId: string,
    task: string,
    type: 'stdout' | 'stderr',
    opts: LogsOptions = {},
  ): AsyncGenerator<LogFrame> {
    if (!/^[^/\\]+$/.test(task) || task.startsWith('.'))
      throw new NomadError('bad_request', `Invalid task name "${task}"`);
    const dir = this.resolve(allocId, 'alloc/logs');
    const base = `${task}.${type}`;
    let { index, offset } = startPosition(dir, base, opts.origin ?? 'start', opts.offset ?? 0);
    for (;;) {
      if (opts.signal?.aborted === true) return;
      const file = `${base}.${index}`;
      const size = fileSize(join(dir, file));
      if (size > offset) {
        const n = Math.min(size - offset, LOG_FRAME_MAX_BYTES);
        const data = readRange(join(dir, file), offset, n);
        offset += data.length;
        yield { File: file, Offset: offset, Data: data };
        continue;
      }
      const next = logFileIndexes(dir, base).find((i) => i > index);
      if (next !== undefined) {
        index = next;
        offset = 0;
        continue;
      }
      if (opts.follow !== true) return;
      await new Promise((r) => setTimeout(r, LOG_FOLLOW_POLL_MS));
    }
  }
}

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

function readRange(p: string, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(p, 'r');
  try {
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Where reading starts: from the first file, or `offset` bytes back from the end across files. */
function startPosition(
  dir: string,
  base: string,
  origin: 'start' | 'end',
  offset: number,
): { index: number; offset: number } {
  const idx = logFileIndexes(dir, base);
  if (idx.length === 0) return { index: 0, offset: 0 };
  if (origin === 'start') return { index: idx[0]!, offset: Math.max(0, offset) };
  let back = Math.max(0, offset);
  for (let i = idx.length - 1; i >= 0; i--) {
    const size = fileSize(join(dir, `${base}.${idx[i]}`));
    if (back <= size) return { index: idx[i]!, offset: size - back };
    back -= size;
  }
  return { index: idx[0]!, offset: 0 };
}
