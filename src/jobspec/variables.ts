/**
 * Input variables and locals: `variable` blocks (type, default, description, sensitive,
 * validation), values from NOMAD_VAR_<name>, -var-file files and -var flags (in rising order of
 * precedence, as Nomad does), and `locals` evaluated on demand. Every problem is collected.
 */
import type { EvalContext, Scope } from './expr_eval.ts';
import { evaluate } from './expr_eval.ts';
import { ExprSyntaxError, parseExpression } from './expr_parse.ts';
import type { HclFunction } from './expr_eval.ts';
import { findBlock, findName, positionAt } from './positions.ts';
import type { Raw, RawObject } from './raw.ts';
import { evalRaw, isRawObject } from './raw.ts';
import type { HclType } from './types.ts';
import { ANY_TYPE, convert, isComplex, parseType, typeString } from './types.ts';
import type { ObjectValue, Value } from './value.ts';
import { EvalError, Unknown, toBoolValue } from './value.ts';

export interface VarFile {
  filename: string;
  source: string;
}

export interface VariableInputs {
  vars?: Record<string, string> | undefined;
  varFiles?: VarFile[] | undefined;
  env?: Record<string, string | undefined> | undefined;
}

interface Declaration {
  name: string;
  type: HclType;
  value: Value | undefined;
  validations: { condition: Raw; message: string }[];
}

const VARIABLE_ATTRS = new Set(['type', 'default', 'description', 'sensitive', 'validation', 'nullable']);
const NAME = /^[A-Za-z_][\w-]*$/;
export const ENV_PREFIX = 'NOMAD_VAR_';

export interface FileInfo {
  filename: string;
  source: string;
}

/** Parses an HCL file into hcl2json's raw form (injected: hcl2json loads lazily). */
export type ParseHcl = (filename: string, source: string) => Promise<RawObject>;

function at(file: FileInfo, offset: number | null): string {
  const pos = positionAt(file.source, offset ?? 0);
  return `${file.filename}:${pos.line}:${pos.column}`;
}

function emptyContext(functions: Readonly<Record<string, HclFunction>>): EvalContext {
  return { scope: { vars: {}, local: () => undefined, functions }, bound: new Map() };
}

/** Reads the variable declarations of the job file. */
function declarations(
  root: RawObject,
  file: FileInfo,
  ctx: EvalContext,
  errors: string[],
): Map<string, Declaration> {
  const out = new Map<string, Declaration>();
  const raw = root['variable'];
  if (raw === undefined) return out;
  if (!isRawObject(raw)) {
    errors.push(
      `${at(file, findName(file.source, 'variable', 0))}: variable blocks need a name: variable "<name>" { ... }`,
    );
    return out;
  }
  for (const [name, bodies] of Object.entries(raw)) {
    const where = at(file, findBlock(file.source, 'variable', name, 0));
    const list = Array.isArray(bodies) ? bodies.filter(isRawObject) : [];
    if (list.length > 1)
      errors.push(`${where}: duplicate variable "${name}": it is declared ${list.length} times`);
    if (!NAME.test(name))
      errors.push(`${where}: invalid variable name "${name}": use letters, digits, underscores and dashes`);
    const body = list[0] ?? {};
    const decl = declaration(name, body, ctx, (m) => errors.push(`${where}: variable "${name}": ${m}`));
    out.set(name, decl);
  }
  return out;
}

function declaration(
  name: string,
  body: RawObject,
  ctx: EvalContext,
  fail: (m: string) => void,
): Declaration {
  for (const key of Object.keys(body)) if (!VARIABLE_ATTRS.has(key)) fail(`unknown attribute "${key}"`);
  let type = ANY_TYPE;
  if (typeof body['type'] === 'string') {
    try {
      type = parseType(body['type']);
    } catch (err) {
      if (!(err instanceof EvalError || err instanceof ExprSyntaxError)) throw err;
      fail(`invalid type: ${err.message}`);
    }
  }
  let value: Value | undefined;
  if (body['default'] !== undefined) {
    try {
      value = convert(evalRaw(body['default'], ctx), type);
    } catch (err) {
      if (!(err instanceof EvalError)) throw err;
      fail(`the default value does not fit the type ${typeString(type)}: ${err.message}`);
    }
  }
  const validations: Declaration['validations'] = [];
  const rawValidations = body['validation'];
  for (const v of Array.isArray(rawValidations) ? rawValidations.filter(isRawObject) : []) {
    if (v['condition'] === undefined) fail('a validation block needs a condition');
    else
      validations.push({
        condition: v['condition'],
        message: typeof v['error_message'] === 'string' ? v['error_message'] : '',
      });
  }
  return { name, type, value, validations };
}

/** A value given as text (-var, NOMAD_VAR_): complex types are written as HCL expressions. */
function fromText(text: string, type: HclType, ctx: EvalContext): Value {
  if (!isComplex(type)) return convert(text, type);
  let v: Value;
  try {
    v = evaluate(parseExpression(text), ctx);
  } catch (err) {
    if (err instanceof ExprSyntaxError) throw new EvalError(err.message, { cause: err });
    throw err;
  }
  return convert(v, type);
}

async function varFileValues(
  file: VarFile,
  parseHcl: ParseHcl,
  errors: string[],
): Promise<[string, Raw, string][]> {
  let raw: unknown;
  try {
    raw = file.filename.endsWith('.json')
      ? JSON.parse(file.source)
      : await parseHcl(file.filename, file.source);
  } catch (err) {
    errors.push(`${file.filename}: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
  if (!isRawObject(raw)) {
    errors.push(`${file.filename}: a variables file must set variables: name = value`);
    return [];
  }
  const out: [string, Raw, string][] = [];
  for (const [name, v] of Object.entries(raw)) {
    const where = at(file, findName(file.source, name, 0));
    if (name === 'variable' || name === 'locals' || name === 'job') {
      errors.push(`${where}: a variables file may only set values: "${name}" blocks belong in the job file`);
    } else out.push([name, v, where]);
  }
  return out;
}

export interface ScopeResult {
  scope: Scope;
  errors: string[];
}

/** Builds the scope that a job file's expressions see: `var.*`, `local.*` and the functions. */
export async function buildScope(
  root: RawObject,
  file: FileInfo,
  opts: VariableInputs & { functions: Readonly<Record<string, HclFunction>>; parseHcl: ParseHcl },
): Promise<ScopeResult> {
  const errors: string[] = [];
  const empty = emptyContext(opts.functions);
  const decls = declarations(root, file, empty, errors);
  const set = (name: string, where: string, get: (d: Declaration) => Value, undeclared: string | null) => {
    const d = decls.get(name);
    if (d === undefined) {
      if (undeclared !== null)
        errors.push(`${where}: ${undeclared} "${name}": no variable block declares it`);
      return;
    }
    try {
      d.value = get(d);
    } catch (err) {
      if (!(err instanceof EvalError)) throw err;
      errors.push(`${where}: invalid value for variable "${name}" (${typeString(d.type)}): ${err.message}`);
    }
  };
  for (const [key, text] of Object.entries(opts.env ?? {})) {
    if (key.startsWith(ENV_PREFIX) && text !== undefined) {
      set(key.slice(ENV_PREFIX.length), `environment ${key}`, (d) => fromText(text, d.type, empty), null);
    }
  }
  for (const vf of opts.varFiles ?? []) {
    for (const [name, raw, where] of await varFileValues(vf, opts.parseHcl, errors)) {
      set(name, where, (d) => convert(evalRaw(raw, empty), d.type), 'undefined variable');
    }
  }
  for (const [name, text] of Object.entries(opts.vars ?? {})) {
    set(name, `-var ${name}`, (d) => fromText(text, d.type, empty), 'undefined -var variable');
  }
  const vars: ObjectValue = {};
  for (const d of decls.values()) {
    if (d.value === undefined) {
      const where = at(file, findBlock(file.source, 'variable', d.name, 0));
      errors.push(
        `${where}: variable "${d.name}" has no value: give it a default, or set it with -var ${d.name}=..., a -var-file, or ${ENV_PREFIX}${d.name}`,
      );
    } else vars[d.name] = d.value;
  }
  const { scope, names } = localsScope(root, file, { vars, functions: opts.functions, errors });
  if (errors.length === 0) {
    checkValidations(decls, scope, file, errors);
    // Every local is evaluated, used or not, so that a broken one is reported.
    for (const name of names) {
      try {
        scope.local(name);
      } catch (err) {
        if (!(err instanceof EvalError)) throw err;
        errors.push(`${at(file, findName(file.source, name, 0))}: local "${name}": ${err.message}`);
      }
    }
  }
  return { scope, errors };
}

function checkValidations(
  decls: Map<string, Declaration>,
  scope: Scope,
  file: FileInfo,
  errors: string[],
): void {
  const ctx: EvalContext = { scope, bound: new Map() };
  for (const d of decls.values()) {
    for (const v of d.validations) {
      const where = at(file, findBlock(file.source, 'variable', d.name, 0));
      try {
        const ok = evalRaw(v.condition, ctx);
        if (ok instanceof Unknown) throw new EvalError('the condition must be known when the job is parsed');
        if (!toBoolValue(ok, 'the condition'))
          errors.push(`${where}: invalid value for variable "${d.name}": ${v.message}`);
      } catch (err) {
        if (!(err instanceof EvalError)) throw err;
        errors.push(`${where}: variable "${d.name}": invalid validation condition: ${err.message}`);
      }
    }
  }
}

/** `locals` blocks: each value is evaluated when first used, and a cycle is an error. */
function localsScope(
  root: RawObject,
  file: FileInfo,
  opts: { vars: ObjectValue; functions: Readonly<Record<string, HclFunction>>; errors: string[] },
): { scope: Scope; names: string[] } {
  const defs = new Map<string, Raw>();
  const blocks = root['locals'];
  for (const block of Array.isArray(blocks) ? blocks.filter(isRawObject) : []) {
    for (const [name, raw] of Object.entries(block)) {
      if (defs.has(name))
        opts.errors.push(`${at(file, findName(file.source, name, 0))}: duplicate local "${name}"`);
      defs.set(name, raw);
    }
  }
  const values = new Map<string, Value>();
  const resolving = new Set<string>();
  const scope: Scope = {
    vars: opts.vars,
    functions: opts.functions,
    local(name) {
      const cached = values.get(name);
      if (cached !== undefined) return cached;
      const raw = defs.get(name);
      if (raw === undefined) return undefined;
      if (resolving.has(name)) throw new EvalError(`local "${name}" refers to itself`);
      resolving.add(name);
      try {
        const v = evalRaw(raw, { scope, bound: new Map() });
        values.set(name, v);
        return v;
      } finally {
        resolving.delete(name);
      }
    },
  };
  return { scope, names: [...defs.keys()] };
}
