/**
 * Task logs without a helper process: the driver points the task's stdout/stderr at a FIFO
 * (alloc/logs/.<task>.stdout.fifo), and the agent reads the FIFO and writes rotated files
 * <task>.stdout.0, .1, ... of at most maxFileSizeBytes, keeping maxFiles of them.
 *
 * The FIFO is opened read-write on both ends, so neither side ever sees EOF or SIGPIPE: while the
 * agent is gone the task's writes wait in the pipe buffer (64 KiB; beyond that the task blocks) and
 * a restarted agent reopens the FIFO and carries on with the highest-numbered file.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';

/** Nomad's defaults: 10 files of 10 MB. */
export const DEFAULT_LOG_MAX_FILES = 10;
export const DEFAULT_LOG_MAX_FILE_SIZE_MB = 10;
/** How long close() waits for bytes still in flight in the pipe. */
export const LOG_DRAIN_MS = 50;

export function makeFifo(path: string): void {
  try {
    if (statSync(path).isFIFO()) return;
    rmSync(path, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  execFileSync('mkfifo', ['-m', '0600', path]);
}

/** Indexes of the existing <baseName>.N files in dir, ascending. */
export function logFileIndexes(dir: string, baseName: string): number[] {
  const prefix = `${baseName}.`;
  const out: number[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    const rest = f.slice(prefix.length);
    if (/^\d+$/.test(rest)) out.push(Number(rest));
  }
  return out.sort((a, b) => a - b);
}

/** Writes a byte stream into rotated files; picks up where an earlier writer left off. */
export class RotatingFileWriter {
  readonly #dir: string;
  readonly #base: string;
  readonly #maxFiles: number;
  readonly #maxBytes: number;
  #index: number;
  #fd: number;
  #size: number;

  constructor(opts: { dir: string; baseName: string; maxFiles: number; maxFileSizeBytes: number }) {
    this.#dir = opts.dir;
    this.#base = opts.baseName;
    this.#maxFiles = Math.max(1, opts.maxFiles);
    this.#maxBytes = Math.max(1, opts.maxFileSizeBytes);
    const existing = logFileIndexes(this.#dir, this.#base);
    this.#index = existing.at(-1) ?? 0;
    this.#fd = openSync(this.#path(this.#index), 'a');
    this.#size = fstatSync(this.#fd).size;
  }

  #path(i: number): string {
    return join(this.#dir, `${this.#base}.${i}`);
  }

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.#size >= this.#maxBytes) this.#rotate();
      const n = Math.min(chunk.length - off, this.#maxBytes - this.#size);
      const written = writeSync(this.#fd, chunk, off, n);
      off += written;
      this.#size += written;
    }
  }

  #rotate(): void {
    closeSync(this.#fd);
    this.#index += 1;
    this.#fd = openSync(this.#path(this.#index), 'a');
    this.#size = 0;
    for (const i of logFileIndexes(this.#dir, this.#base)) {
      if (i <= this.#index - this.#maxFiles) rmSync(this.#path(i), { force: true });
    }
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

/** Reads one FIFO into a RotatingFileWriter, on the event loop (no thread-pool reads). */
export class FifoLogPump {
  readonly #socket: Socket;
  readonly #writer: RotatingFileWriter;
  #closed = false;
  #onError: (err: Error) => void;

  constructor(opts: {
    fifoPath: string;
    dir: string;
    baseName: string;
    maxFiles: number;
    maxFileSizeBytes: number;
    onError: (err: Error) => void;
  }) {
    makeFifo(opts.fifoPath);
    this.#onError = opts.onError;
    this.#writer = new RotatingFileWriter(opts);
    const fd = openSync(opts.fifoPath, constants.O_RDWR | constants.O_NONBLOCK);
    this.#socket = new Socket({ fd, readable: true, writable: false });
    this.#socket.on('data', (chunk: Buffer) => {
      try {
        this.#writer.write(chunk);
      } catch (err) {
        this.#onError(err as Error);
      }
    });
    this.#socket.on('error', (err) => this.#onError(err));
    // The agent may exit while tasks still run: the pump must not keep it alive.
    this.#socket.unref();
  }

  /** Stops after the bytes already in the pipe are written. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise((r) => setTimeout(r, LOG_DRAIN_MS));
    this.#socket.destroy();
    this.#writer.close();
  }
}
