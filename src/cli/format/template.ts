/**
 * A subset of Go's text/template, for the `-t` flag of Nomad's commands: `{{.Field.Sub}}`,
 * `{{range .}}...{{else}}...{{end}}` (with `$i, $v :=`), `{{if}}`, `{{with}}`, pipelines with `|`,
 * trim markers `{{-` / `-}}`, and the builtins index, len, not, and, or, eq, ne, lt, le, gt, ge,
 * print, printf, println. Errors name the template position, like Go's.
 */

const TEMPLATE_LENGTH_MAX = 64 * 1024;
const RANGE_ITEMS_MAX = 1_000_000;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: string }
  | { kind: 'range' | 'if' | 'with'; pipe: string; vars: string[]; body: Node[]; alt: Node[] };

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Renders a template against a value (the API's JSON for the command's object). */
export function renderTemplate(template: string, data: unknown): string {
  if (template.length > TEMPLATE_LENGTH_MAX)
    throw new TemplateError(`template: longer than ${TEMPLATE_LENGTH_MAX} characters`);
  const tokens = tokenize(template);
  const { nodes, rest } = parseNodes(tokens, 0);
  if (rest < tokens.length) throw new TemplateError(`template: unexpected {{${tokens[rest]!.text}}}`);
  return execNodes(nodes, { dot: data, root: data, vars: new Map() });
}

interface Token {
  action: boolean;
  text: string;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ action: false, text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('template: unclosed action');
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('- ') || inner === '-') {
      text = text.trimEnd();
      inner = inner.slice(1);
    }
    let next = close + 2;
    if (inner.endsWith(' -')) {
      inner = inner.slice(0, -2);
      const m = /^\s*/.exec(src.slice(next))!;
      next += m[0].length;
    }
    if (text !== '') out.push({ action: false, text });
    out.push({ action: true, text: inner.trim() });
    i = next;
  }
  return out;
}

function parseNodes(tokens: Token[], start: number): { nodes: Node[]; rest: number } {
  const nodes: Node[] = [];
  let i = start;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (!t.action) {
      nodes.push({ kind: 'text', text: t.text });
      i++;
      continue;
    }
    if (t.text === 'end' || t.text === 'else') break;
    if (t.text.startsWith('/*')) {
      i++;
      continue;
    }
    const m = /^(range|if|with)\s+(.*)$/s.exec(t.text);
    if (m === null) {
      nodes.push({ kind: 'action', pipe: t.text });
      i++;
      continue;
    }
    const kind = m[1] as 'range' | 'if' | 'with';
    const { vars, pipe } = splitDeclaration(m[2]!);
    const body = parseNodes(tokens, i + 1);
    let alt: Node[] = [];
    let j = body.rest;
    if (tokens[j]?.text === 'else') {
      const parsed = parseNodes(tokens, j + 1);
      alt = parsed.nodes;
      j = parsed.rest;
    }
    if (tokens[j]?.text !== 'end') throw new TemplateError(`template: unexpected EOF in {{${kind}}}`);
    nodes.push({ kind, pipe, vars, body: body.nodes, alt });
    i = j + 1;
  }
  return { nodes, rest: i };
}

function splitDeclaration(text: string): { vars: string[]; pipe: string } {
  const m = /^((?:\$\w*\s*,\s*)?\$\w*)\s*:=\s*(.*)$/s.exec(text);
  if (m === null) return { vars: [], pipe: text };
  return { vars: m[1]!.split(',').map((v) => v.trim()), pipe: m[2]! };
}

interface Scope {
  dot: unknown;
  root: unknown;
  vars: Map<string, unknown>;
}

function execNodes(nodes: readonly Node[], scope: Scope): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'action') out += printValue(evalPipe(n.pipe, scope));
    else out += execBlock(n, scope);
  }
  return out;
}

function execBlock(n: Extract<Node, { kind: 'range' | 'if' | 'with' }>, scope: Scope): string {
  const value = evalPipe(n.pipe, scope);
  if (n.kind === 'if') return execNodes(truthy(value) ? n.body : n.alt, scope);
  if (n.kind === 'with')
    return truthy(value) ? execNodes(n.body, { ...scope, dot: value }) : execNodes(n.alt, scope);
  const entries: [unknown, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isRecord(value)
      ? Object.keys(value)
          .sort()
          .map((k) => [k, value[k]])
      : [];
  if (entries.length > RANGE_ITEMS_MAX) throw new TemplateError('template: range over too many items');
  if (entries.length === 0) return execNodes(n.alt, scope);
  let out = '';
  for (const [k, v] of entries) {
    const vars = new Map(scope.vars);
    if (n.vars.length === 1) vars.set(n.vars[0]!, v);
    if (n.vars.length === 2) {
      vars.set(n.vars[0]!, k);
      vars.set(n.vars[1]!, v);
    }
    out += execNodes(n.body, { ...scope, dot: v, vars });
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return true;
}

function evalPipe(pipe: string, scope: Scope): unknown {
  let value: unknown = undefined;
  let first = true;
  for (const cmd of splitTopLevel(pipe, '|')) {
    const args = tokenizeArgs(cmd.trim());
    if (args.length === 0) throw new TemplateError(`template: missing value in "${pipe}"`);
    const extra = first ? [] : [value];
    value = evalCommand(args, extra, scope);
    first = false;
  }
  return value;
}

function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' && text[i - 1] !== '\\') quote = !quote;
    if (!quote && c === '(') depth++;
    if (!quote && c === ')') depth--;
    if (!quote && depth === 0 && c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function tokenizeArgs(text: string): string[] {
  // A parenthesized pipeline may be followed by a field chain: `(index . 0).ID`.
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|\((?:[^()]|\([^()]*\))*\)(?:\.\w+)*|[^\s()]+/g;
  return text.match(re) ?? [];
}

const FUNCS: Readonly<Record<string, (args: unknown[]) => unknown>> = {
  len: ([v]) =>
    Array.isArray(v) ? v.length : typeof v === 'string' ? v.length : isRecord(v) ? Object.keys(v).length : 0,
  index: ([v, ...keys]) =>
    keys.reduce<unknown>(
      (acc, k) =>
        isRecord(acc) || Array.isArray(acc) ? (acc as Record<string, unknown>)[String(k)] : undefined,
      v,
    ),
  not: ([v]) => !truthy(v),
  and: (args) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (args) => args.find((a) => truthy(a)) ?? args[args.length - 1],
  eq: ([a, ...rest]) => rest.some((b) => a === b),
  ne: ([a, b]) => a !== b,
  lt: ([a, b]) => (a as number) < (b as number),
  le: ([a, b]) => (a as number) <= (b as number),
  gt: ([a, b]) => (a as number) > (b as number),
  ge: ([a, b]) => (a as number) >= (b as number),
  print: (args) => args.map(printValue).join(''),
  println: (args) => `${args.map(printValue).join(' ')}\n`,
  printf: ([format, ...args]) => sprintf(String(format), args),
};

function evalCommand(args: string[], piped: unknown[], scope: Scope): unknown {
  const head = args[0]!;
  const fn = FUNCS[head];
  if (fn !== undefined) return fn([...args.slice(1).map((a) => evalOperand(a, scope)), ...piped]);
  if (/^[A-Za-z_]\w*$/.test(head) && !['true', 'false', 'nil'].includes(head)) {
    throw new TemplateError(`template: function "${head}" not defined`);
  }
  if (args.length > 1 || piped.length > 0)
    throw new TemplateError(`template: can't give argument to non-function ${head}`);
  return evalOperand(head, scope);
}

function evalOperand(text: string, scope: Scope): unknown {
  if (text.startsWith('(')) {
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 1);
    const value = evalPipe(text.slice(1, close), scope);
    return fields === '' ? value : fieldPath(value, fields.slice(1).split('.'));
  }
  if (text.startsWith('"')) return JSON.parse(text) as unknown;
  if (text.startsWith('`')) return text.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'nil') return null;
  if (text === '.') return scope.dot;
  if (text.startsWith('.')) return fieldPath(scope.dot, text.slice(1).split('.'));
  if (text.startsWith('$')) {
    const [name, ...path] = text.split('.');
    const base = name === '$' ? scope.root : scope.vars.get(name!);
    if (name !== '$' && !scope.vars.has(name!))
      throw new TemplateError(`template: undefined variable "${name}"`);
    return fieldPath(base, path);
  }
  throw new TemplateError(`template: function "${text}" not defined`);
}

function fieldPath(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const p of path) {
    if (p === '') continue;
    if (!isRecord(v)) throw new TemplateError(`template: can't evaluate field ${p} in a non-object value`);
    v = v[p];
  }
  return v;
}

/** Prints a value as Go's fmt %v does, closely enough for templates. */
export function printValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${printValue(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%(-?\d*)([sdvqtx%])/g, (_m, width: string, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[i++];
    let s: string;
    if (verb === 'q') s = JSON.stringify(printValue(arg));
    else if (verb === 'd') s = String(Math.trunc(Number(arg)));
    else if (verb === 'x') s = Math.trunc(Number(arg)).toString(16);
    else s = printValue(arg);
    const w = Number(width);
    if (width === '' || Number.isNaN(w)) return s;
    return w < 0 ? s.padEnd(-w) : s.padStart(w);
  });
}

/** Nomad's -json output: the value as indented JSON (four spaces). */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 4);
}

/** -json or -t, whichever was given: what `Format(json, tmpl, v)` does in Nomad's CLI. */
export function formatOutput(opts: { json: boolean; template: string }, value: unknown): string {
  if (opts.json && opts.template !== '')
    throw new TemplateError('Both json and template formatting are not allowed');
  if (opts.json) return formatJson(value);
  return renderTemplate(opts.template, value);
}
