import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rngFromSeed } from '../lib/random.ts';
import { ManualClock } from '../../test/helpers/manual_clock.ts';
import { HeartbeatTimers, rateScaledIntervalMs } from './heartbeat.ts';

function setup(): { clock: ManualClock; timers: HeartbeatTimers; expired: string[] } {
  const clock = new ManualClock();
  const expired: string[] = [];
  const timers = new HeartbeatTimers({ clock, rng: rngFromSeed(3), onExpire: (id) => expired.push(id) });
  return { clock, timers, expired };
}

test('rateScaledIntervalMs() keeps the minimum for small clusters and scales with node count', () => {
  assert.equal(rateScaledIntervalMs(50, 10_000, 10), 10_000);
  assert.equal(rateScaledIntervalMs(50, 10_000, 10_000), 200_000);
});

test('reset() returns a TTL between the base and twice the base, and the node expires after TTL plus grace', () => {
  const { clock, timers, expired } = setup();
  const ttlMs = timers.reset('n1');
  assert.ok(ttlMs >= 10_000 && ttlMs < 20_000, `ttl ${ttlMs}`);
  clock.advance(ttlMs + 10_000 - 1);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, ['n1']);
  assert.equal(timers.has('n1'), false);
});

test('every heartbeat restarts the timer', () => {
  const { clock, timers, expired } = setup();
  for (let i = 0; i < 10; i++) {
    timers.reset('n1');
    clock.advance(15_000);
  }
  assert.deepEqual(expired, []);
  clock.advance(40_000);
  assert.deepEqual(expired, ['n1']);
});

test('TTLs grow with the number of tracked nodes', () => {
  const { timers } = setup();
  for (let i = 0; i < 2_000; i++) timers.reset(`n${i}`);
  const ttlMs = timers.reset('n-last');
  assert.ok(ttlMs >= 40_000, `ttl ${ttlMs} for 2,000 nodes`);
});

test('initialize() gives every node the failover TTL and clear() stops a timer', () => {
  const { clock, timers, expired } = setup();
  timers.initialize(['a', 'b']);
  timers.clear('b');
  clock.advance(299_999);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, ['a']);
  assert.equal(clock.pendingTimers(), 0);
});
