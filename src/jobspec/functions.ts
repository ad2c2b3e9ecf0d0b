/**
 * The function library of job files: strings, collections, numbers, conversions (in their own
 * files), encodings, and the file-system functions, whose I/O comes in as a readFile option
 * because src/jobspec is pure.
 */
import type { HclFunction } from './expr_eval.ts';
import { evaluateTemplate } from './expr_eval.ts';
import { parseTemplate } from './expr_parse.ts';
import { COLLECTION_FUNCTIONS } from './functions_collection.ts';
import { STRING_FUNCTIONS, arity } from './functions_string.ts';
import type { ObjectValue, Value } from './value.ts';
import { EvalError, Unknown, isObject, numberToString, toObjectValue, toStringValue } from './value.ts';

export interface FileAccess {
  /** Reads a file (path as given, already made absolute against cwd); throws when it cannot. */
  readFile?: ((path: string) => string) | undefined;
  /** The directory relative paths are taken from (Nomad: the working directory). */
  cwd: string;
}

/** Files read by file()/templatefile() larger than this are refused. */
export const FUNCTION_FILE_BYTES_MAX = 4 * 1024 * 1024;

/** Joins and normalizes a POSIX path: "/a/b/../c" -> "/a/c". */
export function resolvePath(cwd: string, path: string): string {
  const full = path.startsWith('/') ? path : `${cwd.replace(/\/+$/, '')}/${path}`;
  const parts: string[] = [];
  for (const p of full.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path.startsWith('/') ? '/' : '.';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return trimmed.slice(0, i).replace(/\/+$/, '') || '/';
}

/** JSON with object keys in lexical order, as HCL's jsonencode writes it. */
export function jsonEncode(v: Value): string {
  if (v instanceof Unknown) return JSON.stringify(v.text);
  if (Array.isArray(v)) return `[${v.map(jsonEncode).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${jsonEncode(v[k]!)}`)
      .join(',')}}`;
  }
  if (typeof v === 'number') return numberToString(v);
  return JSON.stringify(v);
}

function jsonDecode(text: string): Value {
  try {
    return JSON.parse(text) as Value;
  } catch (err) {
    throw new EvalError(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function encodingFunctions(): Record<string, HclFunction> {
  return {
    jsonencode: (a) => (arity('jsonencode', a, 1), jsonEncode(a[0]!)),
    jsondecode: (a) => (arity('jsondecode', a, 1), jsonDecode(toStringValue(a[0]!))),
    base64encode: (a) => (
      arity('base64encode', a, 1),
      Buffer.from(toStringValue(a[0]!), 'utf8').toString('base64')
    ),
    base64decode: (a) => {
      arity('base64decode', a, 1);
      const text = toStringValue(a[0]!);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
        throw new EvalError(`${JSON.stringify(text)} is not valid base64`);
      }
      return Buffer.from(text, 'base64').toString('utf8');
    },
  };
}

function fileFunctions(io: FileAccess, base: () => Record<string, HclFunction>): Record<string, HclFunction> {
  const read = (path: string): string => {
    if (io.readFile === undefined)
      throw new EvalError('file functions are not available here: no file access was given');
    const full = resolvePath(io.cwd, path);
    let text: string;
    try {
      text = io.readFile(full);
    } catch (err) {
      throw new EvalError(`cannot read ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err });
    }
    if (text.length > FUNCTION_FILE_BYTES_MAX)
      throw new EvalError(`${JSON.stringify(path)} is larger than ${FUNCTION_FILE_BYTES_MAX} bytes`);
    return text;
  };
  return {
    file: (a) => (arity('file', a, 1), read(toStringValue(a[0]!))),
    filebase64: (a) => (
      arity('filebase64', a, 1),
      Buffer.from(read(toStringValue(a[0]!)), 'utf8').toString('base64')
    ),
    fileexists: (a) => {
      arity('fileexists', a, 1);
      try {
        read(toStringValue(a[0]!));
        return true;
      } catch (err) {
        if (err instanceof EvalError) return false;
        throw err;
      }
    },
    templatefile: (a) => {
      arity('templatefile', a, 2);
      const vars: ObjectValue = toObjectValue(a[1]!, 'the template variables');
      const parts = parseTemplate(read(toStringValue(a[0]!)));
      const { templatefile: _ignored, ...functions } = base();
      // The template sees only the variables given to it (and no templatefile(), to forbid recursion).
      const scope = { vars: {}, local: () => undefined, functions };
      const v = evaluateTemplate(parts, { scope, bound: new Map(Object.entries(vars)) });
      return v instanceof Unknown ? v.text : toStringValue(v, 'the template result');
    },
    abspath: (a) => (arity('abspath', a, 1), resolvePath(io.cwd, toStringValue(a[0]!))),
    basename: (a) => (arity('basename', a, 1), basename(toStringValue(a[0]!))),
    dirname: (a) => (arity('dirname', a, 1), dirname(toStringValue(a[0]!))),
  };
}

/** The whole library; `try` and `can` are evaluated lazily by the evaluator itself. */
export function makeFunctions(io: FileAccess): Readonly<Record<string, HclFunction>> {
  const lazy: HclFunction = () => {
    throw new EvalError('try() and can() are evaluated by the evaluator');
  };
  let all: Record<string, HclFunction> = {};
  all = {
    ...STRING_FUNCTIONS,
    ...COLLECTION_FUNCTIONS,
    ...encodingFunctions(),
    ...fileFunctions(io, () => all),
    try: lazy,
    can: lazy,
  };
  return all;
}
