import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, parseCron } from './cron.ts';

test('parseCron() reads five-field expressions with lists, ranges, steps and names', () => {
  const c = parseCron('*/15 9-17 1,15 JAN-MAR MON-FRI');
  assert.deepEqual([...c.minutes.values], [0, 15, 30, 45]);
  assert.deepEqual([...c.hours.values], [9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual([...c.daysOfMonth.values], [1, 15]);
  assert.deepEqual([...c.months.values], [1, 2, 3]);
  assert.deepEqual([...c.daysOfWeek.values], [1, 2, 3, 4, 5]);
  assert.deepEqual([...c.seconds.values], [0]);
});

test('parseCron() reads shorthands, seconds and years, and Sunday as 7', () => {
  assert.deepEqual([...parseCron('@daily').hours.values], [0]);
  assert.deepEqual([...parseCron('@hourly').minutes.values], [0]);
  const c = parseCron('30 0 12 * * 7 2030');
  assert.deepEqual([...c.seconds.values], [30]);
  assert.deepEqual([...c.daysOfWeek.values], [0]);
  assert.deepEqual([...c.years.values], [2030]);
});

test('parseCron() reads L, W and # in the day fields', () => {
  const c = parseCron('0 0 L,15W * 5L,MON#2');
  assert.equal(c.lastDayOfMonth, true);
  assert.deepEqual(c.nearestWeekdays, [15]);
  assert.deepEqual(c.lastWeekdays, [5]);
  assert.deepEqual(c.nthWeekdays, [{ day: 1, nth: 2 }]);
});

test('parseCron() refuses malformed expressions, saying why', () => {
  const cases: [string, RegExp][] = [
    ['61 * * * *', /minutes "61" is out of range 0-59/],
    ['* * *', /expected 5 to 7 fields, found 3/],
    ['* * * FOO *', /"FOO" is not a valid month/],
    ['5-1 * * * *', /goes backwards/],
    ['*/0 * * * *', /step "0" in minutes must be a positive number/],
    ['@sometimes', /unknown shorthand/],
    ['? * * * *', /"\?" is only allowed in the day fields/],
  ];
  for (const [spec, re] of cases)
    assert.throws(
      () => parseCron(spec),
      (e: Error) => e instanceof CronError && re.test(e.message),
      spec,
    );
});
