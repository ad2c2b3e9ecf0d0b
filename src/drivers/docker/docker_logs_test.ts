import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, LineDecoder, parseTimestampNs, sinceParam, splitTimestamp } from './docker_logs.ts';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

test('FrameDecoder splits the multiplexed stream into stdout and stderr frames across chunk borders', () => {
  const all = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err one\n'), frame(1, 'out two\n')]);
  for (const cut of [1, 5, 8, 9, 16, all.length - 1]) {
    const d = new FrameDecoder();
    const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => [f.stream, f.payload.toString()]),
      [
        ['stdout', 'out one\n'],
        ['stderr', 'err one\n'],
        ['stdout', 'out two\n'],
      ],
      `cut at ${cut}`,
    );
  }
});

test('FrameDecoder refuses a frame larger than its limit', () => {
  const h = Buffer.alloc(8);
  h[0] = 1;
  h.writeUInt32BE(64 * 1024 * 1024, 4);
  assert.throws(() => new FrameDecoder().push(h), /exceeds/);
});

test('LineDecoder reads a TTY stream as stdout lines', () => {
  const d = new LineDecoder();
  const frames = [...d.push(Buffer.from('a\nb')), ...d.push(Buffer.from('c\n'))];
  assert.deepEqual(
    frames.map((f) => [f.stream, f.payload.toString()]),
    [
      ['stdout', 'a\n'],
      ['stdout', 'bc\n'],
    ],
  );
});

test('engine timestamps keep nanoseconds, and `since` round-trips them', () => {
  assert.equal(parseTimestampNs('2024-05-01T12:34:56.123456789Z'), 1714566896123456789n);
  assert.equal(parseTimestampNs('2024-05-01T12:34:56.1Z'), 1714566896100000000n);
  assert.equal(parseTimestampNs('2024-05-01T12:34:56Z'), 1714566896000000000n);
  assert.equal(parseTimestampNs('2024-05-01T14:34:56.5+02:00'), 1714566896500000000n);
  assert.equal(parseTimestampNs('yesterday'), undefined);
  assert.equal(sinceParam(1714566896000000123n), '1714566896.000000123');
  const { ns, line } = splitTimestamp(Buffer.from('2024-05-01T12:34:56.000000001Z hello world\n'));
  assert.equal(ns, 1714566896000000001n);
  assert.equal(line.toString(), 'hello world\n');
  assert.equal(splitTimestamp(Buffer.from('no-timestamp here')).ns, undefined);
});
