import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newEdit, SortedMap } from './sorted_map.ts';

type Op = { del: boolean; key: string; val: number; newEdit: boolean };

const opArb = fc.record({
  del: fc.boolean(),
  key: fc.integer({ min: 0, max: 400 }).map((n) => `k${n.toString().padStart(3, '0')}`),
  val: fc.integer(),
  newEdit: fc.boolean(),
});

function sortedEntries(m: Map<string, number>): [string, number][] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

test('SortedMap agrees with a plain Map for any sequence of sets and deletes, with or without edits', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 600 }), fc.boolean(), (ops: Op[], useEdits) => {
      const oracle = new Map<string, number>();
      let m = SortedMap.empty<number>();
      let edit = useEdits ? newEdit() : null;
      for (const op of ops) {
        if (useEdits && op.newEdit) edit = newEdit();
        if (op.del) {
          oracle.delete(op.key);
          m = m.delete(op.key, edit);
        } else {
          oracle.set(op.key, op.val);
          m = m.set(op.key, op.val, edit);
        }
      }
      assert.equal(m.size, oracle.size);
      assert.deepEqual([...m.entries()], sortedEntries(oracle));
      assert.deepEqual(
        m.valuesArray(),
        sortedEntries(oracle).map((e) => e[1]),
      );
      for (const [k, v] of oracle) assert.equal(m.get(k), v);
    }),
    { numRuns: 200 },
  );
});

test('SortedMap versions taken before an edit never change, whatever the later writes', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 300 }), fc.array(opArb, { maxLength: 300 }), (before, after) => {
      let m = SortedMap.empty<number>();
      const e1 = newEdit();
      for (const op of before) m = op.del ? m.delete(op.key, e1) : m.set(op.key, op.val, e1);
      const frozen = m;
      const frozenEntries = [...frozen.entries()];
      const e2 = newEdit();
      for (const op of after) m = op.del ? m.delete(op.key, e2) : m.set(op.key, op.val, e2);
      assert.deepEqual([...frozen.entries()], frozenEntries);
      assert.equal(frozen.size, frozenEntries.length);
    }),
    { numRuns: 200 },
  );
});

test('SortedMap.entries(from) and withPrefix() scan ranges in key order', () => {
  const m = SortedMap.fromEntries(
    ['a\u0000x', 'b\u0000y', 'b\u0000z', 'c\u0000w'].map((k, i) => [k, i] as const),
  );
  assert.deepEqual(
    [...m.withPrefix('b\u0000')].map((e) => e[0]),
    ['b\u0000y', 'b\u0000z'],
  );
  assert.deepEqual(
    [...m.entries('b')].map((e) => e[1]),
    [1, 2, 3],
  );
  assert.deepEqual([...m.withPrefix('d')], []);
});

test('SortedMap holds ten thousand keys and finds each one', () => {
  let m = SortedMap.empty<number>();
  const edit = newEdit();
  for (let i = 0; i < 10_000; i++) m = m.set(`n${(i * 7919) % 10_000}`, i, edit);
  assert.equal(m.size, 10_000);
  for (let i = 0; i < 10_000; i += 97) assert.notEqual(m.get(`n${i}`), undefined);
  const keys = m.keysArray();
  assert.deepEqual(keys, [...keys].sort());
});

test('committedValues() lists the values in key order, frozen, and hands out the same list again', () => {
  const edit = newEdit();
  let m = SortedMap.empty<number>();
  for (let i = 99; i >= 0; i--) m = m.set(`k${String(i).padStart(2, '0')}`, i, edit);
  const list = m.committedValues();
  assert.deepEqual(list, m.valuesArray());
  assert.equal(list.length, 100);
  assert.ok(Object.isFrozen(list));
  assert.equal(m.committedValues(), list);
  const next = m.set('k50', -1);
  assert.equal(next.committedValues()[50], -1);
  assert.equal(m.committedValues()[50], 50);
  assert.deepEqual(SortedMap.empty<number>().committedValues(), []);
});
