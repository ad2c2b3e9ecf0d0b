import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron } from './cron.ts';
import { checkTimeZone, nextCronTime } from './cron_next.ts';

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
const at = (s: string): number => Date.parse(s);

test('nextCronTime() finds the next minute, hour and day in UTC', () => {
  assert.equal(
    iso(nextCronTime(parseCron('*/15 * * * *'), at('2024-03-01T10:07:30Z'))),
    '2024-03-01T10:15:00.000Z',
  );
  assert.equal(
    iso(nextCronTime(parseCron('@hourly'), at('2024-03-01T10:00:00Z'))),
    '2024-03-01T11:00:00.000Z',
  );
  assert.equal(
    iso(nextCronTime(parseCron('@daily'), at('2024-12-31T23:59:59Z'))),
    '2025-01-01T00:00:00.000Z',
  );
  assert.equal(
    iso(nextCronTime(parseCron('30 4 * * mon'), at('2024-03-01T00:00:00Z'))),
    '2024-03-04T04:30:00.000Z',
  );
});

test('nextCronTime() is strictly after the given time', () => {
  const t = at('2024-03-01T10:15:00Z');
  assert.equal(iso(nextCronTime(parseCron('*/15 * * * *'), t)), '2024-03-01T10:30:00.000Z');
});

test('nextCronTime() reads the schedule on the wall clock of the time zone, across DST', () => {
  const nine = parseCron('0 9 * * *');
  // New York is UTC-5 in winter and UTC-4 after the second Sunday of March 2024.
  assert.equal(
    iso(nextCronTime(nine, at('2024-03-08T15:00:00Z'), 'America/New_York')),
    '2024-03-09T14:00:00.000Z',
  );
  assert.equal(
    iso(nextCronTime(nine, at('2024-03-09T15:00:00Z'), 'America/New_York')),
    '2024-03-10T13:00:00.000Z',
  );
  assert.equal(
    iso(nextCronTime(nine, at('2024-03-01T00:00:00Z'), 'Asia/Kolkata')),
    '2024-03-01T03:30:00.000Z',
  );
});

test('nextCronTime() fires a wall time skipped by spring forward, and once for a repeated one', () => {
  const twoThirty = parseCron('30 2 * * *');
  const skipped = nextCronTime(twoThirty, at('2024-03-10T05:00:00Z'), 'America/New_York');
  assert.ok(
    skipped !== undefined && skipped > at('2024-03-10T05:00:00Z') && skipped < at('2024-03-10T08:00:00Z'),
  );
  const oneThirty = parseCron('30 1 * * *');
  const first = nextCronTime(oneThirty, at('2024-11-03T04:00:00Z'), 'America/New_York');
  assert.equal(iso(first), '2024-11-03T05:30:00.000Z');
  const next = nextCronTime(oneThirty, first!, 'America/New_York');
  assert.ok(next !== undefined && next > first!);
});

test('nextCronTime() handles L, W, #, leap days and the year field', () => {
  assert.equal(
    iso(nextCronTime(parseCron('0 0 L * *'), at('2024-02-10T00:00:00Z'))),
    '2024-02-29T00:00:00.000Z',
  );
  assert.equal(
    iso(nextCronTime(parseCron('0 0 29 2 *'), at('2024-03-01T00:00:00Z'))),
    '2028-02-29T00:00:00.000Z',
  );
  // 2024-06-15 is a Saturday: the nearest weekday is Friday the 14th.
  assert.equal(
    iso(nextCronTime(parseCron('0 0 15W * *'), at('2024-06-01T00:00:00Z'))),
    '2024-06-14T00:00:00.000Z',
  );
  // The second Tuesday of April 2024 is the 9th.
  assert.equal(
    iso(nextCronTime(parseCron('0 0 * * 2#2'), at('2024-04-01T00:00:00Z'))),
    '2024-04-09T00:00:00.000Z',
  );
  assert.equal(
    iso(nextCronTime(parseCron('0 0 1 1 * 2030'), at('2024-04-01T00:00:00Z'))),
    '2030-01-01T00:00:00.000Z',
  );
  assert.equal(nextCronTime(parseCron('0 0 1 1 * 2020'), at('2024-04-01T00:00:00Z')), undefined);
});

test('with both day fields restricted, either matching is enough (crontab rule)', () => {
  // The 13th, or any Friday: from Monday 2024-09-02 the first is Friday the 6th.
  assert.equal(
    iso(nextCronTime(parseCron('0 0 13 * fri'), at('2024-09-02T00:00:00Z'))),
    '2024-09-06T00:00:00.000Z',
  );
});

test('checkTimeZone() refuses an unknown zone, quoting it', () => {
  checkTimeZone('Europe/Paris');
  assert.throws(() => checkTimeZone('Mars/Olympus'), /Invalid time zone "Mars\/Olympus"/);
});
