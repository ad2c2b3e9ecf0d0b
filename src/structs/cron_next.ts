/**
 * Next launch times of a parsed cron schedule (src/structs/cron.ts) in an IANA time zone, read
 * through Intl: the schedule is matched against the zone's wall clock, as Nomad's periodic
 * dispatcher does with Go's time.Location. A wall time that a daylight-saving jump skips maps to
 * the instant the zone's offset before the jump gives it (so it still fires, shifted by the jump).
 */
import { NomadError } from '../lib/errors.ts';
import { parseCron, type CronSchedule } from './cron.ts';
import type { Job } from './job.ts';

/** The search gives up (no launch) after this many calendar steps: e.g. "30 2 30 2 *" never matches. */
export const CRON_SEARCH_STEPS_MAX = 200_000;
const YEAR_MAX = 2099;
const MS_PER_S = 1000;
const MS_PER_MIN = 60 * MS_PER_S;
const MS_PER_HOUR = 60 * MS_PER_MIN;
const MS_PER_DAY = 24 * MS_PER_HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (err) {
      throw new NomadError('validation', `Invalid time zone "${timeZone}"`, { cause: err });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Checks that a time zone name is one Intl knows ("" and "UTC" are always valid). */
export function checkTimeZone(timeZone: string): void {
  if (timeZone !== '') formatter(timeZone);
}

/**
 * The wall-clock time of an instant in a zone, encoded as the UTC epoch milliseconds of the same
 * fields (so calendar arithmetic can use Date's UTC methods).
 */
export function wallMsOf(utcMs: number, timeZone: string): number {
  if (timeZone === '' || timeZone === 'UTC') return utcMs;
  const parts = formatter(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  const secondMs = Math.floor(utcMs / MS_PER_S) * MS_PER_S;
  return (
    Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) +
    (utcMs - secondMs)
  );
}

/** The instant at which a zone's wall clock shows the given fields (see the module comment for gaps). */
export function utcMsOfWall(wallMs: number, timeZone: string): number {
  if (timeZone === '' || timeZone === 'UTC') return wallMs;
  const offset1 = wallMsOf(wallMs, timeZone) - wallMs;
  const guess = wallMs - offset1;
  const offset2 = wallMsOf(guess, timeZone) - guess;
  if (offset1 === offset2) return guess;
  const second = wallMs - offset2;
  return wallMsOf(second, timeZone) === wallMs ? second : Math.min(guess, second);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday (Mon-Fri) of the month nearest to day n, never leaving the month (cron's nW). */
function nearestWeekday(year: number, month: number, n: number): number {
  const dim = daysInMonth(year, month);
  const d = Math.min(n, dim);
  const wd = weekday(year, month, d);
  if (wd === 6) return d === 1 ? 3 : d - 1;
  if (wd === 0) return d === dim ? d - 2 : d + 1;
  return d;
}

function lastWeekdayOfMonth(year: number, month: number): number {
  const dim = daysInMonth(year, month);
  const wd = weekday(year, month, dim);
  return wd === 6 ? dim - 1 : wd === 0 ? dim - 2 : dim;
}

function domMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  if (s.daysOfMonth.values.has(day)) return true;
  if (s.lastDayOfMonth && day === daysInMonth(year, month)) return true;
  if (s.lastWeekdayOfMonth && day === lastWeekdayOfMonth(year, month)) return true;
  return s.nearestWeekdays.some((n) => nearestWeekday(year, month, n) === day);
}

function dowMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  const wd = weekday(year, month, day);
  if (s.daysOfWeek.values.has(wd)) return true;
  if (s.lastWeekdays.includes(wd) && day + 7 > daysInMonth(year, month)) return true;
  return s.nthWeekdays.some((x) => x.day === wd && Math.ceil(day / 7) === x.nth);
}

/** Cron's day rule: with both day fields restricted, either one matching is enough. */
function dayMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  const domRestricted = !s.daysOfMonth.any;
  const dowRestricted = !s.daysOfWeek.any;
  if (domRestricted && dowRestricted)
    return domMatches(s, year, month, day) || dowMatches(s, year, month, day);
  if (domRestricted) return domMatches(s, year, month, day);
  if (dowRestricted) return dowMatches(s, year, month, day);
  return true;
}

/** The first wall time at or after `wallMs` (second resolution) that the schedule matches. */
export function nextWallMatch(s: CronSchedule, wallMs: number): number | undefined {
  let t = Math.ceil(wallMs / MS_PER_S) * MS_PER_S;
  for (let step = 0; step < CRON_SEARCH_STEPS_MAX; step++) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    if (year > YEAR_MAX) return undefined;
    if (!s.years.values.has(year)) {
      t = Date.UTC(year + 1, 0, 1);
    } else if (!s.months.values.has(month)) {
      t = Date.UTC(year, month, 1);
    } else if (!dayMatches(s, year, month, day)) {
      t = Date.UTC(year, month - 1, day) + MS_PER_DAY;
    } else if (!s.hours.values.has(d.getUTCHours())) {
      t = Date.UTC(year, month - 1, day, d.getUTCHours()) + MS_PER_HOUR;
    } else if (!s.minutes.values.has(d.getUTCMinutes())) {
      t = Date.UTC(year, month - 1, day, d.getUTCHours(), d.getUTCMinutes()) + MS_PER_MIN;
    } else if (!s.seconds.values.has(d.getUTCSeconds())) {
      t += MS_PER_S;
    } else {
      return t;
    }
  }
  return undefined;
}

/** The first launch strictly after `afterMs` (epoch ms), or undefined when there is none. */
export function nextCronTime(s: CronSchedule, afterMs: number, timeZone = 'UTC'): number | undefined {
  let wall = wallMsOf(Math.floor(afterMs / MS_PER_S) * MS_PER_S + MS_PER_S, timeZone);
  for (let attempt = 0; attempt < 4; attempt++) {
    const match = nextWallMatch(s, wall);
    if (match === undefined) return undefined;
    const utc = utcMsOfWall(match, timeZone);
    if (utc > afterMs) return utc;
    // A wall time repeated by a daylight-saving fold maps to an instant already passed: move on.
    wall = match + MS_PER_S;
  }
  return undefined;
}

/** The first launch of a periodic job strictly after `afterMs`, over all of its specs. */
export function nextLaunchMs(job: Pick<Job, 'Periodic'>, afterMs: number): number | undefined {
  const p = job.Periodic;
  if (p === null || !p.Enabled) return undefined;
  const specs = p.Specs !== null && p.Specs.length > 0 ? p.Specs : [p.Spec];
  let best: number | undefined;
  for (const spec of specs) {
    if (spec === '') continue;
    const next = nextCronTime(parseCron(spec), afterMs, p.TimeZone === '' ? 'UTC' : p.TimeZone);
    if (next !== undefined && (best === undefined || next < best)) best = next;
  }
  return best;
}
