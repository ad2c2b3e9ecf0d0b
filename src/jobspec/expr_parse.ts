/**
 * A recursive-descent parser for HCL's expression and template syntax (hclsyntax spec), working
 * directly on the text: expressions (`var.a + 1`, `[for s in x : upper(s)]`, `a ? b : c`, calls,
 * splats) and templates ("x-${var.a}", `%{ if c }...%{ endif }`, `$${` and `%%{` escapes).
 */
import type { BinaryOp, Expr, TemplatePart, Traversal } from './expr_ast.ts';

export class ExprSyntaxError extends Error {
  override name = 'ExprSyntaxError';
}

/** Nesting deeper than this is refused rather than overflowing the stack. */
export const EXPR_DEPTH_MAX = 200;

const PRECEDENCE: readonly (readonly BinaryOp[])[] = [
  ['||'],
  ['&&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** Parses a whole expression (the inside of `${...}`). */
export function parseExpression(src: string): Expr {
  const p = new Parser(src);
  const e = p.expression();
  p.ws();
  if (p.pos < src.length) p.fail(`unexpected ${JSON.stringify(src.slice(p.pos, p.pos + 10))}`);
  return e;
}

/** Parses a string value as hcl2json gives it: literal text (already unescaped) with templates. */
export function parseTemplate(src: string): TemplatePart[] {
  const p = new Parser(src);
  return p.templateParts({ escapes: false, quoted: false, until: [] }).parts;
}

type WithoutSrc<T> = T extends unknown ? Omit<T, 'src'> : never;

interface TemplateOpts {
  escapes: boolean;
  quoted: boolean;
  /** Directive keywords that end this sequence (endif, else, endfor). */
  until: readonly string[];
}

class Parser {
  readonly src: string;
  pos = 0;
  depth = 0;
  constructor(src: string) {
    this.src = src;
  }

  fail(message: string): never {
    throw new ExprSyntaxError(`${message} at column ${this.pos + 1} of ${JSON.stringify(this.src)}`);
  }

  ws(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#' || (c === '/' && this.src[this.pos + 1] === '/')) {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && this.src[this.pos + 1] === '*') {
        const end = this.src.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else return;
    }
  }

  peek(s: string): boolean {
    this.ws();
    return this.src.startsWith(s, this.pos);
  }

  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }

  expect(s: string): void {
    if (!this.eat(s)) this.fail(`expected ${JSON.stringify(s)}`);
  }

  keyword(word: string): boolean {
    this.ws();
    if (!this.src.startsWith(word, this.pos)) return false;
    const next = this.src[this.pos + word.length];
    if (next !== undefined && /[\w-]/.test(next)) return false;
    this.pos += word.length;
    return true;
  }

  identifier(): string {
    this.ws();
    const m = /^[A-Za-z_][\w-]*/.exec(this.src.slice(this.pos));
    if (m === null) this.fail('expected a name');
    this.pos += m[0].length;
    return m[0];
  }

  node(start: number, fields: WithoutSrc<Expr>): Expr {
    return { ...fields, src: this.src.slice(start, this.pos).trim() } as Expr;
  }

  expression(): Expr {
    if (++this.depth > EXPR_DEPTH_MAX) this.fail(`expression nests deeper than ${EXPR_DEPTH_MAX}`);
    this.ws();
    const start = this.pos;
    const condition = this.binary(0);
    let out = condition;
    if (this.eat('?')) {
      const then = this.expression();
      this.expect(':');
      const otherwise = this.expression();
      out = this.node(start, { k: 'conditional', condition, then, otherwise });
    }
    this.depth--;
    return out;
  }

  binary(level: number): Expr {
    if (level >= PRECEDENCE.length) return this.unary();
    this.ws();
    const start = this.pos;
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.operator(PRECEDENCE[level]!);
      if (op === null) return left;
      const right = this.binary(level + 1);
      left = this.node(start, { k: 'binary', op, left, right });
    }
  }

  operator(ops: readonly BinaryOp[]): BinaryOp | null {
    this.ws();
    // Longest operators first, and never take "=" of "=>" or the "<" of a heredoc.
    const sorted = [...ops].sort((a, b) => b.length - a.length);
    for (const op of sorted) {
      if (!this.src.startsWith(op, this.pos)) continue;
      const after = this.src[this.pos + op.length];
      if ((op === '<' || op === '>') && after === '=') continue;
      if (op === '<' && after === '<') continue;
      if ((op === '==' || op === '!=') && after === '>') continue;
      this.pos += op.length;
      return op;
    }
    return null;
  }

  unary(): Expr {
    this.ws();
    const start = this.pos;
    if (this.src[this.pos] === '!' && this.src[this.pos + 1] !== '=') {
      this.pos++;
      return this.node(start, { k: 'unary', op: '!', operand: this.unary() });
    }
    if (this.src[this.pos] === '-') {
      this.pos++;
      return this.node(start, { k: 'unary', op: '-', operand: this.unary() });
    }
    return this.postfix(this.primary(), start);
  }

  postfix(base: Expr, start: number): Expr {
    let e = base;
    for (;;) {
      if (this.peek('.*') || this.peek('[*]')) {
        const full = this.src[this.pos] === '[';
        this.pos += full ? 3 : 2;
        e = this.node(start, { k: 'splat', object: e, steps: this.splatSteps(full) });
      } else if (this.peek('...')) {
        return e;
      } else if (this.eat('.')) {
        this.ws();
        const num = /^\d+/.exec(this.src.slice(this.pos));
        if (num !== null) {
          this.pos += num[0].length;
          const key: Expr = { k: 'literal', value: Number(num[0]), src: num[0] };
          e = this.node(start, { k: 'index', object: e, key });
        } else e = this.node(start, { k: 'attr', object: e, name: this.identifier() });
      } else if (this.eat('[')) {
        const key = this.expression();
        this.expect(']');
        e = this.node(start, { k: 'index', object: e, key });
      } else return e;
    }
  }

  splatSteps(full: boolean): Traversal[] {
    const steps: Traversal[] = [];
    for (;;) {
      if (this.peek('...') || this.peek('.*') || this.peek('[*]')) return steps;
      if (this.eat('.')) steps.push({ k: 'attr', name: this.identifier() });
      else if (full && this.eat('[')) {
        steps.push({ k: 'index', key: this.expression() });
        this.expect(']');
      } else return steps;
    }
  }

  primary(): Expr {
    this.ws();
    const start = this.pos;
    const c = this.src[this.pos];
    if (c === undefined) this.fail('unexpected end of expression');
    if (/\d/.test(c)) return this.number();
    if (c === '"') {
      this.pos++;
      const { parts } = this.templateParts({ escapes: true, quoted: true, until: [] });
      return this.node(start, { k: 'template', parts });
    }
    if (c === '(') {
      this.pos++;
      const inner = this.expression();
      this.expect(')');
      return this.node(start, { k: 'paren', inner });
    }
    if (c === '[') return this.tupleOrFor();
    if (c === '{') return this.objectOrFor();
    if (this.src.startsWith('<<', this.pos)) this.fail('heredocs are not supported inside an expression');
    const name = this.identifier();
    if (name === 'true' || name === 'false')
      return this.node(start, { k: 'literal', value: name === 'true' });
    if (name === 'null') return this.node(start, { k: 'literal', value: null });
    if (this.eat('(')) return this.call(name, start);
    return this.node(start, { k: 'variable', name });
  }

  number(): Expr {
    const start = this.pos;
    const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.src.slice(this.pos))!;
    this.pos += m[0].length;
    return this.node(start, { k: 'literal', value: Number(m[0]) });
  }

  call(name: string, start: number): Expr {
    const args: Expr[] = [];
    let expandLast = false;
    while (!this.eat(')')) {
      args.push(this.expression());
      if (this.eat('...')) {
        expandLast = true;
        this.expect(')');
        break;
      }
      if (!this.eat(',')) {
        this.expect(')');
        break;
      }
    }
    return this.node(start, { k: 'call', name, args, expandLast });
  }

  tupleOrFor(): Expr {
    const start = this.pos;
    this.pos++;
    if (this.keyword('for')) return this.forExpr(start, false);
    const items: Expr[] = [];
    while (!this.eat(']')) {
      items.push(this.expression());
      if (!this.eat(',')) {
        this.expect(']');
        break;
      }
    }
    return this.node(start, { k: 'tuple', items });
  }

  objectOrFor(): Expr {
    const start = this.pos;
    this.pos++;
    if (this.keyword('for')) return this.forExpr(start, true);
    const items: { key: Expr; value: Expr }[] = [];
    while (!this.eat('}')) {
      let key = this.expression();
      // A bare name as a key is the name itself, not a variable.
      if (key.k === 'variable') key = { k: 'literal', value: key.name, src: key.src };
      if (!this.eat('=') && !this.eat(':')) this.fail('expected "=" or ":" after an object key');
      items.push({ key, value: this.expression() });
      this.eat(',');
    }
    return this.node(start, { k: 'object', items });
  }

  forExpr(start: number, isObject: boolean): Expr {
    let keyVar: string | null = null;
    let valueVar = this.identifier();
    if (this.eat(',')) {
      keyVar = valueVar;
      valueVar = this.identifier();
    }
    if (!this.keyword('in')) this.fail('expected "in" in a for expression');
    const collection = this.expression();
    this.expect(':');
    let keyExpr: Expr | null = null;
    let valueExpr = this.expression();
    let grouping = false;
    if (isObject) {
      this.expect('=>');
      keyExpr = valueExpr;
      valueExpr = this.expression();
      grouping = this.eat('...');
    }
    const condition = this.keyword('if') ? this.expression() : null;
    this.expect(isObject ? '}' : ']');
    return this.node(start, {
      k: 'for',
      keyVar,
      valueVar,
      collection,
      keyExpr,
      valueExpr,
      condition,
      grouping,
    });
  }

  /** Reads template text until the closing quote (quoted), the end, or a directive in `until`. */
  templateParts(opts: TemplateOpts): { parts: TemplatePart[]; ended: string | null } {
    const parts: TemplatePart[] = [];
    let text = '';
    const flush = () => {
      if (text !== '') parts.push({ k: 'text', text });
      text = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (opts.quoted && c === '"') {
        this.pos++;
        flush();
        return { parts, ended: null };
      }
      if ((c === '$' || c === '%') && this.src[this.pos + 1] === c && this.src[this.pos + 2] === '{') {
        text += `${c}{`;
        this.pos += 3;
      } else if (c === '$' && this.src[this.pos + 1] === '{') {
        this.pos += 2;
        if (this.stripMarker()) text = text.trimEnd();
        flush();
        const exprStart = this.pos;
        const expr = this.expression();
        const src = this.src.slice(exprStart, this.pos).trim();
        const strip = this.closeInterpolation();
        parts.push({ k: 'interp', expr, src });
        if (strip) this.skipSpace();
      } else if (c === '%' && this.src[this.pos + 1] === '{') {
        const save = this.pos;
        this.pos += 2;
        if (this.stripMarker()) text = text.trimEnd();
        this.ws();
        const word = /^\w+/.exec(this.src.slice(this.pos))?.[0] ?? '';
        if (opts.until.includes(word)) {
          this.pos = save;
          flush();
          return { parts, ended: word };
        }
        flush();
        parts.push(this.directive(word, opts));
      } else if (c === '\\' && opts.escapes) {
        text += this.escape();
      } else {
        text += c;
        this.pos++;
      }
    }
    if (opts.quoted) this.fail('unterminated string');
    if (opts.until.length > 0) this.fail(`expected %{ ${opts.until.join(' or ')} }`);
    flush();
    return { parts, ended: null };
  }

  stripMarker(): boolean {
    if (this.src[this.pos] !== '~') return false;
    this.pos++;
    return true;
  }

  closeInterpolation(): boolean {
    this.ws();
    const strip = this.stripMarker();
    this.expect('}');
    return strip;
  }

  skipSpace(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  escape(): string {
    const next = this.src[this.pos + 1];
    if (next !== undefined && ESCAPES[next] !== undefined) {
      this.pos += 2;
      return ESCAPES[next];
    }
    const u = /^\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(this.src.slice(this.pos));
    if (u === null) this.fail('invalid escape sequence');
    this.pos += u[0].length;
    return String.fromCodePoint(parseInt(u[1]!.slice(1), 16));
  }

  directive(word: string, opts: TemplateOpts): TemplatePart {
    const inner = { escapes: opts.escapes, quoted: opts.quoted };
    if (word === 'if') {
      this.keyword('if');
      const condition = this.expression();
      this.endDirective();
      const first = this.templateParts({ ...inner, until: ['else', 'endif'] });
      let otherwise: TemplatePart[] = [];
      if (first.ended === 'else') {
        this.directiveKeyword('else');
        otherwise = this.templateParts({ ...inner, until: ['endif'] }).parts;
      }
      this.directiveKeyword('endif');
      return { k: 'if', condition, then: first.parts, otherwise };
    }
    if (word === 'for') {
      this.keyword('for');
      let keyVar: string | null = null;
      let valueVar = this.identifier();
      if (this.eat(',')) {
        keyVar = valueVar;
        valueVar = this.identifier();
      }
      if (!this.keyword('in')) this.fail('expected "in" in a for directive');
      const collection = this.expression();
      this.endDirective();
      const body = this.templateParts({ ...inner, until: ['endfor'] }).parts;
      this.directiveKeyword('endfor');
      return { k: 'for', keyVar, valueVar, collection, body };
    }
    return this.fail(`unknown template directive ${JSON.stringify(word)}`);
  }

  /** Consumes `%{~ word ~}` (the caller saw the word); trims text around strip markers. */
  directiveKeyword(word: string): void {
    this.pos += 2;
    this.stripMarker();
    if (!this.keyword(word)) this.fail(`expected ${word}`);
    this.endDirective();
  }

  endDirective(): void {
    this.ws();
    const strip = this.stripMarker();
    this.expect('}');
    if (strip) this.skipSpace();
  }
}
