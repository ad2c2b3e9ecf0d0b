/** Values of evaluated HCL expressions, and HCL's conversions between them. */

/**
 * A value known only at run time on the client: an expression naming something other than
 * `var`, `local` or an iterator (`attr.kernel.name`, `NOMAD_PORT_db`, `meta.rack`). It is kept as
 * its source text and written back as "${...}" for the client to interpolate.
 */
export class Unknown {
  readonly src: string;
  constructor(src: string) {
    this.src = src;
  }
  get text(): string {
    return `\${${this.src}}`;
  }
}

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value } | Unknown;
export type ObjectValue = { [key: string]: Value };

export class EvalError extends Error {
  override name = 'EvalError';
}

export function isObject(v: Value): v is ObjectValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unknown);
}

export function typeName(v: Value): string {
  if (v === null) return 'null';
  if (v instanceof Unknown) return 'unknown';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** How a value reads in an error message. */
export function show(v: Value): string {
  if (v instanceof Unknown) return v.text;
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Go's and HCL's rendering of a number: integers without a fraction, others shortest. */
export function numberToString(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : String(n);
}

export function toStringValue(v: Value, what = 'value'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Unknown) return v.text;
  if (v === null) throw new EvalError(`${what} is null; a string is required`);
  throw new EvalError(`${what} is a ${typeName(v)}; a string is required`);
}

export function toNumberValue(v: Value, what = 'value'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  throw new EvalError(`${what} must be a number: got ${show(v)}`);
}

export function toBoolValue(v: Value, what = 'value'): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new EvalError(`${what} must be a bool: got ${show(v)}`);
}

export function toListValue(v: Value, what = 'value'): Value[] {
  if (Array.isArray(v)) return v;
  throw new EvalError(`${what} must be a list: got ${show(v)}`);
}

export function toObjectValue(v: Value, what = 'value'): ObjectValue {
  if (isObject(v)) return v;
  throw new EvalError(`${what} must be a map or object: got ${show(v)}`);
}

export function equalValues(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equalValues(x, b[i]!));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equalValues(a[k]!, b[k]!));
  }
  return false;
}

/** True when the value or anything inside it is unknown until run time. */
export function containsUnknown(v: Value): boolean {
  if (v instanceof Unknown) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

/** Replaces unknown values inside a collection with their "${...}" text, for the client. */
export function settleUnknowns(v: Value): Value {
  if (v instanceof Unknown) return v.text;
  if (Array.isArray(v)) return v.map(settleUnknowns);
  if (isObject(v)) {
    const out: ObjectValue = {};
    for (const [k, x] of Object.entries(v)) out[k] = settleUnknowns(x);
    return out;
  }
  return v;
}
