import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rngFromSeed, shuffleInPlace, uuidFrom } from './random.ts';

test('rngFromSeed() gives the same sequence for the same seed', () => {
  const a = rngFromSeed('eval-1');
  const b = rngFromSeed('eval-1');
  const c = rngFromSeed('eval-2');
  const xs = [a.next(), a.next(), a.next()];
  assert.deepEqual([b.next(), b.next(), b.next()], xs);
  assert.notDeepEqual([c.next(), c.next(), c.next()], xs);
});

test('shuffleInPlace() keeps every item', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = shuffleInPlace([...items], rngFromSeed(7));
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual(
    [...shuffled].sort((x, y) => x - y),
    items,
  );
});

test('uuidFrom() makes version 4 shaped UUIDs', () => {
  const id = uuidFrom(rngFromSeed(1));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
