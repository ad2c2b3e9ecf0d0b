/** Time as the scheduler sees it: unix nanoseconds in, RFC 3339 strings where the model keeps them. */

const RFC3339_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 time (with up to nanosecond precision) to unix nanoseconds; NaN if invalid. */
export function rfc3339ToNs(text: string | null | undefined): number {
  if (text === null || text === undefined || text === '') return NaN;
  const m = RFC3339_RE.exec(text);
  if (m === null) return NaN;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return NaN;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return ms * 1e6 + Number(frac);
}

/** Formats unix nanoseconds as RFC 3339 in UTC, with the fraction Go's RFC3339Nano would print. */
export function nsToRfc3339(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const base = new Date(ms).toISOString().slice(0, 19);
  const nanos = Math.round(ns - Math.floor(ns / 1e9) * 1e9);
  const frac = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${frac}Z`;
}
