import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, HelpRequested, parseBool, parseFlags } from './flags.ts';

const specs = {
  detach: { kind: 'bool' },
  'check-index': { kind: 'string' },
  n: { kind: 'int', default: -1 },
  deadline: { kind: 'duration', default: 3600e9 },
  var: { kind: 'list' },
  diff: { kind: 'bool', default: true },
} as const;

test('parseFlags() reads -flag value, -flag=value, --flag and booleans', () => {
  const { flags, args } = parseFlags(
    ['-detach', '--check-index', '7', '-n=3', '-deadline', '10m', 'example.nomad', '-x'],
    specs,
  );
  assert.equal(flags.detach, true);
  assert.equal(flags['check-index'], '7');
  assert.equal(flags.n, 3);
  assert.equal(flags.deadline, 600e9);
  assert.deepEqual(args, ['example.nomad', '-x']);
  assert.ok(flags.$set.has('check-index'));
  assert.ok(!flags.$set.has('var'));
});

test('parseFlags() repeats list flags and keeps defaults', () => {
  const { flags } = parseFlags(['-var', 'a=1', '-var=b=2', '-diff=false'], specs);
  assert.deepEqual(flags.var, ['a=1', 'b=2']);
  assert.equal(flags.diff, false);
  assert.equal(flags.n, -1);
  assert.equal(flags.detach, false);
});

test('parseFlags() stops at -- and at the first argument', () => {
  assert.deepEqual(parseFlags(['--', '-detach'], specs).args, ['-detach']);
  assert.deepEqual(parseFlags(['job', '-detach'], specs).args, ['job', '-detach']);
  assert.deepEqual(parseFlags(['-', 'x'], specs).args, ['-', 'x']);
});

test("parseFlags() refuses unknown flags, missing values and bad numbers in Go's words", () => {
  assert.throws(
    () => parseFlags(['-nope'], specs),
    (e: unknown) => e instanceof FlagError && e.message === 'flag provided but not defined: -nope',
  );
  assert.throws(() => parseFlags(['-check-index'], specs), /flag needs an argument: -check-index/);
  assert.throws(() => parseFlags(['-n', 'x'], specs), /invalid value "x" for flag -n: parse error/);
  assert.throws(() => parseFlags(['-detach=maybe'], specs), /invalid value "maybe" for flag -detach/);
  assert.throws(() => parseFlags(['-deadline', '5'], specs), /invalid value "5" for flag -deadline/);
  assert.throws(() => parseFlags(['---x'], specs), /bad flag syntax: ---x/);
});

test('parseFlags() turns -h and -help into a help request', () => {
  assert.throws(() => parseFlags(['-h'], specs), HelpRequested);
  assert.throws(() => parseFlags(['-help'], specs), HelpRequested);
});

test('parseBool() accepts what Go accepts', () => {
  assert.equal(parseBool('T'), true);
  assert.equal(parseBool('0'), false);
  assert.equal(parseBool('yes'), undefined);
});
