/**
 * hcl2json's output ("raw"): JSON in which literal values are themselves and every other
 * expression or template is a string ("${var.x}", "x-${var.y}"); blocks are arrays of objects,
 * labelled blocks objects keyed by label. evalRaw() turns any of it into a Value.
 */
import type { EvalContext } from './expr_eval.ts';
import { evaluateTemplate } from './expr_eval.ts';
import { ExprSyntaxError, parseTemplate } from './expr_parse.ts';
import type { TemplatePart } from './expr_ast.ts';
import type { ObjectValue, Value } from './value.ts';
import { EvalError, Unknown, toStringValue } from './value.ts';

export type Raw = null | boolean | number | string | Raw[] | { [key: string]: Raw };
export type RawObject = { [key: string]: Raw };

export function isRawObject(v: unknown): v is RawObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parsed templates are cached: the same string (a port label, an image) recurs across a job. */
const TEMPLATE_CACHE = new Map<string, TemplatePart[]>();
const TEMPLATE_CACHE_MAX = 10_000;

export function templateOf(text: string): TemplatePart[] {
  let parts = TEMPLATE_CACHE.get(text);
  if (parts === undefined) {
    try {
      parts = parseTemplate(text);
    } catch (err) {
      if (err instanceof ExprSyntaxError) throw new EvalError(err.message, { cause: err });
      throw err;
    }
    if (TEMPLATE_CACHE.size >= TEMPLATE_CACHE_MAX) TEMPLATE_CACHE.clear();
    TEMPLATE_CACHE.set(text, parts);
  }
  return parts;
}

/** Evaluates a string as a template; strings without `${` or `%{` are returned as they are. */
export function evalString(text: string, ctx: EvalContext): Value {
  if (!text.includes('{')) return text;
  return evaluateTemplate(templateOf(text), ctx);
}

export function evalRaw(raw: Raw, ctx: EvalContext): Value {
  if (typeof raw === 'string') return evalString(raw, ctx);
  if (Array.isArray(raw)) return raw.map((x) => evalRaw(x, ctx));
  if (isRawObject(raw)) {
    const out: ObjectValue = {};
    for (const [k, v] of Object.entries(raw)) {
      const key = evalString(k, ctx);
      if (key instanceof Unknown)
        throw new EvalError(`object key ${JSON.stringify(k)} must be known when the job is parsed`);
      out[toStringValue(key, 'an object key')] = evalRaw(v, ctx);
    }
    return out;
  }
  return raw;
}
