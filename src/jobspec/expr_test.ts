import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTemplate } from './expr_eval.ts';
import type { EvalContext } from './expr_eval.ts';
import { ExprSyntaxError, parseTemplate } from './expr_parse.ts';
import { makeFunctions } from './functions.ts';
import { convert, parseType } from './types.ts';
import type { Value } from './value.ts';
import { EvalError, Unknown } from './value.ts';

const FILES: Record<string, string> = {
  '/jobs/greeting.tpl': 'Hello ${name}!%{ for x in xs } [${x}]%{ endfor }',
};

function ctx(): EvalContext {
  const functions = makeFunctions({
    cwd: '/jobs',
    readFile: (p) =>
      FILES[p] ??
      (() => {
        throw new Error('no such file');
      })(),
  });
  return {
    scope: {
      vars: {
        s: 'redis',
        n: 3,
        l: ['a', 'b', 'c'],
        m: { x: 1, y: 2 },
        objs: [
          { name: 'p', w: 1 },
          { name: 'q', w: 2 },
        ],
        t: true,
      },
      local: (name) => (name === 'answer' ? 42 : undefined),
      functions,
    },
    bound: new Map(),
  };
}

function ev(text: string): Value {
  return evaluateTemplate(parseTemplate(text), ctx());
}

const CASES: [string, Value][] = [
  ['plain text', 'plain text'],
  ['${var.s}', 'redis'],
  ['${var.n}', 3],
  ['${var.s}:${var.n}', 'redis:3'],
  ['$${NOT} %%{x}', '${NOT} %{x}'],
  ['${local.answer}', 42],
  ['${1 + 2 * 3 - 4 / 2}', 5],
  ['${(1 + 2) * 3}', 9],
  ['${7 % 3}', 1],
  ['${-var.n}', -3],
  ['${var.n > 2 && var.n <= 3}', true],
  ['${var.n == 3 || false}', true],
  ['${!var.t}', false],
  ['${var.n != 3 ? "no" : "yes"}', 'yes'],
  ['${var.l[1]}', 'b'],
  ['${var.m["y"]}', 2],
  ['${var.m.x}', 1],
  ['${var.objs[*].name}', ['p', 'q']],
  ['${var.objs.*.w}', [1, 2]],
  ['${[for s in var.l : upper(s)]}', ['A', 'B', 'C']],
  ['${[for i, s in var.l : "${i}${s}" if s != "b"]}', ['0a', '2c']],
  ['${{ for k, v in var.m : v => k }}', { '1': 'x', '2': 'y' }],
  ['${{ for o in var.objs : "all" => o.name... }}', { all: ['p', 'q'] }],
  ['${{a = 1, "b" = [true, null]}}', { a: 1, b: [true, null] }],
  ['%{ if var.t }on%{ else }off%{ endif }', 'on'],
  ['%{ for x in var.l }${x},%{ endfor }', 'a,b,c,'],
  ['a ${~ " b " ~} c', 'a b c'],
  ['${"nested ${var.s}"}', 'nested redis'],
  ['${"tab\\there"}', 'tab\there'],
  ['${format("%s-%03d-%.2f-%t-%q", "a", 7, 1.5, true, "q")}', 'a-007-1.50-true-"q"'],
  ['${formatlist("x-%s", var.l)}', ['x-a', 'x-b', 'x-c']],
  ['${join("-", var.l)}', 'a-b-c'],
  ['${split(",", "a,b")}', ['a', 'b']],
  ['${upper("a")}${lower("B")}${title("hi there")}', 'AbHi There'],
  ['${trimspace("  x ")}|${trim("--x--", "-")}|${trimprefix("ab", "a")}|${trimsuffix("ab", "b")}', 'x|x|b|a'],
  ['${replace("a.b", ".", "-")}${replace("a1b2", "/[0-9]/", "")}', 'a-bab'],
  ['${substr("nomad", 1, 3)}${substr("nomad", -2, -1)}', 'omaad'],
  ['${strrev("abc")}${strlen("héllo")}', 'cba5'],
  ['${regex("(\\\\d+)-(\\\\d+)", "10-20")}', ['10', '20']],
  ['${regexall("\\\\d", "a1b2")}', ['1', '2']],
  ['${startswith("nomad", "no")}${endswith("nomad", "ad")}${strcontains("nomad", "ma")}', 'truetruetrue'],
  ['${indent(2, "a\\nb")}${chomp("x\\n")}', 'a\n  bx'],
  ['${concat(var.l, ["d"])}', ['a', 'b', 'c', 'd']],
  ['${merge(var.m, {z = 3})}', { x: 1, y: 2, z: 3 }],
  ['${lookup(var.m, "x", 0)}${lookup(var.m, "q", 0)}', '10'],
  ['${coalesce("", null, "z")}', 'z'],
  ['${coalescelist([], ["a"])}', ['a']],
  ['${length(var.l)}${length(var.m)}${length("abc")}', '323'],
  ['${keys(var.m)}', ['x', 'y']],
  ['${values(var.m)}', [1, 2]],
  ['${contains(var.l, "b")}', true],
  ['${element(var.l, 4)}', 'b'],
  ['${index(var.l, "c")}', 2],
  ['${range(3)}', [0, 1, 2]],
  ['${range(1, 7, 2)}', [1, 3, 5]],
  ['${flatten([[1], [2, [3]]])}', [1, 2, 3]],
  ['${distinct([1, 1, 2])}', [1, 2]],
  ['${reverse(var.l)}', ['c', 'b', 'a']],
  ['${sort(["b", "a"])}', ['a', 'b']],
  ['${slice(var.l, 1, 3)}', ['b', 'c']],
  ['${chunklist(var.l, 2)}', [['a', 'b'], ['c']]],
  ['${zipmap(["a", "b"], [1, 2])}', { a: 1, b: 2 }],
  ['${compact(["a", "", null, "b"])}', ['a', 'b']],
  ['${setunion(["a"], ["a", "b"])}', ['a', 'b']],
  ['${setintersection(["a", "b"], ["b"])}', ['b']],
  ['${setsubtract(["a", "b"], ["b"])}', ['a']],
  ['${sum([1, 2, 3])}', 6],
  ['${alltrue([true, "true"])}${anytrue([false])}', 'truefalse'],
  ['${min(3, 1, 2)}${max(3, 1, 2)}${abs(-4)}${ceil(1.2)}${floor(1.8)}', '13421'],
  ['${pow(2, 10)}${signum(-5)}${parseint("ff", 16)}', '1024-1255'],
  ['${log(8, 2)}', 3],
  ['${tostring(5)}${tonumber("6")}${tobool("true")}', '56true'],
  ['${tolist(["a"])}', ['a']],
  ['${toset(["a", "a"])}', ['a']],
  ['${tomap({a = "b"})}', { a: 'b' }],
  ['${jsonencode({b = [1, "x"], a = null})}', '{"a":null,"b":[1,"x"]}'],
  ['${jsondecode("{\\"a\\": [1, true]}")}', { a: [1, true] }],
  ['${base64encode("nomad")}${base64decode("bm9tYWQ=")}', 'bm9tYWQ=nomad'],
  ['${urlencode("a b&c")}', 'a+b%26c'],
  ['${try(var.missing, "fallback")}', 'fallback'],
  ['${can(var.missing)}${can(var.s)}', 'falsetrue'],
  ['${one([])}', null],
  ['${abspath("x/../y")}${basename("/a/b.txt")}${dirname("/a/b.txt")}', '/jobs/yb.txt/a'],
  ['${templatefile("greeting.tpl", { name = "you", xs = [1, 2] })}', 'Hello you! [1] [2]'],
  ['${file("greeting.tpl")}', FILES['/jobs/greeting.tpl']!],
];

for (const [text, expected] of CASES) {
  test(`evaluates ${JSON.stringify(text)}`, () => {
    assert.deepEqual(ev(text), expected);
  });
}

test('run-time references evaluate to Unknown values that keep their source', () => {
  assert.deepEqual(ev('${NOMAD_PORT_db}'), new Unknown('NOMAD_PORT_db'));
  assert.deepEqual(ev('${attr.kernel.name}'), new Unknown('attr.kernel.name'));
  assert.equal(ev('x-${node.unique.name}-${var.s}'), 'x-${node.unique.name}-redis');
  assert.equal(ev('${meta.rack}/${env["HOME"]}'), '${meta.rack}/${env["HOME"]}');
  assert.deepEqual(ev('${upper(node.class)}'), new Unknown('upper(node.class)'));
});

const ERRORS: [string, RegExp][] = [
  ['${var.missing}', /undefined variable "missing"/],
  ['${local.missing}', /undefined local "missing"/],
  ['${nope()}', /call to unknown function "nope"/],
  ['${1 + "x"}', /must be a number: got "x"/],
  ['${var.l[7]}', /index 7 is out of range for a list of 3/],
  ['${var.m["q"]}', /no element with key "q"/],
  ['${1 / 0}', /division by zero/],
  ['${upper()}', /upper\(\): upper takes 1 argument, got 0/],
  ['${lookup(var.m, "q")}', /no key "q"/],
  ['${base64decode("!!")}', /is not valid base64/],
  ['${jsondecode("{")}', /invalid JSON/],
  ['${file("missing.txt")}', /cannot read "missing.txt"/],
  ['${var.n ? 1 : 2}', /the condition must be a bool: got 3/],
  ['${range(1000000)}', /range of more than/],
];

for (const [text, re] of ERRORS) {
  test(`refuses ${JSON.stringify(text)} with a clear message`, () => {
    assert.throws(
      () => ev(text),
      (err: Error) => err instanceof EvalError && re.test(err.message),
    );
  });
}

test('parseTemplate() reports syntax errors with the column', () => {
  assert.throws(() => parseTemplate('${1 +}'), ExprSyntaxError);
  assert.throws(() => parseTemplate('${"unterminated}'), /unterminated string/);
  assert.throws(() => parseTemplate('%{ if true }x'), /expected %\{ else or endif \}/);
  assert.throws(() => parseTemplate('%{ while x }'), /unknown template directive "while"/);
});

test('type constraints convert values as HCL does and refuse what does not fit', () => {
  assert.equal(convert(5, parseType('${string}')), '5');
  assert.equal(convert('5', parseType('number')), 5);
  assert.equal(convert('true', parseType('bool')), true);
  assert.deepEqual(convert([1, 2], parseType('list(string)')), ['1', '2']);
  assert.deepEqual(convert(['a', 'a'], parseType('set(string)')), ['a']);
  assert.deepEqual(convert({ a: 1 }, parseType('map(string)')), { a: '1' });
  assert.deepEqual(
    convert({ a: 1, b: 'x' }, parseType('object({a = number, b = string, c = optional(bool)})')),
    {
      a: 1,
      b: 'x',
      c: null,
    },
  );
  assert.deepEqual(convert([1, 'x'], parseType('tuple([number, string])')), [1, 'x']);
  assert.throws(() => convert('many', parseType('number')), /must be a number/);
  assert.throws(() => convert({}, parseType('object({a = number})')), /attribute "a" is required/);
  assert.throws(() => parseType('strng'), /unknown type "strng"/);
});
