import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readFileSync, writeFileSync, writeSync, closeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FifoLogPump, RotatingFileWriter, logFileIndexes } from './log_rotator.ts';
import { eventually } from '../../drivers/conformance_test_suite.ts';

test('the writer rotates at max_file_size and keeps only max_files files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-logs-'));
  const w = new RotatingFileWriter({ dir, baseName: 'web.stdout', maxFiles: 3, maxFileSizeBytes: 10 });
  w.write(Buffer.from('0123456789abcdefghij'));
  w.write(Buffer.from('KLMNOPQRSTuvwxyz'));
  w.close();
  assert.deepEqual(logFileIndexes(dir, 'web.stdout'), [1, 2, 3]);
  assert.equal(readFileSync(join(dir, 'web.stdout.1'), 'utf8'), 'abcdefghij');
  assert.equal(readFileSync(join(dir, 'web.stdout.2'), 'utf8'), 'KLMNOPQRST');
  assert.equal(readFileSync(join(dir, 'web.stdout.3'), 'utf8'), 'uvwxyz');
});

test('a new writer continues with the highest-numbered file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-logs-'));
  writeFileSync(join(dir, 'web.stderr.4'), 'abc');
  writeFileSync(join(dir, 'web.stderr.2'), 'zzzzzzzzzz');
  const w = new RotatingFileWriter({ dir, baseName: 'web.stderr', maxFiles: 5, maxFileSizeBytes: 5 });
  w.write(Buffer.from('defg'));
  w.close();
  assert.equal(readFileSync(join(dir, 'web.stderr.4'), 'utf8'), 'abcde');
  assert.equal(readFileSync(join(dir, 'web.stderr.5'), 'utf8'), 'fg');
});

test('the pump copies what a writer puts into the FIFO, also after a pump restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-logs-'));
  const fifoPath = join(dir, '.web.stdout.fifo');
  const errors: Error[] = [];
  const opts = {
    fifoPath,
    dir,
    baseName: 'web.stdout',
    maxFiles: 2,
    maxFileSizeBytes: 1024,
    onError: (e: Error) => errors.push(e),
  };
  const p1 = new FifoLogPump(opts);
  const wfd = openSync(fifoPath, constants.O_RDWR);
  writeSync(wfd, 'first\n');
  await eventually(() => readFileSync(join(dir, 'web.stdout.0'), 'utf8') === 'first\n');
  await p1.close();
  // Written while no agent reads: waits in the pipe until the next pump.
  writeSync(wfd, 'second\n');
  const p2 = new FifoLogPump(opts);
  await eventually(() => readFileSync(join(dir, 'web.stdout.0'), 'utf8') === 'first\nsecond\n');
  closeSync(wfd);
  await p2.close();
  assert.deepEqual(errors, []);
});
