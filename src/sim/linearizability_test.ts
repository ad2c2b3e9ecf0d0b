import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable, registerModel, type Operation, type RegisterInput } from './linearizability.ts';

type Op = Operation<RegisterInput, string | undefined>;
const w = (clientId: number, value: string, call: number, ret: number): Op => ({
  clientId,
  key: 'k',
  input: { kind: 'write', value },
  output: undefined,
  call,
  ret,
});
const r = (clientId: number, output: string | undefined, call: number, ret: number): Op => ({
  clientId,
  key: 'k',
  input: { kind: 'read' },
  output,
  call,
  ret,
});

test('a sequential history is linearizable', () => {
  assert.deepEqual(
    checkLinearizable(registerModel, [w(1, 'a', 0, 1), r(2, 'a', 2, 3), w(1, 'b', 4, 5), r(2, 'b', 6, 7)]),
    {
      ok: true,
    },
  );
});

test('a read of a value overwritten before it began is not linearizable', () => {
  const result = checkLinearizable(registerModel, [w(1, 'a', 0, 1), w(1, 'b', 2, 3), r(2, 'a', 4, 5)]);
  assert.equal(result.ok, false);
});

test('concurrent operations may be ordered either way', () => {
  assert.equal(
    checkLinearizable(registerModel, [w(1, 'a', 0, 10), r(2, 'a', 1, 2), r(3, undefined, 0, 1)]).ok,
    true,
  );
});

test('a write whose answer never came may or may not have happened', () => {
  assert.equal(checkLinearizable(registerModel, [w(1, 'a', 0, Infinity), r(2, undefined, 5, 6)]).ok, true);
  assert.equal(checkLinearizable(registerModel, [w(1, 'a', 0, Infinity), r(2, 'a', 5, 6)]).ok, true);
});

test('a stale read after a newer read is caught', () => {
  const h = [w(1, 'a', 0, 1), w(1, 'b', 2, 10), r(2, 'b', 3, 4), r(3, 'a', 5, 6)];
  assert.equal(checkLinearizable(registerModel, h).ok, false);
});
