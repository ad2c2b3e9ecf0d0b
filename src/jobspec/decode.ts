/**
 * Decodes the blocks of a job file (hcl2json's output) into the model's shape, following the
 * tables in schema.ts: evaluates each expression, converts it to the field's type, and collects
 * an error (with file:line:col) for every unknown block or attribute and every wrong type.
 */
import { parseDuration } from '../lib/duration.ts';
import { NomadError } from '../lib/errors.ts';
import type { EvalContext } from './expr_eval.ts';
import { findBlock, findName, positionAt } from './positions.ts';
import type { Raw, RawObject } from './raw.ts';
import { evalRaw, isRawObject } from './raw.ts';
import type { AttrKind, AttrSpec, BlockSpec, Schema } from './schema.ts';
import { postProcess } from './decode_post.ts';
import type { ObjectValue, Value } from './value.ts';
import { EvalError, Unknown, isObject, settleUnknowns, show, toStringValue } from './value.ts';

export interface DecodeCtx {
  file: string;
  source: string;
  errors: string[];
  eval: EvalContext;
  /** How the enclosing block is named in messages: `group "cache" task "redis"`. */
  path: string;
  /** Where the enclosing block starts in the source, to search for names from there. */
  offset: number;
}

/** Errors past this many are dropped (a broken file would otherwise print thousands). */
export const DECODE_ERRORS_MAX = 100;

export function report(ctx: DecodeCtx, name: string | null, message: string): void {
  if (ctx.errors.length >= DECODE_ERRORS_MAX) return;
  const at = name === null ? ctx.offset : (findName(ctx.source, name, ctx.offset) ?? ctx.offset);
  const pos = positionAt(ctx.source, at);
  const where = ctx.path === '' ? '' : `${ctx.path}: `;
  ctx.errors.push(`${ctx.file}:${pos.line}:${pos.column}: ${where}${message}`);
}

/** One block as written: its body, its label, and the scope its expressions see. */
export interface Instance {
  body: RawObject;
  label: string | null;
  eval: EvalContext;
}

function isBlockShape(v: Raw): boolean {
  return Array.isArray(v) && v.length > 0 && v.every(isRawObject);
}

export function decodeBody(inst: Instance, schema: Schema, ctx: DecodeCtx): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const here: DecodeCtx = { ...ctx, eval: inst.eval };
  const dynamic = expandDynamic(inst, here);
  for (const [key, raw] of Object.entries(inst.body)) {
    if (key === 'dynamic') continue;
    const attr = schema.attrs[key];
    const block = schema.blocks[key];
    if (attr !== undefined && (block === undefined || !isBlockShape(raw))) {
      const v = decodeAttr(key, raw, attr.kind, here);
      if (v !== undefined) out[attr.field] = v;
    } else if (block !== undefined) {
      decodeBlocks(key, block, blockInstances(key, raw, block, here), out, here);
    } else if (!(schema.extraAttrs ?? []).includes(key)) {
      report(
        here,
        key,
        `unknown ${isBlockShape(raw) || isRawObject(raw) ? 'block' : 'attribute'} ${JSON.stringify(key)} in ${schema.name}`,
      );
    }
  }
  for (const [key, insts] of dynamic) {
    const block = schema.blocks[key];
    if (block === undefined)
      report(here, 'dynamic', `unknown block ${JSON.stringify(key)} in ${schema.name}`);
    else decodeBlocks(key, block, insts, out, here);
  }
  postProcess(schema.name, { out, inst, ctx: here });
  return out;
}

/** Turns an attribute's raw value into the field's type; reports and returns undefined when it can't. */
export function decodeAttr(name: string, raw: Raw, kind: AttrKind, ctx: DecodeCtx): unknown {
  let v: Value;
  try {
    v = evalRaw(raw, ctx.eval);
  } catch (err) {
    if (!(err instanceof EvalError)) throw err;
    report(ctx, name, `${name}: ${err.message}`);
    return undefined;
  }
  try {
    return convertAttr(v, kind);
  } catch (err) {
    if (!(err instanceof EvalError)) throw err;
    report(ctx, name, `${name}: ${err.message}`);
    return undefined;
  }
}

function known(v: Value, what: string): Exclude<Value, Unknown> {
  if (v instanceof Unknown)
    throw new EvalError(`${v.text} cannot be used here: ${what} must be known when the job is parsed`);
  return v;
}

function convertAttr(v: Value, kind: AttrKind): unknown {
  if (v === null) return undefined;
  switch (kind) {
    case 'string':
      if (typeof v === 'object' && !(v instanceof Unknown))
        throw new EvalError(`expected a string, got ${show(v)}`);
      return toStringValue(v);
    case 'int':
    case 'number': {
      const k = known(v, 'a number');
      const n = typeof k === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(k) ? Number(k) : k;
      if (typeof n !== 'number') throw new EvalError(`expected a number, got ${show(k)}`);
      if (kind === 'int' && !Number.isInteger(n)) throw new EvalError(`expected a whole number, got ${n}`);
      return n;
    }
    case 'bool': {
      const k = known(v, 'a bool');
      if (typeof k === 'boolean') return k;
      if (k === 'true' || k === 'false') return k === 'true';
      throw new EvalError(`expected a bool, got ${show(k)}`);
    }
    case 'duration':
      return durationOf(known(v, 'a duration'));
    case 'stringList':
      if (!Array.isArray(v)) throw new EvalError(`expected a list of strings, got ${show(v)}`);
      return v.map((x) => stringOf(x));
    case 'stringMap':
      return mapOf(v, (x) => stringOf(x));
    case 'stringListMap':
      return mapOf(v, (x) => {
        if (!Array.isArray(x)) throw new EvalError(`expected a list of strings, got ${show(x)}`);
        return x.map((y) => stringOf(y));
      });
    case 'any':
      return settleUnknowns(v);
  }
}

function stringOf(x: Value): string {
  if (x !== null && typeof x === 'object' && !(x instanceof Unknown))
    throw new EvalError(`expected a string, got ${show(x)}`);
  return toStringValue(x);
}

function mapOf<T>(v: Value, each: (x: Value) => T): Record<string, T> {
  if (!isObject(v)) throw new EvalError(`expected a map, got ${show(v)}`);
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries(v)) out[k] = each(x);
  return out;
}

function durationOf(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') throw new EvalError(`expected a duration like "10s", got ${show(v)}`);
  try {
    return parseDuration(v);
  } catch (err) {
    if (err instanceof NomadError)
      throw new EvalError(`expected a duration like "10s", got ${show(v)}`, { cause: err });
    throw err;
  }
}

/** The instances of one block type as hcl2json gives them, in source order. */
function blockInstances(key: string, raw: Raw, spec: BlockSpec, ctx: DecodeCtx): Instance[] {
  const labeled = spec.mode === 'labeledList' || spec.mode === 'labeledMap';
  if (!labeled) {
    if (isBlockShape(raw)) return (raw as RawObject[]).map((body) => ({ body, label: null, eval: ctx.eval }));
    // `env = { ... }`-style maps are attributes of a map-bodied block.
    if (isRawObject(raw) && spec.body !== 'freeform' && typeof spec.body === 'string') {
      return [{ body: raw, label: null, eval: ctx.eval }];
    }
    report(ctx, key, `${key} must be a block: write ${key} { ... }`);
    return [];
  }
  if (!isRawObject(raw)) {
    report(ctx, key, `${key} must be a labelled block: write ${key} "<name>" { ... }`);
    return [];
  }
  const out: Instance[] = [];
  for (const label of sourceOrder(Object.keys(raw), key, ctx)) {
    const bodies = raw[label];
    if (!isBlockShape(bodies!)) {
      report(ctx, key, `${key} ${JSON.stringify(label)} must be a block`);
      continue;
    }
    for (const body of bodies as RawObject[]) out.push({ body, label, eval: ctx.eval });
  }
  return out;
}

/** hcl2json sorts labels; the model keeps the order of the file (groups, tasks, ports). */
function sourceOrder(labels: string[], type: string, ctx: DecodeCtx): string[] {
  const at = new Map(
    labels.map((l) => [l, findBlock(ctx.source, type, l, ctx.offset) ?? Number.MAX_SAFE_INTEGER]),
  );
  return [...labels].sort((x, y) => at.get(x)! - at.get(y)!);
}

function decodeBlocks(
  key: string,
  spec: BlockSpec,
  insts: Instance[],
  out: Record<string, unknown>,
  ctx: DecodeCtx,
): void {
  if (insts.length === 0) return;
  if (spec.mode === 'single' && (insts.length > 1 || out[spec.field] !== undefined)) {
    report(ctx, key, `only one ${key} block is allowed in ${ctx.path === '' ? 'the file' : ctx.path}`);
    return;
  }
  const values = insts.map((inst) => decodeBlock(key, spec, inst, ctx));
  if (spec.mode === 'single') {
    if (values[0] !== undefined) out[spec.field] = values[0];
  } else if (spec.mode === 'labeledMap') {
    const map = (out[spec.field] ?? {}) as Record<string, unknown>;
    insts.forEach((inst, i) => {
      if (inst.label! in map)
        report(ctx, key, `${key} ${JSON.stringify(inst.label)} is defined more than once`);
      map[inst.label!] = values[i];
    });
    out[spec.field] = map;
  } else {
    out[spec.field] = [
      ...((out[spec.field] as unknown[] | undefined) ?? []),
      ...values.filter((v) => v !== undefined),
    ];
  }
}

function decodeBlock(key: string, spec: BlockSpec, inst: Instance, ctx: DecodeCtx): unknown {
  const offset = findBlock(ctx.source, key, inst.label, ctx.offset) ?? ctx.offset;
  const segment = inst.label === null ? key : `${key} ${JSON.stringify(inst.label)}`;
  const inner: DecodeCtx = {
    ...ctx,
    eval: inst.eval,
    offset,
    path: ctx.path === '' ? segment : `${ctx.path} ${segment}`,
  };
  if (typeof spec.body !== 'string') {
    const out = decodeBody(inst, spec.body, inner);
    if (spec.label !== undefined && inst.label !== null) out[spec.label] = inst.label;
    return out;
  }
  if (spec.body === 'freeform') return decodeFreeform(inst, inner);
  const kind: AttrKind = spec.body === 'stringMap' ? 'stringMap' : 'stringListMap';
  return decodeAttr(key, inst.body, kind, { ...ctx, eval: inst.eval });
}

function decodeFreeform(inst: Instance, ctx: DecodeCtx): ObjectValue | undefined {
  try {
    const v = settleUnknowns(evalRaw(inst.body, inst.eval));
    return isObject(v) ? v : undefined;
  } catch (err) {
    if (!(err instanceof EvalError)) throw err;
    report(ctx, null, err.message);
    return undefined;
  }
}

/** Expands `dynamic "port" { for_each = ..., iterator = ..., labels = [...], content { ... } }`. */
function expandDynamic(inst: Instance, ctx: DecodeCtx): Map<string, Instance[]> {
  const out = new Map<string, Instance[]>();
  const raw = inst.body['dynamic'];
  if (raw === undefined) return out;
  if (!isRawObject(raw)) {
    report(ctx, 'dynamic', 'dynamic must be a labelled block: dynamic "<block type>" { ... }');
    return out;
  }
  for (const [type, bodies] of Object.entries(raw)) {
    for (const body of Array.isArray(bodies) ? bodies : []) {
      if (!isRawObject(body)) continue;
      out.set(type, [...(out.get(type) ?? []), ...dynamicInstances(type, body, ctx)]);
    }
  }
  return out;
}

function dynamicInstances(type: string, body: RawObject, ctx: DecodeCtx): Instance[] {
  const dctx: DecodeCtx = { ...ctx, path: `${ctx.path} dynamic ${JSON.stringify(type)}`.trim() };
  // The iterator is a bare name (`iterator = p`), which hcl2json gives as "${p}".
  const rawIterator = body['iterator'];
  const iterator =
    rawIterator === undefined
      ? type
      : typeof rawIterator === 'string'
        ? rawIterator.replace(/^\$\{(.*)\}$/, '$1').trim()
        : undefined;
  if (iterator === undefined) report(dctx, 'iterator', 'iterator must be a name');
  const content = body['content'];
  const coll = decodeAttr('for_each', body['for_each'] ?? null, 'any', dctx);
  if (iterator === undefined || coll === undefined) return [];
  if (!isBlockShape(content ?? null) || (content as RawObject[]).length !== 1) {
    report(dctx, 'content', 'a dynamic block needs exactly one content block');
    return [];
  }
  const pairs: [Value, Value][] = Array.isArray(coll)
    ? (coll as Value[]).map((v, i) => [i, v])
    : isObject(coll as Value)
      ? Object.entries(coll as ObjectValue)
      : [];
  return pairs.map(([k, v]) => {
    const bound = new Map(ctx.eval.bound);
    bound.set(iterator, { key: k, value: v });
    const e: EvalContext = { scope: ctx.eval.scope, bound };
    const labels =
      body['labels'] === undefined
        ? []
        : decodeAttr('labels', body['labels']!, 'stringList', { ...dctx, eval: e });
    const label = Array.isArray(labels) && labels.length > 0 ? String(labels[0]) : null;
    return { body: (content as RawObject[])[0]!, label, eval: e };
  });
}

export type { AttrSpec };
