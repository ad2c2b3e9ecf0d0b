import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.ts';

test('parseDuration() reads Go durations into nanoseconds', () => {
  assert.equal(parseDuration('10s'), 10e9);
  assert.equal(parseDuration('1h30m'), 5400e9);
  assert.equal(parseDuration('250ms'), 250e6);
  assert.equal(parseDuration('1.5s'), 1.5e9);
  assert.equal(parseDuration('0'), 0);
});

test('parseDuration() refuses text that is not a duration, quoting it', () => {
  assert.throws(() => parseDuration('ten seconds'), /invalid duration "ten seconds"/);
  assert.throws(() => parseDuration('10'), /invalid duration "10"/);
  assert.throws(() => parseDuration(''), /invalid duration ""/);
});

test('formatDuration() prints what Go prints', () => {
  assert.equal(formatDuration(10e9), '10s');
  assert.equal(formatDuration(3600e9), '1h0m0s');
  assert.equal(formatDuration(90e9), '1m30s');
  assert.equal(formatDuration(250e6), '250ms');
  assert.equal(formatDuration(0), '0s');
});
