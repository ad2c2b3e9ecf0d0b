/**
 * Streams a container's stdout and stderr (the engine's logs, followed) into the task's stdoutPath
 * and stderrPath: the FIFOs or files the client's log hook reads and rotates.
 *
 * Every log line carries the engine's timestamp; the newest one written is checkpointed to a small
 * file, so a restarted agent resumes with `since` where the last one stopped (lines at or before the
 * checkpoint are skipped: nothing is lost, and at most one checkpoint interval is written twice).
 */
import { closeSync, createWriteStream, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { openTaskOutput } from '../process/spawn_detached.ts';
import { isNotFound, type DockerApi } from './docker_api.ts';

/** How often the newest written timestamp is saved. */
export const LOG_CHECKPOINT_MS = 1_000;
/** Reconnects to a running container's log stream before giving up. */
export const LOG_RECONNECTS_MAX = 10;
const RECONNECT_DELAY_MS = 500;
/** A line the engine sends larger than this (it splits at 16 KiB) means a corrupt stream. */
const FRAME_BYTES_MAX = 1024 * 1024;

export interface LogFrame {
  stream: 'stdout' | 'stderr';
  payload: Buffer;
}

/** Splits the engine's multiplexed stream (8-byte headers: stream, 0, 0, 0, size) into frames. */
export class FrameDecoder {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): LogFrame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: LogFrame[] = [];
    while (this.#buf.length >= 8) {
      const size = this.#buf.readUInt32BE(4);
      if (size > FRAME_BYTES_MAX)
        throw new Error(`Docker log frame of ${size} bytes exceeds ${FRAME_BYTES_MAX}`);
      if (this.#buf.length < 8 + size) break;
      const type = this.#buf[0];
      out.push({ stream: type === 2 ? 'stderr' : 'stdout', payload: this.#buf.subarray(8, 8 + size) });
      this.#buf = this.#buf.subarray(8 + size);
    }
    return out;
  }
}

/** A TTY container's stream is not multiplexed: lines, all stdout. */
export class LineDecoder {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): LogFrame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: LogFrame[] = [];
    let nl: number;
    while ((nl = this.#buf.indexOf(10)) >= 0) {
      out.push({ stream: 'stdout', payload: this.#buf.subarray(0, nl + 1) });
      this.#buf = this.#buf.subarray(nl + 1);
    }
    if (this.#buf.length > FRAME_BYTES_MAX) {
      out.push({ stream: 'stdout', payload: this.#buf });
      this.#buf = Buffer.alloc(0);
    }
    return out;
  }
}

const TS_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** RFC 3339 with nanoseconds (as the engine writes it) to nanoseconds since the epoch. */
export function parseTimestampNs(ts: string): bigint | undefined {
  const m = TS_RE.exec(ts);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The engine's `since` parameter: "seconds.nanoseconds". */
export function sinceParam(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

/** Splits "<timestamp> <line>" as the engine sends it with timestamps=1. */
export function splitTimestamp(payload: Buffer): { ns: bigint | undefined; line: Buffer } {
  const sp = payload.indexOf(32);
  if (sp <= 0) return { ns: undefined, line: payload };
  const ns = parseTimestampNs(payload.subarray(0, sp).toString('latin1'));
  return ns === undefined ? { ns, line: payload } : { ns, line: payload.subarray(sp + 1) };
}

export function readCheckpoint(path: string): bigint {
  try {
    const t = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(t) ? BigInt(t) : 0n;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
    throw err;
  }
}

/** Opens a task output for the agent to write: a FIFO as a non-blocking pipe, a file appended to. */
function openOutput(path: string): Writable {
  const fd = openTaskOutput(path);
  let fifo = false;
  try {
    fifo = statSync(path).isFIFO();
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fifo ? new Socket({ fd, readable: false, writable: true }) : createWriteStream('', { fd });
}

export interface ContainerLogsOptions {
  containerId: string;
  stdoutPath: string;
  stderrPath: string;
  tty: boolean;
  checkpointFile: string;
}

export class ContainerLogs {
  readonly #api: DockerApi;
  readonly #opts: ContainerLogsOptions;
  #lastNs: bigint;
  #savedNs: bigint;
  #res: IncomingMessage | undefined;
  #outputs: { stdout: Writable; stderr: Writable } | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly done: Promise<void>;
  #resolveDone!: () => void;
  /** Why the stream ended early, if it did (reported with the exit). */
  error: string | undefined;

  constructor(api: DockerApi, opts: ContainerLogsOptions) {
    this.#api = api;
    this.#opts = opts;
    this.#lastNs = readCheckpoint(opts.checkpointFile);
    this.#savedNs = this.#lastNs;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Starts following; runs until the container stops or stop() is called. */
  start(): void {
    this.#outputs = { stdout: openOutput(this.#opts.stdoutPath), stderr: openOutput(this.#opts.stderrPath) };
    for (const out of Object.values(this.#outputs)) {
      out.on('error', (err: Error) => {
        this.error = `Failed to write task logs: ${err.message}`;
        this.stop();
      });
    }
    this.#checkpointTimer = setInterval(() => this.#checkpoint(), LOG_CHECKPOINT_MS);
    this.#checkpointTimer.unref();
    void this.#follow();
  }

  async #follow(): Promise<void> {
    for (let attempt = 0; !this.#stopped && attempt <= LOG_RECONNECTS_MAX; attempt += 1) {
      try {
        await this.#streamOnce();
        if (this.#stopped || !(await this.#running())) break;
      } catch (err) {
        if (this.#stopped) break;
        if (isNotFound(err)) break;
        this.error = `Docker log stream failed: ${(err as Error).message}`;
      }
      await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
    }
    this.#finish();
  }

  async #running(): Promise<boolean> {
    try {
      const c = await this.#api.json<{ State: { Running: boolean } }>(
        'GET',
        `/containers/${this.#opts.containerId}/json`,
      );
      return c.State.Running;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async #streamOnce(): Promise<void> {
    const res = await this.#api.stream('GET', `/containers/${this.#opts.containerId}/logs`, {
      query: {
        follow: 1,
        stdout: 1,
        stderr: 1,
        timestamps: 1,
        since: this.#lastNs > 0n ? sinceParam(this.#lastNs) : undefined,
      },
      timeoutMs: 0,
    });
    this.#res = res;
    if (this.#stopped) res.destroy();
    const decoder = this.#opts.tty ? new LineDecoder() : new FrameDecoder();
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        try {
          for (const f of decoder.push(chunk)) this.#write(res, f);
        } catch (err) {
          res.destroy(err as Error);
        }
      });
      res.once('end', resolve);
      res.once('close', resolve);
      res.once('error', reject);
    });
    this.#res = undefined;
  }

  #write(res: IncomingMessage, frame: LogFrame): void {
    const { ns, line } = splitTimestamp(frame.payload);
    if (ns !== undefined) {
      // Already written before a reconnect or an agent restart.
      if (ns <= this.#lastNs) return;
      this.#lastNs = ns;
    }
    const out = this.#outputs![frame.stream];
    if (!out.write(line)) {
      res.pause();
      out.once('drain', () => res.resume());
    }
  }

  #checkpoint(): void {
    if (this.#lastNs === this.#savedNs) return;
    const tmp = `${this.#opts.checkpointFile}.tmp`;
    writeFileSync(tmp, String(this.#lastNs));
    renameSync(tmp, this.#opts.checkpointFile);
    this.#savedNs = this.#lastNs;
  }

  #finish(): void {
    clearInterval(this.#checkpointTimer);
    try {
      this.#checkpoint();
    } catch (err) {
      this.error ??= `Failed to save the log checkpoint: ${(err as Error).message}`;
    }
    const outs = this.#outputs === undefined ? [] : Object.values(this.#outputs);
    let open = outs.length;
    if (open === 0) this.#resolveDone();
    for (const out of outs) {
      out.end(() => {
        open -= 1;
        if (open === 0) this.#resolveDone();
      });
    }
  }

  /** Stops following (destroy). The outputs are closed once the stream unwinds. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#res?.destroy();
  }
}
