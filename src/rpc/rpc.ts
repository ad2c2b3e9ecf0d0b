/**
 * RPC between agents over TCP (port 4647): request/response calls and one-way messages, both on
 * one connection per peer. Used by clients to reach servers, by servers to forward to the leader,
 * and by raft. Errors cross the wire as { kind, message } and come back as NomadErrors.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { NomadError, type ErrorKind } from '../lib/errors.ts';
import { encodeFrame, FrameDecoder, type RpcFrame } from './frame.ts';

export type Handler = (body: unknown, peer: string) => Promise<unknown> | unknown;

/** Calls waiting for an answer on one connection, at most. */
export const PENDING_CALLS_MAX = 4096;
export const CALL_TIMEOUT_MS_DEFAULT = 10_000;
const CONNECT_TIMEOUT_MS = 2_000;

const KINDS: readonly ErrorKind[] = [
  'bad_request',
  'validation',
  'permission_denied',
  'not_found',
  'method_not_allowed',
  'conflict',
  'too_large',
  'unavailable',
  'timeout',
  'internal',
];

function toWireError(err: unknown): { kind: string; message: string } {
  if (err instanceof NomadError) return { kind: err.kind, message: err.message };
  return { kind: 'internal', message: err instanceof Error ? err.message : String(err) };
}

function fromWireError(e: { kind: string; message: string }): NomadError {
  const kind = (KINDS as readonly string[]).includes(e.kind) ? (e.kind as ErrorKind) : 'internal';
  return new NomadError(kind, e.message);
}

/** Serves handlers on a TCP port. */
export class RpcServer {
  private readonly handlers = new Map<string, Handler>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  handle(method: string, handler: Handler): void {
    this.handlers.set(method, handler);
  }

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr !== null ? addr.port : port;
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      let frames: RpcFrame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        socket.destroy(); // a peer that sends garbage is cut off
        return;
      }
      for (const f of frames) void this.dispatch(socket, f, peer);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async dispatch(socket: Socket, f: RpcFrame, peer: string): Promise<void> {
    if (f.t === 'res') return;
    const handler = this.handlers.get(f.method);
    if (f.t === 'msg') {
      if (handler !== undefined) {
        try {
          await handler(f.body, peer);
        } catch {
          // one-way messages have no one to answer; the handler logs what matters
        }
      }
      return;
    }
    let reply: RpcFrame;
    if (handler === undefined) {
      reply = {
        t: 'res',
        id: f.id,
        error: { kind: 'not_found', message: `Unknown RPC method "${f.method}"` },
      };
    } else {
      try {
        reply = { t: 'res', id: f.id, body: await handler(f.body, peer) };
      } catch (err) {
        reply = { t: 'res', id: f.id, error: toWireError(err) };
      }
    }
    if (!socket.destroyed) socket.write(encodeFrame(reply));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A connection to one peer, made on first use and remade after a failure. */
export class RpcClient {
  readonly address: string;
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private closed = false;

  constructor(address: string) {
    this.address = address;
  }

  async call(method: string, body: unknown, opts: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.pending.size >= PENDING_CALLS_MAX) {
      throw new NomadError(
        'unavailable',
        `Too many RPC calls waiting on ${this.address} (limit ${PENDING_CALLS_MAX})`,
      );
    }
    const socket = await this.connection();
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? CALL_TIMEOUT_MS_DEFAULT;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NomadError('timeout', `RPC ${method} to ${this.address} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.write(encodeFrame({ t: 'req', id, method, body }));
    });
  }

  /** A one-way message; resolves once written (or rejects when the peer can't be reached). */
  async send(method: string, body: unknown): Promise<void> {
    const socket = await this.connection();
    socket.write(encodeFrame({ t: 'msg', method, body }));
  }

  private connection(): Promise<Socket> {
    if (this.closed)
      return Promise.reject(new NomadError('unavailable', `RPC client to ${this.address} is closed`));
    if (this.socket !== undefined && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.dial().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private dial(): Promise<Socket> {
    const { host, port } = splitAddress(this.address);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new NomadError(
            'unavailable',
            `Could not connect to ${this.address} within ${CONNECT_TIMEOUT_MS} ms`,
          ),
        );
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.attach(socket);
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new NomadError('unavailable', `Could not connect to ${this.address}: ${err.message}`, {
            cause: err,
          }),
        );
      });
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      let frames: RpcFrame[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        socket.destroy(err instanceof Error ? err : undefined);
        return;
      }
      for (const f of frames) {
        if (f.t !== 'res') continue;
        const p = this.pending.get(f.id);
        if (p === undefined) continue;
        this.pending.delete(f.id);
        clearTimeout(p.timer);
        if (f.error !== undefined) p.reject(fromWireError(f.error));
        else p.resolve(f.body);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new NomadError('unavailable', `Connection to ${this.address} closed`));
        this.pending.delete(id);
      }
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}

export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new NomadError('bad_request', `Invalid address "${address}": want host:port`);
  }
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port };
}
