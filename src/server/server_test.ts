import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster, serviceJob } from './testing/sim_cluster.ts';

test('a registered service job gets its count of allocations, and no node is over-committed', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await c.register(serviceJob({}, 10));
  assert.equal(c.live('web').length, 10);
  c.assertNoOvercommit();
  const evals = c.server.state.snapshot().evalsByJob('default', 'web');
  assert.ok(
    evals.every((e) => e.Status === 'complete'),
    JSON.stringify(evals.map((e) => [e.Status, e.StatusDescription])),
  );
  await c.stop();
});
