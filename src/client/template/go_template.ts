/**
 * A small subset of Go's text/template, enough for the templates people write for Nomad tasks:
 *
 *   text {{ pipeline }} text          output a value
 *   {{- ... -}}                        trim whitespace on that side
 *   {{/* comment *\/}}
 *   {{ if pipeline }} ... {{ else if pipeline }} ... {{ else }} ... {{ end }}
 *   pipeline := command ( "|" command )*   (the previous result is passed as the last argument)
 *   command  := "string" | `raw` | 123 | true | false | .Field.Path | (pipeline) | func arg...
 *
 * Functions: env "NAME" (the task env plus node.*, attr.*, meta.* values), toUpper, toLower,
 * trimSpace, replaceAll old new s, contains sub s, or, and, not, eq, ne, len, printf (%s %d %v %q),
 * toJSON. Data: {{ .Node.ID }}, .Node.Name, .Node.Datacenter, .Node.Class, .Node.Attributes.<key>
 * style lookups on whatever data object the caller gives. Anything else (range, with, define,
 * Consul/Vault functions) is refused with an error naming it.
 */
import { NomadError } from '../../lib/errors.ts';

export type TemplateValue =
  string | number | boolean | undefined | null | { readonly [k: string]: TemplateValue };
export type TemplateFunc = (...args: TemplateValue[]) => TemplateValue;

export interface TemplateOptions {
  funcs: Readonly<Record<string, TemplateFunc>>;
  data: TemplateValue;
  leftDelim?: string;
  rightDelim?: string;
  /** A missing field is an error instead of "<no value>". */
  errMissingKey?: boolean;
}

/** Bounds on what one template may be, so a bad template cannot eat the agent. */
export const TEMPLATE_SIZE_MAX = 1024 * 1024;
export const TEMPLATE_DEPTH_MAX = 32;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; expr: string }
  | { kind: 'if'; branches: { cond: string | null; body: Node[] }[] };

const fail = (msg: string): NomadError => new NomadError('validation', `template: ${msg}`);

function lex(src: string, l: string, r: string): ({ t: 'text'; v: string } | { t: 'act'; v: string })[] {
  const out: ({ t: 'text'; v: string } | { t: 'act'; v: string })[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf(l, i);
    if (open < 0) {
      out.push({ t: 'text', v: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + l.length;
    if (src.startsWith('- ', start) || src.startsWith('-\n', start) || src.startsWith('-\t', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = src.indexOf(r, start);
    if (close < 0) throw fail(`unclosed action starting at offset ${open}`);
    let inner = src.slice(start, close);
    let next = close + r.length;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      const m = /^\s*/.exec(src.slice(next))!;
      next += m[0].length;
    }
    out.push({ t: 'text', v: text }, { t: 'act', v: inner.trim() });
    i = next;
  }
  return out;
}

function parse(src: string, l: string, r: string): Node[] {
  const root: Node[] = [];
  const stack: { node: Extract<Node, { kind: 'if' }> }[] = [];
  const current = (): Node[] => {
    const top = stack.at(-1);
    return top === undefined ? root : top.node.branches.at(-1)!.body;
  };
  for (const tok of lex(src, l, r)) {
    if (tok.t === 'text') {
      if (tok.v !== '') current().push({ kind: 'text', text: tok.v });
      continue;
    }
    const a = tok.v;
    if (a.startsWith('/*')) continue;
    const word = /^(\w+)\b\s*(.*)$/s.exec(a);
    const kw = word?.[1];
    if (kw === 'if') {
      const node: Extract<Node, { kind: 'if' }> = { kind: 'if', branches: [{ cond: word![2]!, body: [] }] };
      current().push(node);
      stack.push({ node });
      if (stack.length > TEMPLATE_DEPTH_MAX) throw fail(`ifs nested deeper than ${TEMPLATE_DEPTH_MAX}`);
    } else if (kw === 'else') {
      const top = stack.at(-1);
      if (top === undefined) throw fail('unexpected {{else}}');
      const rest = word![2]!;
      const elif = /^if\b\s*(.*)$/s.exec(rest);
      top.node.branches.push({ cond: elif === null ? null : elif[1]!, body: [] });
    } else if (kw === 'end') {
      if (stack.pop() === undefined) throw fail('unexpected {{end}}');
    } else if (kw === 'range' || kw === 'with' || kw === 'define' || kw === 'template' || kw === 'block') {
      throw fail(`"${kw}" is not supported`);
    } else {
      current().push({ kind: 'action', expr: a });
    }
  }
  if (stack.length > 0) throw fail('unexpected EOF: missing {{end}}');
  return root;
}

type Tok = { t: 'str' | 'num' | 'bool' | 'field' | 'ident' | '(' | ')' | '|'; v: string };

function tokenize(expr: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?)|(\.[\w.]*)|([A-Za-z_]\w*)|([()|]))/y;
  let i = 0;
  while (i < expr.length) {
    if (/^\s*$/.test(expr.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(expr);
    if (m === null) throw fail(`unexpected "${expr.slice(i).trim()}" in "${expr}"`);
    i = re.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'str', v: JSON.parse(m[1]) as string });
    else if (m[2] !== undefined) out.push({ t: 'str', v: m[2].slice(1, -1) });
    else if (m[3] !== undefined) out.push({ t: 'num', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'field', v: m[4] });
    else if (m[5] !== undefined)
      out.push(m[5] === 'true' || m[5] === 'false' ? { t: 'bool', v: m[5] } : { t: 'ident', v: m[5] });
    else out.push({ t: m[6] as '(' | ')' | '|', v: m[6]! });
  }
  return out;
}

class Evaluator {
  readonly #o: TemplateOptions;
  constructor(o: TemplateOptions) {
    this.#o = o;
  }

  pipeline(toks: Tok[], pos: { i: number }, depth: number): TemplateValue {
    if (depth > TEMPLATE_DEPTH_MAX) throw fail('expression nested too deeply');
    let prev: TemplateValue | typeof NONE = NONE;
    for (;;) {
      const args: (TemplateValue | { fn: string })[] = [];
      while (pos.i < toks.length && toks[pos.i]!.t !== '|' && toks[pos.i]!.t !== ')') {
        args.push(this.operand(toks, pos, depth, args.length === 0));
      }
      if (prev !== NONE) args.push(prev);
      prev = this.call(args);
      if (pos.i < toks.length && toks[pos.i]!.t === '|') {
        pos.i += 1;
        continue;
      }
      return prev;
    }
  }

  operand(toks: Tok[], pos: { i: number }, depth: number, first: boolean): TemplateValue | { fn: string } {
    const tok = toks[pos.i++]!;
    switch (tok.t) {
      case 'str':
        return tok.v;
      case 'num':
        return Number(tok.v);
      case 'bool':
        return tok.v === 'true';
      case 'field':
        return this.field(tok.v);
      case 'ident':
        return first ? { fn: tok.v } : this.call([{ fn: tok.v }]);
      case '(': {
        const v = this.pipeline(toks, pos, depth + 1);
        if (toks[pos.i++]?.t !== ')') throw fail('missing ")"');
        return v;
      }
      default:
        throw fail(`unexpected "${tok.v}"`);
    }
  }

  field(path: string): TemplateValue {
    let v: TemplateValue = this.#o.data;
    for (const part of path.split('.').filter((p) => p !== '')) {
      const next: TemplateValue = typeof v === 'object' && v !== null ? v[part] : undefined;
      if (next === undefined && this.#o.errMissingKey === true)
        throw fail(`map has no entry for key "${part}"`);
      v = next;
    }
    return v;
  }

  call(args: (TemplateValue | { fn: string })[]): TemplateValue {
    const [head, ...rest] = args;
    if (isFn(head)) {
      const f = this.#o.funcs[head.fn] ?? BUILTINS[head.fn];
      if (f === undefined) throw fail(`function "${head.fn}" not defined`);
      return f(...(rest as TemplateValue[]));
    }
    if (rest.length > 0) throw fail(`can't give argument to non-function ${String(head)}`);
    return head as TemplateValue;
  }
}

const NONE = Symbol('none');
const isFn = (v: unknown): v is { fn: string } =>
  typeof v === 'object' && v !== null && 'fn' in v && typeof (v as { fn: unknown }).fn === 'string';
const truthy = (v: TemplateValue): boolean =>
  v !== undefined && v !== null && v !== '' && v !== 0 && v !== false;
const str = (v: TemplateValue): string =>
  v === undefined || v === null ? '<no value>' : typeof v === 'object' ? JSON.stringify(v) : String(v);

const BUILTINS: Readonly<Record<string, TemplateFunc>> = {
  toUpper: (s) => str(s).toUpperCase(),
  toLower: (s) => str(s).toLowerCase(),
  trimSpace: (s) => str(s).trim(),
  replaceAll: (a, b, s) => str(s).split(str(a)).join(str(b)),
  contains: (sub, s) => str(s).includes(str(sub)),
  or: (...xs) => xs.find(truthy) ?? xs.at(-1),
  and: (...xs) => xs.find((x) => !truthy(x)) ?? xs.at(-1),
  not: (x) => !truthy(x),
  eq: (a, ...bs) => bs.some((b) => b === a),
  ne: (a, b) => a !== b,
  len: (x) =>
    typeof x === 'string' ? x.length : typeof x === 'object' && x !== null ? Object.keys(x).length : 0,
  toJSON: (x) => JSON.stringify(x ?? null),
  printf: (fmt, ...xs) => {
    let k = 0;
    return str(fmt).replace(/%[sdvq%]/g, (m) => {
      if (m === '%%') return '%';
      const x = xs[k++];
      return m === '%q' ? JSON.stringify(str(x)) : m === '%d' ? String(Math.trunc(Number(x))) : str(x);
    });
  },
};

function render(nodes: Node[], ev: Evaluator, out: string[]): void {
  for (const n of nodes) {
    if (n.kind === 'text') out.push(n.text);
    else if (n.kind === 'action') out.push(str(evalExpr(n.expr, ev)));
    else {
      const branch = n.branches.find((b) => b.cond === null || truthy(evalExpr(b.cond, ev)));
      if (branch !== undefined) render(branch.body, ev, out);
    }
  }
}

function evalExpr(expr: string, ev: Evaluator): TemplateValue {
  const toks = tokenize(expr);
  if (toks.length === 0) throw fail('missing value for command');
  const pos = { i: 0 };
  const v = ev.pipeline(toks, pos, 0);
  if (pos.i !== toks.length) throw fail(`unexpected "${toks[pos.i]!.v}" in "${expr}"`);
  return v;
}

export function renderTemplate(src: string, opts: TemplateOptions): string {
  if (src.length > TEMPLATE_SIZE_MAX) throw fail(`template is larger than ${TEMPLATE_SIZE_MAX} bytes`);
  const nodes = parse(src, opts.leftDelim || '{{', opts.rightDelim || '}}');
  const out: string[] = [];
  render(nodes, new Evaluator(opts), out);
  return out.join('');
}
