/** Go-style durations ("10s", "1h30m", "250ms"), as Nomad's job files and API use them, in nanoseconds. */
import { NomadError } from './errors.ts';

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration string into nanoseconds; throws a bad_request error naming the text. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let sign = 1;
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    i = 1;
  }
  let total = 0;
  let matched = false;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (m === null) break;
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    i = re.lastIndex;
    matched = true;
  }
  if (!matched || i !== s.length) {
    throw new NomadError('bad_request', `time: invalid duration "${text}"`);
  }
  return Math.round(sign * total);
}

/** Formats nanoseconds the way Go's time.Duration.String() does: "1h0m0s", "10s", "1.5s", "250ms". */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(ns);
  let out: string;
  if (n < 1e9) {
    if (n < 1e3) out = `${n}ns`;
    else if (n < 1e6) out = `${trim(n / 1e3)}µs`;
    else out = `${trim(n / 1e6)}ms`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const sec = trim(n / 1e9);
    out = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
  }
  return neg ? `-${out}` : out;
}

function trim(x: number): string {
  return Number(x.toFixed(9)).toString();
}
