/**
 * Times as Nomad's CLI prints them: ISO 8601 in the local zone (`2019-08-31T22:58:40Z`, or with an
 * offset such as `-07:00`), and differences as the two largest units (`5m ago`, `1h5m ago`, `3s from now`).
 */

const NS_PER_MS = 1e6;

/** ISO 8601 with the zone's offset ("Z" for UTC), to the second; "" for a zero or pre-epoch time. */
export function formatTime(ms: number, opts: { utcOffsetMin?: number } = {}): string {
  if (!Number.isFinite(ms) || ms < 1000) return '';
  const offsetMin = opts.utcOffsetMin ?? -new Date(ms).getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const clock = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `${date}T${clock}${formatOffset(offsetMin)}`;
}

function formatOffset(offsetMin: number): string {
  if (offsetMin === 0) return 'Z';
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Unix nanoseconds (as the API's CreateTime fields) to milliseconds. */
export function nsToMs(ns: number): number {
  return Math.floor(ns / NS_PER_MS);
}

/** An RFC 3339 text from the API (StartedAt, Timestamp) to milliseconds; 0 for null or Go's zero time. */
export function rfc3339ToMs(text: string | null | undefined): number {
  if (text === null || text === undefined || text === '' || text.startsWith('0001-01-01')) return 0;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? 0 : ms;
}

const UNITS: readonly [string, number][] = [
  ['y', 0], // whatever is left after months
  ['mo', 12],
  ['d', 30],
  ['h', 24],
  ['m', 60],
  ['s', 60],
];

/**
 * The difference between a time and now in the two largest units: "41s ago", "33m46s ago",
 * "1h5m ago", "2d3h from now". Both times are rounded to the second first. "" for a zero time.
 */
export function prettyTimeDiff(thenMs: number, nowMs: number): string {
  if (thenMs === 0) return '';
  const a = Math.round(thenMs / 1000);
  const b = Math.round(nowMs / 1000);
  const suffix = b >= a ? 'ago' : 'from now';
  let rest = Math.abs(b - a);
  const parts: string[] = [];
  // Peel units off from the smallest: seconds, minutes, hours, days, months, then years.
  for (let i = UNITS.length - 1; i >= 0; i--) {
    const [unit, size] = UNITS[i]!;
    const value = size === 0 ? rest : rest % size;
    rest = size === 0 ? 0 : Math.floor(rest / size);
    if (value > 0) parts.unshift(`${value}${unit}`);
    if (rest === 0) break;
  }
  if (parts.length === 0) return `0s ${suffix}`;
  return `${parts.slice(0, 2).join('')} ${suffix}`;
}

/**
 * A duration as Go prints it (time.Duration.String), from nanoseconds: "10s", "1m30s", "1h0m0s",
 * "1.5s", "250ms". Used wherever Nomad prints a duration value.
 */
export function formatDurationNs(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e9) {
    if (n < 1e3) out = `${n}ns`;
    else if (n < 1e6) out = `${trimNumber(n / 1e3)}µs`;
    else out = `${trimNumber(n / 1e6)}ms`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const s = trimNumber(n / 1e9);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

function trimNumber(x: number): string {
  return Number(x.toFixed(9)).toString();
}
