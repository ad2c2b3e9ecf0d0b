import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settle } from '../../test/helpers/manual_clock.ts';
import { SimCluster, serviceJob } from './testing/sim_cluster.ts';

test('a worker that outlives its nack timeout loses the evaluation: its writes are refused and another run takes over', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const errors: string[] = [];
  let runs = 0;
  const c = await new SimCluster({
    numSchedulers: 2,
    runScheduler: async (e, _s, planner) => {
      runs++;
      if (runs === 1) {
        await gate;
        try {
          await planner.updateEval({ ...e, Status: 'complete' });
        } catch (err) {
          errors.push(String(err));
          throw err;
        }
        return;
      }
      await planner.updateEval({ ...e, Status: 'complete', StatusDescription: 'second run' });
    },
  }).start();
  await c.addNodes(1);
  const { EvalID } = await c.server.jobs.register({ job: serviceJob({}, 1) });
  await settle();
  assert.equal(runs, 1);
  c.clock.advance(60_000);
  await settle();
  c.clock.advance(1_000);
  await c.idle().catch(() => undefined);
  await settle();
  assert.equal(runs, 2, 'redelivered after the nack timeout and its delay');
  release();
  await c.idle();
  assert.match(errors[0] ?? '', /no longer outstanding/);
  assert.equal(c.server.state.snapshot().evalByID(EvalID)?.StatusDescription, 'second run');
  await c.stop();
});

test('workers wait for the state to reach the evaluation before scheduling it', async () => {
  const seen: number[] = [];
  const c = await new SimCluster({
    runScheduler: async (e, state, planner) => {
      seen.push(state.latestIndex() - e.ModifyIndex);
      await planner.updateEval({ ...e, Status: 'complete' });
    },
  }).start();
  await c.addNodes(1);
  await c.register(serviceJob({}, 1));
  assert.equal(seen.length, 1);
  assert.ok(seen[0]! >= 0);
  assert.equal(c.server.workers.length, 2);
  assert.equal(
    c.server.workers.reduce((n, w) => n + w.stats().evalsProcessed, 0),
    1,
  );
  await c.stop();
});
