/**
 * Evaluates HCL expressions and templates against a scope: `var.*`, `local.*`, the variables of
 * enclosing for-expressions, and the function library. Anything else named at the root of an
 * expression (`attr`, `node`, `meta`, `env`, `NOMAD_*`) is a run-time value: it evaluates to an
 * Unknown that keeps its source text, so "${attr.kernel.name}" survives verbatim for the client.
 */
import type { Expr, TemplatePart, Traversal } from './expr_ast.ts';
import type { ObjectValue, Value } from './value.ts';
import {
  EvalError,
  Unknown,
  equalValues,
  isObject,
  show,
  toBoolValue,
  toListValue,
  toNumberValue,
  toStringValue,
} from './value.ts';

export type HclFunction = (args: Value[], ctx: EvalContext) => Value;

export interface Scope {
  /** The value of `var`, an object of every declared variable. */
  vars: ObjectValue;
  /** Resolves `local.<name>`; null when no local has that name. */
  local(name: string): Value | undefined;
  functions: Readonly<Record<string, HclFunction>>;
}

export interface EvalContext {
  scope: Scope;
  bound: ReadonlyMap<string, Value>;
}

/** For-expressions and functions like range() are capped so that a job file cannot hang the parser. */
export const COLLECTION_LENGTH_MAX = 100_000;

export function evaluate(e: Expr, ctx: EvalContext): Value {
  switch (e.k) {
    case 'literal':
      return e.value;
    case 'template':
      return evaluateTemplate(e.parts, ctx);
    case 'paren':
      return evaluate(e.inner, ctx);
    case 'variable':
      return variable(e.name, e.src, ctx);
    case 'attr':
      if (e.object.k === 'variable' && e.object.name === 'local' && !ctx.bound.has('local')) {
        const v = ctx.scope.local(e.name);
        if (v === undefined) throw new EvalError(`${e.src}: undefined local ${JSON.stringify(e.name)}`);
        return v;
      }
      return getAttr(evaluate(e.object, ctx), e.name, e.src);
    case 'index': {
      const obj = evaluate(e.object, ctx);
      const key = evaluate(e.key, ctx);
      return index(obj, key, e.src);
    }
    case 'splat':
      return splat(evaluate(e.object, ctx), e.steps, e.src, ctx);
    case 'call':
      return call(e, ctx);
    case 'tuple':
      return e.items.map((x) => evaluate(x, ctx));
    case 'object':
      return objectValue(e, ctx);
    case 'for':
      return forExpr(e, ctx);
    case 'unary':
      return unary(e.op, evaluate(e.operand, ctx), e.src);
    case 'binary':
      return binary(e, ctx);
    case 'conditional': {
      const c = evaluate(e.condition, ctx);
      if (c instanceof Unknown) return new Unknown(e.src);
      return toBoolValue(c, 'the condition') ? evaluate(e.then, ctx) : evaluate(e.otherwise, ctx);
    }
  }
}

function variable(name: string, src: string, ctx: EvalContext): Value {
  const bound = ctx.bound.get(name);
  if (bound !== undefined) return bound;
  if (name === 'var') return ctx.scope.vars;
  if (name === 'local') throw new EvalError('"local" must be followed by the name of a local value');
  return new Unknown(src);
}

function getAttr(obj: Value, name: string, src: string): Value {
  if (obj instanceof Unknown) return new Unknown(src);
  if (isObject(obj)) {
    if (!(name in obj)) {
      if (src.startsWith('var.') && src === `var.${name}`)
        throw new EvalError(`undefined variable ${JSON.stringify(name)}`);
      throw new EvalError(`${src}: object has no attribute ${JSON.stringify(name)}`);
    }
    return obj[name]!;
  }
  throw new EvalError(`${src}: cannot read attribute ${JSON.stringify(name)} of ${show(obj)}`);
}

function index(obj: Value, key: Value, src: string): Value {
  if (obj instanceof Unknown || key instanceof Unknown) return new Unknown(src);
  if (Array.isArray(obj)) {
    const i = toNumberValue(key, 'an index');
    if (!Number.isInteger(i) || i < 0 || i >= obj.length) {
      throw new EvalError(`${src}: index ${i} is out of range for a list of ${obj.length}`);
    }
    return obj[i]!;
  }
  if (isObject(obj)) {
    const k = toStringValue(key, 'a key');
    if (!(k in obj)) throw new EvalError(`${src}: no element with key ${JSON.stringify(k)}`);
    return obj[k]!;
  }
  throw new EvalError(`${src}: cannot index ${show(obj)}`);
}

function splat(obj: Value, steps: Traversal[], src: string, ctx: EvalContext): Value {
  if (obj instanceof Unknown) return new Unknown(src);
  if (obj === null) return [];
  const items = Array.isArray(obj) ? obj : [obj];
  return items.map((item) => {
    let v = item;
    for (const s of steps) v = s.k === 'attr' ? getAttr(v, s.name, src) : index(v, evaluate(s.key, ctx), src);
    return v;
  });
}

function call(e: Extract<Expr, { k: 'call' }>, ctx: EvalContext): Value {
  const fn = ctx.scope.functions[e.name];
  if (fn === undefined) throw new EvalError(`call to unknown function ${JSON.stringify(e.name)}`);
  // try() and can() look at errors, so their arguments are evaluated inside them.
  if (e.name === 'try' || e.name === 'can') return lazyCall(e, ctx);
  let args = e.args.map((a) => evaluate(a, ctx));
  if (e.expandLast && args.length > 0) {
    const last = args[args.length - 1]!;
    if (last instanceof Unknown) return new Unknown(e.src);
    args = [...args.slice(0, -1), ...toListValue(last, 'the expanded argument')];
  }
  if (args.some((a) => a instanceof Unknown)) return new Unknown(e.src);
  try {
    return fn(args, ctx);
  } catch (err) {
    if (err instanceof EvalError) throw new EvalError(`${e.name}(): ${err.message}`, { cause: err });
    throw err;
  }
}

function lazyCall(e: Extract<Expr, { k: 'call' }>, ctx: EvalContext): Value {
  if (e.name === 'can') {
    if (e.args.length !== 1) throw new EvalError('can() takes exactly one argument');
    try {
      evaluate(e.args[0]!, ctx);
      return true;
    } catch (err) {
      if (err instanceof EvalError) return false;
      throw err;
    }
  }
  const failures: string[] = [];
  for (const a of e.args) {
    try {
      return evaluate(a, ctx);
    } catch (err) {
      if (!(err instanceof EvalError)) throw err;
      failures.push(err.message);
    }
  }
  throw new EvalError(`try(): no argument could be evaluated: ${failures.join('; ')}`);
}

function objectValue(e: Extract<Expr, { k: 'object' }>, ctx: EvalContext): Value {
  const out: ObjectValue = {};
  for (const item of e.items) {
    const k = evaluate(item.key, ctx);
    if (k instanceof Unknown) return new Unknown(e.src);
    out[toStringValue(k, 'an object key')] = evaluate(item.value, ctx);
  }
  return out;
}

function iterate(coll: Value, what: string): [Value, Value][] {
  if (Array.isArray(coll)) return coll.map((v, i) => [i, v]);
  if (isObject(coll)) {
    return Object.keys(coll)
      .sort()
      .map((k) => [k, coll[k]!]);
  }
  throw new EvalError(`${what} must be a list, set, map or object: got ${show(coll)}`);
}

function forExpr(e: Extract<Expr, { k: 'for' }>, ctx: EvalContext): Value {
  const coll = evaluate(e.collection, ctx);
  if (coll instanceof Unknown) return new Unknown(e.src);
  const pairs = iterate(coll, 'the collection of a for expression');
  if (pairs.length > COLLECTION_LENGTH_MAX)
    throw new EvalError(`for expression over more than ${COLLECTION_LENGTH_MAX} elements`);
  const list: Value[] = [];
  const obj: Record<string, Value> = {};
  for (const [k, v] of pairs) {
    const bound = new Map(ctx.bound);
    if (e.keyVar !== null) bound.set(e.keyVar, k);
    bound.set(e.valueVar, v);
    const inner: EvalContext = { scope: ctx.scope, bound };
    if (e.condition !== null && !toBoolValue(evaluate(e.condition, inner), 'the for condition')) continue;
    const value = evaluate(e.valueExpr, inner);
    if (e.keyExpr === null) {
      list.push(value);
      continue;
    }
    const key = toStringValue(evaluate(e.keyExpr, inner), 'a for key');
    if (e.grouping) ((obj[key] ??= []) as Value[]).push(value);
    else if (key in obj)
      throw new EvalError(`duplicate key ${JSON.stringify(key)} in a for expression; use "..." to group`);
    else obj[key] = value;
  }
  return e.keyExpr === null ? list : obj;
}

function unary(op: '!' | '-', v: Value, src: string): Value {
  if (v instanceof Unknown) return new Unknown(src);
  return op === '!' ? !toBoolValue(v, 'the operand of "!"') : -toNumberValue(v, 'the operand of "-"');
}

function binary(e: Extract<Expr, { k: 'binary' }>, ctx: EvalContext): Value {
  const l = evaluate(e.left, ctx);
  // && and || look at the right side only when they must.
  if (e.op === '&&' && !(l instanceof Unknown) && !toBoolValue(l, 'the operand of "&&"')) return false;
  if (e.op === '||' && !(l instanceof Unknown) && toBoolValue(l, 'the operand of "||"')) return true;
  const r = evaluate(e.right, ctx);
  if (l instanceof Unknown || r instanceof Unknown) return new Unknown(e.src);
  const num = (v: Value) => toNumberValue(v, `the operand of "${e.op}"`);
  switch (e.op) {
    case '&&':
    case '||':
      // The left side was true for && (false for ||): the right side decides.
      return toBoolValue(r, `the operand of "${e.op}"`);
    case '==':
      return equalValues(l, r);
    case '!=':
      return !equalValues(l, r);
    case '<':
      return num(l) < num(r);
    case '<=':
      return num(l) <= num(r);
    case '>':
      return num(l) > num(r);
    case '>=':
      return num(l) >= num(r);
    case '+':
      return num(l) + num(r);
    case '-':
      return num(l) - num(r);
    case '*':
      return num(l) * num(r);
    case '/':
      if (num(r) === 0) throw new EvalError(`${e.src}: division by zero`);
      return num(l) / num(r);
    case '%':
      if (num(r) === 0) throw new EvalError(`${e.src}: modulo by zero`);
      return num(l) % num(r);
  }
}

/** A template that is exactly one interpolation gives that value as it is, not as a string. */
export function evaluateTemplate(parts: TemplatePart[], ctx: EvalContext): Value {
  if (parts.length === 1 && parts[0]!.k === 'interp') return evaluate(parts[0]!.expr, ctx);
  return renderParts(parts, ctx);
}

function renderParts(parts: TemplatePart[], ctx: EvalContext): string {
  let out = '';
  for (const p of parts) {
    if (p.k === 'text') out += p.text;
    else if (p.k === 'interp') {
      const v = evaluate(p.expr, ctx);
      out += v instanceof Unknown ? `\${${p.src}}` : toStringValue(v, `\${${p.src}}`);
    } else if (p.k === 'if') {
      const c = evaluate(p.condition, ctx);
      if (c instanceof Unknown)
        throw new EvalError('a template %{ if } condition must be known when the job is parsed');
      out += renderParts(toBoolValue(c, 'the %{ if } condition') ? p.then : p.otherwise, ctx);
    } else {
      const coll = evaluate(p.collection, ctx);
      if (coll instanceof Unknown)
        throw new EvalError('a template %{ for } collection must be known when the job is parsed');
      for (const [k, v] of iterate(coll, 'the %{ for } collection')) {
        const bound = new Map(ctx.bound);
        if (p.keyVar !== null) bound.set(p.keyVar, k);
        bound.set(p.valueVar, v);
        out += renderParts(p.body, { scope: ctx.scope, bound });
      }
    }
  }
  return out;
}
