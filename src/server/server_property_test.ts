import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimCluster, serviceJob } from './testing/sim_cluster.ts';

type Op =
  | { kind: 'register'; count: number; cpu: number; env: string }
  | { kind: 'scale'; count: number }
  | { kind: 'stop' }
  | { kind: 'down'; node: number }
  | { kind: 'up'; node: number }
  | { kind: 'clients'; healthy: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    count: fc.integer({ min: 0, max: 12 }),
    cpu: fc.constantFrom(500, 1000, 1500),
    env: fc.constantFrom('a', 'b'),
  }),
  fc.record({ kind: fc.constant('scale' as const), count: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant('stop' as const) }),
  fc.record({ kind: fc.constant('down' as const), node: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('up' as const), node: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('clients' as const), healthy: fc.boolean() }),
);

test('property: for any sequence of register, scale, update, stop, node down and up, no node is over-committed and no group runs more than its count', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
      const c = await new SimCluster({ seed: JSON.stringify(ops) }).start();
      const nodes = await c.addNodes(4);
      let current: { count: number; cpu: number; env: string } | undefined;
      for (const o of ops) {
        switch (o.kind) {
          case 'register': {
            current = { count: o.count, cpu: o.cpu, env: o.env };
            const job = serviceJob({ Update: { MaxParallel: 2 } }, o.count, { CPU: o.cpu, MemoryMB: 64 });
            job.TaskGroups![0]!.Tasks![0]!.Env = { V: o.env };
            await c.server.jobs.register({ job });
            break;
          }
          case 'scale':
            if (current === undefined || c.server.state.snapshot().jobByID('default', 'web')?.Stop !== false)
              break;
            try {
              await c.server.jobs.scale({ jobId: 'web', group: 'web', count: o.count });
              current = { ...current, count: o.count };
            } catch (err) {
              // Nomad refuses to scale a job while its deployment runs.
              assert.match(String(err), /job scaling blocked due to active deployment/);
            }
            break;
          case 'stop':
            if (current === undefined) break;
            await c.server.jobs.deregister({ jobId: 'web' });
            current = undefined;
            break;
          case 'down':
            await c.server.nodes.updateNodeStatus(nodes[o.node]!, 'down');
            break;
          case 'up':
            await c.server.nodes.updateNodeStatus(nodes[o.node]!, 'ready');
            break;
          case 'clients':
            await c.playClients({ healthy: o.healthy });
            break;
        }
        await c.idle();
        c.assertNoOvercommit();
        const live = c.live('web').length;
        assert.ok(
          live <= (current?.count ?? 0),
          `${live} allocations run for a count of ${current?.count ?? 0}`,
        );
      }
      await c.stop();
    }),
    { numRuns: 100 },
  );
});
