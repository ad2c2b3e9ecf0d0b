/**
 * Cron expressions as Nomad's periodic block reads them (the gorhill/cronexpr dialect): 5 fields
 * (minute hour day-of-month month day-of-week), 6 (plus a year), or 7 (a seconds field first, a
 * year last); names for months and weekdays; `*`, `?`, lists, ranges and steps; `L`, `W` and `#`
 * in the day fields; and the shorthands @yearly, @annually, @monthly, @weekly, @daily, @midnight,
 * @hourly. parseCron() returns the fields as sets so a dispatcher can compute launch times.
 */

export interface CronField {
  /** The values the field allows (for the day fields: before L/W/# are applied). */
  values: ReadonlySet<number>;
  /** The field was `*` or `?`. */
  any: boolean;
}

export interface CronSchedule {
  seconds: CronField;
  minutes: CronField;
  hours: CronField;
  daysOfMonth: CronField;
  months: CronField;
  daysOfWeek: CronField;
  years: CronField;
  /** Day-of-month `L` (last day), `LW` (last weekday), `nW` (weekday nearest n). */
  lastDayOfMonth: boolean;
  lastWeekdayOfMonth: boolean;
  nearestWeekdays: readonly number[];
  /** Day-of-week `nL` (last n-day of the month) and `n#k` (k-th n-day). */
  lastWeekdays: readonly number[];
  nthWeekdays: readonly { day: number; nth: number }[];
}

const SHORTHANDS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 * *',
  '@annually': '0 0 0 1 1 * *',
  '@monthly': '0 0 0 1 * * *',
  '@weekly': '0 0 0 * * 0 *',
  '@daily': '0 0 0 * * * *',
  '@midnight': '0 0 0 * * * *',
  '@hourly': '0 0 * * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const CRON_LENGTH_MAX = 1000;

interface Range {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  namesFrom?: number;
}

const FIELDS: readonly Range[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, namesFrom: 0 },
  { name: 'year', min: 1970, max: 2099 },
];

export class CronError extends Error {
  override name = 'CronError';
}

/** Parses a cron expression; throws a CronError whose message says what is wrong. */
export function parseCron(spec: string): CronSchedule {
  const text = spec.trim();
  if (text.length > CRON_LENGTH_MAX)
    throw new CronError(`expression is longer than ${CRON_LENGTH_MAX} characters`);
  const expanded = SHORTHANDS[text.toLowerCase()] ?? text;
  if (expanded.startsWith('@')) throw new CronError(`unknown shorthand ${JSON.stringify(text)}`);
  let parts = expanded.split(/\s+/);
  if (parts.length === 5) parts = ['0', ...parts, '*'];
  else if (parts.length === 6) parts = ['0', ...parts];
  else if (parts.length !== 7) throw new CronError(`expected 5 to 7 fields, found ${parts.length}`);
  const extras = {
    lastDayOfMonth: false,
    lastWeekdayOfMonth: false,
    nearestWeekdays: [] as number[],
    lastWeekdays: [] as number[],
    nthWeekdays: [] as { day: number; nth: number }[],
  };
  const fields = parts.map((p, i) => parseField(p, FIELDS[i]!, extras));
  const dow = fields[5]!;
  if (dow.values.has(7)) {
    const values = new Set(dow.values);
    values.delete(7);
    values.add(0);
    fields[5] = { values, any: dow.any };
  }
  return {
    seconds: fields[0]!,
    minutes: fields[1]!,
    hours: fields[2]!,
    daysOfMonth: fields[3]!,
    months: fields[4]!,
    daysOfWeek: fields[5]!,
    years: fields[6]!,
    ...extras,
  };
}

interface Extras {
  lastDayOfMonth: boolean;
  lastWeekdayOfMonth: boolean;
  nearestWeekdays: number[];
  lastWeekdays: number[];
  nthWeekdays: { day: number; nth: number }[];
}

function parseField(text: string, range: Range, extras: Extras): CronField {
  if (text === '*' || text === '?') {
    if (text === '?' && range.name !== 'day of month' && range.name !== 'day of week') {
      throw new CronError(`"?" is only allowed in the day fields, not in ${range.name}`);
    }
    return { values: fullRange(range), any: true };
  }
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new CronError(`empty list item in ${range.name} field ${JSON.stringify(text)}`);
    if (special(item, range, extras)) continue;
    for (const v of parseItem(item, range)) values.add(v);
  }
  return { values, any: false };
}

/** Handles L, W and # in the day fields; returns false when the item is an ordinary one. */
function special(item: string, range: Range, extras: Extras): boolean {
  const upper = item.toUpperCase();
  if (range.name === 'day of month') {
    if (upper === 'L') return (extras.lastDayOfMonth = true);
    if (upper === 'LW') return (extras.lastWeekdayOfMonth = true);
    const w = /^(\d+)W$/.exec(upper);
    if (w !== null) {
      extras.nearestWeekdays.push(checked(Number(w[1]), range, item));
      return true;
    }
  }
  if (range.name === 'day of week') {
    const l = /^(\w+)L$/.exec(upper);
    if (l !== null) {
      extras.lastWeekdays.push(checked(value(l[1]!, range), range, item) % 7);
      return true;
    }
    const nth = /^(\w+)#(\d+)$/.exec(upper);
    if (nth !== null) {
      const k = Number(nth[2]);
      if (k < 1 || k > 5) throw new CronError(`"#${k}" in ${JSON.stringify(item)} must be between 1 and 5`);
      extras.nthWeekdays.push({ day: checked(value(nth[1]!, range), range, item) % 7, nth: k });
      return true;
    }
  }
  return false;
}

function parseItem(item: string, range: Range): number[] {
  const [base, stepText, extra] = item.split('/');
  if (extra !== undefined) throw new CronError(`too many "/" in ${JSON.stringify(item)}`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
      throw new CronError(`step ${JSON.stringify(stepText)} in ${range.name} must be a positive number`);
    }
    step = Number(stepText);
  }
  let lo: number;
  let hi: number;
  if (base === '*' || base === '?') {
    lo = range.min;
    hi = range.max;
  } else {
    const [a, b, more] = base!.split('-');
    if (more !== undefined) throw new CronError(`too many "-" in ${JSON.stringify(item)}`);
    lo = checked(value(a!, range), range, item);
    hi = b === undefined ? (stepText === undefined ? lo : range.max) : checked(value(b, range), range, item);
    if (hi < lo) throw new CronError(`range ${JSON.stringify(item)} in ${range.name} goes backwards`);
  }
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
}

function value(text: string, range: Range): number {
  if (/^\d+$/.test(text)) return Number(text);
  const idx = range.names?.indexOf(text.toLowerCase()) ?? -1;
  if (idx < 0) throw new CronError(`${JSON.stringify(text)} is not a valid ${range.name}`);
  return idx + (range.namesFrom ?? 0);
}

function checked(v: number, range: Range, item: string): number {
  if (v < range.min || v > range.max) {
    throw new CronError(`${range.name} ${JSON.stringify(item)} is out of range ${range.min}-${range.max}`);
  }
  return v;
}

function fullRange(range: Range): Set<number> {
  const out = new Set<number>();
  for (let v = range.min; v <= range.max; v++) out.add(range.name === 'day of week' ? v % 7 : v);
  return out;
}
