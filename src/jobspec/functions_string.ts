/** HCL's string functions, as Nomad's job files know them (the Terraform/cty standard library). */
import type { HclFunction } from './expr_eval.ts';
import type { Value } from './value.ts';
import { EvalError, show, toBoolValue, toListValue, toNumberValue, toStringValue } from './value.ts';

export function arity(name: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new EvalError(`${name} takes ${want} argument${want === '1' ? '' : 's'}, got ${args.length}`);
  }
}

const str = (v: Value | undefined, what = 'argument') => toStringValue(v ?? null, what);

/** Go's fmt verbs that HCL's format() supports: %s %d %f %v %q %t %x %X %o %b %e and %%. */
export function formatGo(fmt: string, args: Value[]): string {
  let out = '';
  let argIndex = 0;
  const re = /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/gy;
  let i = 0;
  while (i < fmt.length) {
    const pct = fmt.indexOf('%', i);
    if (pct < 0) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, pct);
    re.lastIndex = pct;
    const m = re.exec(fmt);
    if (m === null) throw new EvalError(`unfinished format verb at ${JSON.stringify(fmt.slice(pct))}`);
    i = re.lastIndex;
    const [, flags = '', width, precision, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length)
      throw new EvalError(`not enough arguments for format ${JSON.stringify(fmt)}`);
    const text = formatVerb(
      verb!,
      args[argIndex++]!,
      precision === undefined ? undefined : Number(precision),
    );
    out += pad(text, width === undefined ? 0 : Number(width), flags);
  }
  if (argIndex < args.length) throw new EvalError(`too many arguments for format ${JSON.stringify(fmt)}`);
  return out;
}

function formatVerb(verb: string, v: Value, precision: number | undefined): string {
  switch (verb) {
    case 's':
      return str(v, 'the %s argument');
    case 'v':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
        ? str(v)
        : JSON.stringify(v);
    case 'q':
      return JSON.stringify(str(v, 'the %q argument'));
    case 'd': {
      const n = toNumberValue(v, 'the %d argument');
      if (!Number.isInteger(n)) throw new EvalError(`%d needs a whole number: got ${n}`);
      return n.toFixed(0);
    }
    case 'f':
    case 'F':
      return toNumberValue(v, 'the %f argument').toFixed(precision ?? 6);
    case 'e':
      return toNumberValue(v, 'the %e argument')
        .toExponential(precision ?? 6)
        .replace(/e([+-])(\d)$/, 'e$10$2');
    case 'g':
      return String(toNumberValue(v, 'the %g argument'));
    case 't':
      return String(toBoolValue(v, 'the %t argument'));
    case 'x':
    case 'X': {
      const text =
        typeof v === 'string'
          ? [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, '0')).join('')
          : Math.trunc(toNumberValue(v)).toString(16);
      return verb === 'X' ? text.toUpperCase() : text;
    }
    case 'o':
      return Math.trunc(toNumberValue(v, 'the %o argument')).toString(8);
    case 'b':
      return Math.trunc(toNumberValue(v, 'the %b argument')).toString(2);
    default:
      throw new EvalError(`unsupported format verb %${verb}`);
  }
}

function pad(text: string, width: number, flags: string): string {
  let t = text;
  if (flags.includes('+') && /^\d/.test(t)) t = `+${t}`;
  if (t.length >= width) return t;
  if (flags.includes('-')) return t.padEnd(width);
  if (flags.includes('0') && /^[-+]?\d/.test(t)) {
    const sign = /^[-+]/.test(t) ? t[0]! : '';
    return sign + t.slice(sign.length).padStart(width - sign.length, '0');
  }
  return t.padStart(width);
}

/** Go's RE2 named groups are written (?P<name>...); JavaScript wants (?<name>...). */
function goRegExp(pattern: string, flags = ''): RegExp {
  try {
    return new RegExp(pattern.replace(/\(\?P</g, '(?<'), flags);
  } catch (err) {
    throw new EvalError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function regexResult(m: RegExpMatchArray): Value {
  if (m.groups !== undefined) return { ...m.groups } as Value;
  if (m.length > 1) return m.slice(1).map((x) => x ?? '');
  return m[0];
}

export const STRING_FUNCTIONS: Readonly<Record<string, HclFunction>> = {
  format: (a) => {
    arity('format', a, 1, Infinity);
    return formatGo(str(a[0], 'the format'), a.slice(1));
  },
  formatlist: (a) => {
    arity('formatlist', a, 1, Infinity);
    const lists = a.slice(1).filter(Array.isArray) as Value[][];
    const n = lists.length === 0 ? 1 : lists[0]!.length;
    if (lists.some((l) => l.length !== n))
      throw new EvalError('all list arguments must have the same length');
    const out: Value[] = [];
    for (let i = 0; i < n; i++)
      out.push(
        formatGo(
          str(a[0]),
          a.slice(1).map((x) => (Array.isArray(x) ? x[i]! : x)),
        ),
      );
    return out;
  },
  join: (a) => {
    arity('join', a, 2, Infinity);
    return a
      .slice(1)
      .flatMap((l) => toListValue(l, 'a list to join'))
      .map((x) => str(x, 'a list element'))
      .join(str(a[0], 'the separator'));
  },
  split: (a) => {
    arity('split', a, 2);
    return str(a[1]).split(str(a[0], 'the separator'));
  },
  upper: (a) => (arity('upper', a, 1), str(a[0]).toUpperCase()),
  lower: (a) => (arity('lower', a, 1), str(a[0]).toLowerCase()),
  title: (a) => (
    arity('title', a, 1),
    str(a[0]).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, p: string, c: string) => p + c.toUpperCase())
  ),
  trimspace: (a) => (arity('trimspace', a, 1), str(a[0]).trim()),
  trim: (a) => {
    arity('trim', a, 2);
    const cut = new Set(str(a[1]));
    const s = [...str(a[0])];
    let i = 0;
    let j = s.length;
    while (i < j && cut.has(s[i]!)) i++;
    while (j > i && cut.has(s[j - 1]!)) j--;
    return s.slice(i, j).join('');
  },
  trimprefix: (a) => (
    arity('trimprefix', a, 2),
    str(a[0]).startsWith(str(a[1])) ? str(a[0]).slice(str(a[1]).length) : str(a[0])
  ),
  trimsuffix: (a) => {
    arity('trimsuffix', a, 2);
    const s = str(a[0]);
    const suffix = str(a[1]);
    return suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s;
  },
  chomp: (a) => (arity('chomp', a, 1), str(a[0]).replace(/(\r?\n)+$/, '')),
  indent: (a) => (
    arity('indent', a, 2),
    str(a[1]).replaceAll('\n', `\n${' '.repeat(toNumberValue(a[0]!, 'the indent'))}`)
  ),
  replace: (a) => {
    arity('replace', a, 3);
    const search = str(a[1]);
    if (search.length > 1 && search.startsWith('/') && search.endsWith('/')) {
      return str(a[0]).replace(
        goRegExp(search.slice(1, -1), 'g'),
        str(a[2]).replace(/\$\{(\w+)\}/g, '$<$1>'),
      );
    }
    return str(a[0]).replaceAll(search, str(a[2]));
  },
  regex_replace: (a) => (
    arity('regex_replace', a, 3),
    str(a[0]).replace(goRegExp(str(a[1]), 'g'), str(a[2]))
  ),
  substr: (a) => {
    arity('substr', a, 3);
    const chars = [...str(a[0])];
    let offset = toNumberValue(a[1]!, 'the offset');
    const length = toNumberValue(a[2]!, 'the length');
    if (offset < 0) offset = Math.max(0, chars.length + offset);
    return chars.slice(offset, length < 0 ? undefined : offset + length).join('');
  },
  strlen: (a) => (arity('strlen', a, 1), [...str(a[0])].length),
  strrev: (a) => (arity('strrev', a, 1), [...str(a[0])].reverse().join('')),
  startswith: (a) => (arity('startswith', a, 2), str(a[0]).startsWith(str(a[1]))),
  endswith: (a) => (arity('endswith', a, 2), str(a[0]).endsWith(str(a[1]))),
  strcontains: (a) => (arity('strcontains', a, 2), str(a[0]).includes(str(a[1]))),
  regex: (a) => {
    arity('regex', a, 2);
    const m = str(a[1]).match(goRegExp(str(a[0])));
    if (m === null) throw new EvalError(`pattern ${JSON.stringify(str(a[0]))} did not match ${show(a[1]!)}`);
    return regexResult(m);
  },
  regexall: (a) => (
    arity('regexall', a, 2),
    [...str(a[1]).matchAll(goRegExp(str(a[0]), 'g'))].map(regexResult)
  ),
  urlencode: (a) => (arity('urlencode', a, 1), encodeURIComponent(str(a[0])).replace(/%20/g, '+')),
};
