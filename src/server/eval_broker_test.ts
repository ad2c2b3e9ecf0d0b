import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rngFromSeed } from '../lib/random.ts';
import { ManualClock } from '../../test/helpers/manual_clock.ts';
import { EvalBroker, FAILED_QUEUE } from './eval_broker.ts';
import { mockEval, seededIds } from './testing/fixtures.ts';

function newBroker(clock = new ManualClock()): EvalBroker {
  const b = new EvalBroker({ clock, ids: seededIds(), rng: rngFromSeed(1) });
  b.setEnabled(true);
  return b;
}

test('dequeue() hands out the highest priority first, then the oldest', async () => {
  const b = newBroker();
  const low = mockEval({ Priority: 10 });
  const highOld = mockEval({ Priority: 80 });
  const highNew = mockEval({ Priority: 80 });
  b.enqueue(low);
  b.enqueue(highNew);
  b.enqueue(highOld);
  const order: string[] = [];
  for (let i = 0; i < 3; i++) {
    const d = await b.dequeue(['service'], 0);
    assert.ok(d);
    order.push(d.evaluation.ID);
    b.ack(d.evaluation.ID, d.token);
  }
  assert.deepEqual(order, [highOld.ID, highNew.ID, low.ID]);
});

test('dequeue() only serves the scheduler types asked for', async () => {
  const b = newBroker();
  b.enqueue(mockEval({ Type: 'batch' }));
  assert.equal(await b.dequeue(['service'], 0), null);
  const d = await b.dequeue(['service', 'batch'], 0);
  assert.equal(d?.evaluation.Type, 'batch');
});

test('a job has at most one outstanding evaluation; acking keeps only the newest pending one', async () => {
  const b = newBroker();
  const first = mockEval({ JobID: 'web' });
  const second = mockEval({ JobID: 'web' });
  const third = mockEval({ JobID: 'web' });
  b.enqueue(first);
  b.enqueue(second);
  b.enqueue(third);
  assert.equal(b.stats().TotalReady, 1);
  assert.equal(b.stats().TotalPending, 2);
  const d = await b.dequeue(['service'], 0);
  assert.equal(d?.evaluation.ID, first.ID);
  assert.equal(await b.dequeue(['service'], 0), null);
  b.ack(first.ID, d!.token);
  const next = await b.dequeue(['service'], 0);
  assert.equal(next?.evaluation.ID, third.ID);
  assert.deepEqual(
    b.takeCancelable().map((e) => e.ID),
    [second.ID],
  );
  assert.equal(b.stats().TotalCancelable, 0);
});

test('a waiting dequeue wakes when an evaluation arrives, and times out with null', async () => {
  const clock = new ManualClock();
  const b = newBroker(clock);
  const waiting = b.dequeue(['service'], 5_000);
  const e = mockEval();
  b.enqueue(e);
  assert.equal((await waiting)?.evaluation.ID, e.ID);
  const timesOut = b.dequeue(['service'], 5_000);
  clock.advance(5_000);
  assert.equal(await timesOut, null);
});

test('ack() and nack() refuse a wrong token, naming the evaluation', async () => {
  const b = newBroker();
  const e = mockEval();
  b.enqueue(e);
  await b.dequeue(['service'], 0);
  assert.throws(() => b.ack(e.ID, 'nope'), new RegExp(`Token does not match for Evaluation ID "${e.ID}"`));
  assert.throws(() => b.nack('missing', 'x'), /Evaluation ID "missing" not found/);
});

test('a nacked evaluation comes back after the nack delay and fails after the delivery limit', async () => {
  const clock = new ManualClock();
  const b = newBroker(clock);
  const e = mockEval();
  b.enqueue(e);
  let d = await b.dequeue(['service'], 0);
  b.nack(e.ID, d!.token);
  assert.equal(await b.dequeue(['service'], 0), null, 'the first nack delays the retry');
  clock.advance(1_000);
  d = await b.dequeue(['service'], 0);
  assert.equal(d?.evaluation.ID, e.ID);
  b.nack(e.ID, d!.token);
  clock.advance(1_000);
  assert.equal(await b.dequeue(['service'], 0), null, 'later nacks wait longer');
  clock.advance(19_000);
  d = await b.dequeue(['service'], 0);
  assert.equal(d?.evaluation.ID, e.ID);
  b.nack(e.ID, d!.token);
  assert.equal(await b.dequeue(['service'], 0), null);
  const failed = await b.dequeue([FAILED_QUEUE], 0);
  assert.equal(failed?.evaluation.ID, e.ID);
});

test('an unacked evaluation is nacked when its nack timeout passes', async () => {
  const clock = new ManualClock();
  const b = newBroker(clock);
  const e = mockEval();
  b.enqueue(e);
  const d = await b.dequeue(['service'], 0);
  clock.advance(59_999);
  assert.equal(b.outstanding(e.ID), d!.token);
  clock.advance(1);
  assert.equal(b.outstanding(e.ID), undefined);
  assert.throws(() => b.ack(e.ID, d!.token), /not found/);
  clock.advance(1_000);
  assert.equal((await b.dequeue(['service'], 0))?.evaluation.ID, e.ID);
});

test('a paused nack timeout does not expire until resumed', async () => {
  const clock = new ManualClock();
  const b = newBroker(clock);
  const e = mockEval();
  b.enqueue(e);
  const d = await b.dequeue(['service'], 0);
  b.pauseNackTimeout(e.ID, d!.token);
  clock.advance(120_000);
  assert.equal(b.outstanding(e.ID), d!.token);
  b.resumeNackTimeout(e.ID, d!.token);
  clock.advance(60_000);
  assert.equal(b.outstanding(e.ID), undefined);
});

test('an evaluation with WaitUntil is held until it is due', async () => {
  const clock = new ManualClock();
  const b = newBroker(clock);
  const later = mockEval({ WaitUntil: new Date(clock.nowMs() + 30_000).toISOString() });
  const sooner = mockEval({ Wait: 10_000 * 1e6 });
  b.enqueue(later);
  b.enqueue(sooner);
  assert.equal(b.stats().TotalWaiting, 2);
  assert.equal(await b.dequeue(['service'], 0), null);
  clock.advance(10_000);
  assert.equal((await b.dequeue(['service'], 0))?.evaluation.ID, sooner.ID);
  clock.advance(19_999);
  assert.equal(await b.dequeue(['service'], 0), null);
  clock.advance(1);
  assert.equal((await b.dequeue(['service'], 0))?.evaluation.ID, later.ID);
});

test('an evaluation reblocked with a token waits until the holder acks', async () => {
  const b = newBroker();
  const e = mockEval();
  b.enqueue(e);
  const d = await b.dequeue(['service'], 0);
  b.enqueueWithToken({ ...e, Status: 'pending', ModifyIndex: e.ModifyIndex + 1 }, d!.token);
  assert.equal(await b.dequeue(['service'], 0), null);
  b.ack(e.ID, d!.token);
  const again = await b.dequeue(['service'], 0);
  assert.equal(again?.evaluation.ID, e.ID);
  assert.equal(again?.evaluation.ModifyIndex, e.ModifyIndex + 1);
});

test('disabling the broker drops its evaluations and fails waiting dequeues', async () => {
  const b = newBroker();
  b.enqueue(mockEval());
  b.setEnabled(false);
  const disabled = b.dequeue(['service'], 1_000);
  await assert.rejects(disabled, /eval broker disabled/);
  b.setEnabled(true);
  const waiting = b.dequeue(['batch'], 1_000);
  b.setEnabled(false);
  await assert.rejects(waiting, /eval broker disabled/);
  b.setEnabled(true);
  assert.equal(b.stats().TotalReady, 0);
  b.enqueue(mockEval());
  assert.equal(b.stats().TotalReady, 1);
});

test('an aborted dequeue resolves null and leaves the queue intact', async () => {
  const b = newBroker();
  const ac = new AbortController();
  const waiting = b.dequeue(['service'], 10_000, ac.signal);
  ac.abort();
  assert.equal(await waiting, null);
  b.enqueue(mockEval());
  assert.equal(b.stats().TotalReady, 1);
});
