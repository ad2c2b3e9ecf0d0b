/** HCL's collection, number and type-conversion functions. */
import { COLLECTION_LENGTH_MAX } from './expr_eval.ts';
import type { HclFunction } from './expr_eval.ts';
import { arity } from './functions_string.ts';
import type { ObjectValue, Value } from './value.ts';
import {
  EvalError,
  equalValues,
  isObject,
  show,
  toBoolValue,
  toListValue,
  toNumberValue,
  toObjectValue,
  toStringValue,
} from './value.ts';

const list = (v: Value | undefined, what = 'argument') => toListValue(v ?? null, what);
const num = (v: Value | undefined, what = 'argument') => toNumberValue(v ?? null, what);

function distinct(items: Value[]): Value[] {
  const out: Value[] = [];
  for (const x of items) if (!out.some((y) => equalValues(x, y))) out.push(x);
  return out;
}

function length(v: Value): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  throw new EvalError(`length() needs a string, list or map: got ${show(v)}`);
}

function flatten(v: Value[]): Value[] {
  return v.flatMap((x) => (Array.isArray(x) ? flatten(x) : [x]));
}

function range(a: Value[]): Value {
  arity('range', a, 1, 3);
  const [start, end, step] =
    a.length === 1
      ? [0, num(a[0]), 1]
      : [num(a[0]), num(a[1]), a.length === 3 ? num(a[2]) : num(a[1]) >= num(a[0]) ? 1 : -1];
  if (step === 0) throw new EvalError('step must not be zero');
  const count = Math.ceil((end - start) / step);
  if (count > COLLECTION_LENGTH_MAX)
    throw new EvalError(`range of more than ${COLLECTION_LENGTH_MAX} elements`);
  const out: Value[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}

function toMap(v: Value): ObjectValue {
  const o = toObjectValue(v, 'the argument');
  const out: ObjectValue = {};
  for (const [k, x] of Object.entries(o)) out[k] = x;
  return out;
}

function sortKeys(o: ObjectValue): string[] {
  return Object.keys(o).sort();
}

export const COLLECTION_FUNCTIONS: Readonly<Record<string, HclFunction>> = {
  length: (a) => (arity('length', a, 1), length(a[0]!)),
  concat: (a) => a.flatMap((l) => list(l, 'each argument')),
  merge: (a) => {
    const out: ObjectValue = {};
    for (const o of a) if (o !== null) Object.assign(out, toObjectValue(o, 'each argument'));
    return out;
  },
  lookup: (a) => {
    arity('lookup', a, 2, 3);
    const o = toObjectValue(a[0]!, 'the map');
    const k = toStringValue(a[1]!, 'the key');
    if (k in o) return o[k]!;
    if (a.length === 3) return a[2]!;
    throw new EvalError(`the map has no key ${JSON.stringify(k)} and no default was given`);
  },
  coalesce: (a) => {
    for (const x of a) if (x !== null && x !== '') return x;
    throw new EvalError('no non-null, non-empty argument');
  },
  coalescelist: (a) => {
    for (const x of a) if (list(x).length > 0) return x;
    throw new EvalError('no non-empty list argument');
  },
  compact: (a) => (arity('compact', a, 1), list(a[0]).filter((x) => x !== null && x !== '')),
  keys: (a) => (arity('keys', a, 1), sortKeys(toObjectValue(a[0]!))),
  values: (a) => {
    arity('values', a, 1);
    const o = toObjectValue(a[0]!);
    return sortKeys(o).map((k) => o[k]!);
  },
  contains: (a) => (arity('contains', a, 2), list(a[0]).some((x) => equalValues(x, a[1]!))),
  element: (a) => {
    arity('element', a, 2);
    const l = list(a[0]);
    if (l.length === 0) throw new EvalError('cannot take an element of an empty list');
    const i = num(a[1], 'the index');
    return l[((i % l.length) + l.length) % l.length]!;
  },
  index: (a) => {
    arity('index', a, 2);
    const i = list(a[0]).findIndex((x) => equalValues(x, a[1]!));
    if (i < 0) throw new EvalError(`${show(a[1]!)} is not in the list`);
    return i;
  },
  range,
  flatten: (a) => (arity('flatten', a, 1), flatten(list(a[0]))),
  distinct: (a) => (arity('distinct', a, 1), distinct(list(a[0]))),
  reverse: (a) => (arity('reverse', a, 1), [...list(a[0])].reverse()),
  sort: (a) => (
    arity('sort', a, 1),
    list(a[0])
      .map((x) => toStringValue(x, 'a list element'))
      .sort()
  ),
  slice: (a) => {
    arity('slice', a, 3);
    const l = list(a[0]);
    const from = num(a[1]);
    const to = num(a[2]);
    if (from < 0 || to > l.length || from > to)
      throw new EvalError(`slice bounds ${from}:${to} are out of range for ${l.length}`);
    return l.slice(from, to);
  },
  chunklist: (a) => {
    arity('chunklist', a, 2);
    const l = list(a[0]);
    const size = num(a[1]);
    if (size <= 0) return [l];
    const out: Value[] = [];
    for (let i = 0; i < l.length; i += size) out.push(l.slice(i, i + size));
    return out;
  },
  zipmap: (a) => {
    arity('zipmap', a, 2);
    const ks = list(a[0]);
    const vs = list(a[1]);
    if (ks.length !== vs.length) throw new EvalError('keys and values must have the same length');
    const out: ObjectValue = {};
    ks.forEach((k, i) => (out[toStringValue(k, 'a key')] = vs[i]!));
    return out;
  },
  setunion: (a) => distinct(a.flatMap((l) => list(l))),
  setintersection: (a) => {
    arity('setintersection', a, 1, Infinity);
    const rest = a.slice(1).map((l) => list(l));
    return distinct(list(a[0])).filter((x) => rest.every((l) => l.some((y) => equalValues(x, y))));
  },
  setsubtract: (a) => (
    arity('setsubtract', a, 2),
    distinct(list(a[0])).filter((x) => !list(a[1]).some((y) => equalValues(x, y)))
  ),
  setproduct: (a) =>
    a.reduce<Value[]>((acc, l) => acc.flatMap((p) => list(l).map((x) => [...(p as Value[]), x])), [[]]),
  one: (a) => {
    arity('one', a, 1);
    const l = list(a[0]);
    if (l.length > 1) throw new EvalError(`list has ${l.length} elements; at most one is allowed`);
    return l[0] ?? null;
  },
  sum: (a) => (arity('sum', a, 1), list(a[0]).reduce<number>((s, x) => s + num(x), 0)),
  alltrue: (a) => (arity('alltrue', a, 1), list(a[0]).every((x) => toBoolValue(x))),
  anytrue: (a) => (arity('anytrue', a, 1), list(a[0]).some((x) => toBoolValue(x))),
  min: (a) => (arity('min', a, 1, Infinity), Math.min(...a.map((x) => num(x)))),
  max: (a) => (arity('max', a, 1, Infinity), Math.max(...a.map((x) => num(x)))),
  abs: (a) => (arity('abs', a, 1), Math.abs(num(a[0]))),
  ceil: (a) => (arity('ceil', a, 1), Math.ceil(num(a[0]))),
  floor: (a) => (arity('floor', a, 1), Math.floor(num(a[0]))),
  pow: (a) => (arity('pow', a, 2), num(a[0]) ** num(a[1])),
  log: (a) => (arity('log', a, 2), Math.log(num(a[0])) / Math.log(num(a[1]))),
  signum: (a) => (arity('signum', a, 1), Math.sign(num(a[0]))),
  parseint: (a) => {
    arity('parseint', a, 2);
    const base = num(a[1], 'the base');
    const text = toStringValue(a[0]!, 'the number');
    const n = parseInt(text, base);
    if (Number.isNaN(n) || !new RegExp(`^[-+]?[0-9a-z]+$`, 'i').test(text))
      throw new EvalError(`cannot parse ${JSON.stringify(text)} as a base ${base} integer`);
    return n;
  },
  tostring: (a) => (arity('tostring', a, 1), a[0] === null ? null : toStringValue(a[0]!)),
  tonumber: (a) => (arity('tonumber', a, 1), a[0] === null ? null : num(a[0])),
  tobool: (a) => (arity('tobool', a, 1), a[0] === null ? null : toBoolValue(a[0]!)),
  tolist: (a) => (arity('tolist', a, 1), list(a[0])),
  toset: (a) => (arity('toset', a, 1), distinct(list(a[0]))),
  tomap: (a) => (arity('tomap', a, 1), toMap(a[0]!)),
};
