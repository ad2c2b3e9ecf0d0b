/** Type constraints of `variable` blocks (string, number, bool, list(T), map(T), object({...}), ...). */
import type { Expr } from './expr_ast.ts';
import { parseExpression } from './expr_parse.ts';
import type { ObjectValue, Value } from './value.ts';
import { EvalError, isObject, show, toBoolValue, toNumberValue, toStringValue } from './value.ts';

export type HclType =
  | { k: 'string' | 'number' | 'bool' | 'any' }
  | { k: 'list' | 'set' | 'map'; of: HclType }
  | { k: 'object'; attrs: Record<string, { type: HclType; optional: boolean }> }
  | { k: 'tuple'; items: HclType[] };

export const ANY_TYPE: HclType = { k: 'any' };

/** Parses a type expression as hcl2json gives it ("${list(string)}" or "list(string)"). */
export function parseType(text: string): HclType {
  const src = /^\$\{([\s\S]*)\}$/.exec(text.trim())?.[1] ?? text;
  return typeFromExpr(parseExpression(src));
}

function typeFromExpr(e: Expr): HclType {
  if (e.k === 'variable') {
    if (e.name === 'string' || e.name === 'number' || e.name === 'bool' || e.name === 'any')
      return { k: e.name };
    throw new EvalError(`unknown type ${JSON.stringify(e.name)}`);
  }
  if (e.k === 'call' && e.args.length === 1) {
    const arg = e.args[0]!;
    if (e.name === 'list' || e.name === 'set' || e.name === 'map')
      return { k: e.name, of: typeFromExpr(arg) };
    if (e.name === 'object' && arg.k === 'object') {
      const attrs: Record<string, { type: HclType; optional: boolean }> = {};
      for (const item of arg.items) {
        if (item.key.k !== 'literal' || typeof item.key.value !== 'string')
          throw new EvalError('object type keys must be names');
        const v = item.value;
        const optional = v.k === 'call' && v.name === 'optional';
        attrs[item.key.value] = { type: typeFromExpr(optional ? v.args[0]! : v), optional };
      }
      return { k: 'object', attrs };
    }
    if (e.name === 'tuple' && arg.k === 'tuple') return { k: 'tuple', items: arg.items.map(typeFromExpr) };
  }
  throw new EvalError(`invalid type expression ${JSON.stringify(e.src)}`);
}

export function typeString(t: HclType): string {
  switch (t.k) {
    case 'list':
    case 'set':
    case 'map':
      return `${t.k}(${typeString(t.of)})`;
    case 'object':
      return `object({${Object.entries(t.attrs)
        .map(([k, a]) => `${k}=${typeString(a.type)}`)
        .join(', ')}})`;
    case 'tuple':
      return `tuple([${t.items.map(typeString).join(', ')}])`;
    default:
      return t.k;
  }
}

/** Converts a value to the type as HCL would (numbers to strings, "true" to true, ...), or throws. */
export function convert(v: Value, t: HclType): Value {
  if (v === null || t.k === 'any') return v;
  switch (t.k) {
    case 'string':
      if (typeof v === 'object') throw new EvalError(`a string is required, got ${show(v)}`);
      return toStringValue(v);
    case 'number':
      return toNumberValue(v);
    case 'bool':
      return toBoolValue(v);
    case 'list':
    case 'set': {
      if (!Array.isArray(v)) throw new EvalError(`a ${t.k} is required, got ${show(v)}`);
      const items = v.map((x) => convert(x, t.of));
      return t.k === 'set'
        ? items.filter((x, i) => items.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i)
        : items;
    }
    case 'map': {
      if (!isObject(v)) throw new EvalError(`a map is required, got ${show(v)}`);
      const out: ObjectValue = {};
      for (const [k, x] of Object.entries(v)) out[k] = convert(x, t.of);
      return out;
    }
    case 'object': {
      if (!isObject(v)) throw new EvalError(`an object is required, got ${show(v)}`);
      const out: ObjectValue = {};
      for (const [k, a] of Object.entries(t.attrs)) {
        if (!(k in v)) {
          if (!a.optional) throw new EvalError(`attribute ${JSON.stringify(k)} is required`);
          out[k] = null;
        } else out[k] = convert(v[k]!, a.type);
      }
      return out;
    }
    case 'tuple': {
      if (!Array.isArray(v) || v.length !== t.items.length) {
        throw new EvalError(`a tuple of ${t.items.length} elements is required, got ${show(v)}`);
      }
      return v.map((x, i) => convert(x, t.items[i]!));
    }
  }
}

/** True when a value given on the command line must be parsed as an expression, not taken as text. */
export function isComplex(t: HclType): boolean {
  return t.k === 'list' || t.k === 'set' || t.k === 'map' || t.k === 'object' || t.k === 'tuple';
}
