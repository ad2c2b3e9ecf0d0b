process.env.TZ = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextLaunchText } from './periodic.ts';

const periodic = (spec: string, enabled = true) => ({
  Periodic: {
    Enabled: enabled,
    Spec: spec,
    Specs: null,
    SpecType: 'cron',
    ProhibitOverlap: false,
    TimeZone: '',
  },
});

test('nextLaunchText() prints the next launch and the whole-second gap as a Go duration', () => {
  const now = Date.UTC(2026, 10, 25, 8, 30, 0, 700);
  assert.equal(nextLaunchText(periodic('0 0 1 1 *'), now), '2027-01-01T00:00:00Z (879h30m0s from now)');
  assert.equal(nextLaunchText(periodic('*/5 * * * *'), now), '2026-11-25T08:35:00Z (5m0s from now)');
});

test('nextLaunchText() has nothing to say for a disabled or absent schedule', () => {
  assert.equal(nextLaunchText(periodic('0 0 1 1 *', false), 0), null);
  assert.equal(nextLaunchText({ Periodic: null }, 0), null);
});
