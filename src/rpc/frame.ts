/**
 * The wire format between agents: length-prefixed frames over TCP. Each frame is a 4-byte
 * big-endian length followed by that many bytes of UTF-8 JSON (one RpcFrame). Simple to read in
 * a packet capture, and fast enough: raft batches many entries into one frame.
 */
import { NomadError } from '../lib/errors.ts';

/** A frame larger than this is refused: it would be a bug or an attack, not a message. */
export const FRAME_BYTES_MAX = 256 * 1024 * 1024;

export type RpcFrame =
  | { t: 'req'; id: number; method: string; body: unknown }
  | { t: 'res'; id: number; body?: unknown; error?: { kind: string; message: string } }
  | { t: 'msg'; method: string; body: unknown };

export function encodeFrame(frame: RpcFrame): Buffer {
  const json = Buffer.from(JSON.stringify(frame), 'utf8');
  if (json.length > FRAME_BYTES_MAX) {
    throw new NomadError(
      'too_large',
      `RPC frame of ${json.length} bytes exceeds the limit of ${FRAME_BYTES_MAX}`,
    );
  }
  const out = Buffer.allocUnsafe(4 + json.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

/** Accumulates bytes from a stream and yields whole frames. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes; returns the frames completed by them. Throws on a malformed or oversized frame. */
  push(chunk: Buffer): RpcFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: RpcFrame[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const len = head.readUInt32BE(0);
      if (len > FRAME_BYTES_MAX) {
        throw new NomadError(
          'too_large',
          `RPC frame of ${len} bytes exceeds the limit of ${FRAME_BYTES_MAX}`,
        );
      }
      if (this.buffered < 4 + len) break;
      const all = this.take(4 + len);
      frames.push(parseFrame(all.subarray(4)));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}

function parseFrame(bytes: Buffer): RpcFrame {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new NomadError('bad_request', 'RPC frame is not valid JSON', { cause: err });
  }
  if (typeof value !== 'object' || value === null || !('t' in value)) {
    throw new NomadError('bad_request', 'RPC frame has no type');
  }
  const t = (value as { t: unknown }).t;
  if (t !== 'req' && t !== 'res' && t !== 'msg')
    throw new NomadError('bad_request', `RPC frame has an unknown type "${String(t)}"`);
  return value as RpcFrame;
}
