import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mockJob } from '../state/testing/mocks.ts';
import type { Job } from '../structs/job.ts';
import { deriveChildJob, nextLaunchMs } from './periodic.ts';
import { SimCluster, serviceJob } from './testing/sim_cluster.ts';

const periodic = (spec: Partial<NonNullable<Job['Periodic']>>): Job =>
  mockJob({
    ID: 'report',
    Type: 'batch',
    Periodic: {
      Enabled: true,
      Spec: '',
      Specs: null,
      SpecType: 'cron',
      ProhibitOverlap: false,
      TimeZone: 'UTC',
      ...spec,
    },
  });

test('nextLaunchMs() takes the earliest of several specs, in the job time zone', () => {
  const job = periodic({ Specs: ['0 9 * * *', '0 6 * * *'], TimeZone: 'Europe/Paris' });
  // 05:00 UTC on 2024-06-01 is 07:00 in Paris (UTC+2): the next is 09:00 Paris, 07:00 UTC.
  assert.equal(
    new Date(nextLaunchMs(job, Date.parse('2024-06-01T05:00:00Z'))!).toISOString(),
    '2024-06-01T07:00:00.000Z',
  );
  assert.equal(nextLaunchMs({ Periodic: null }, 0), undefined);
});

test('deriveChildJob() names the child for its launch and drops the periodic block', () => {
  const child = deriveChildJob(periodic({ Spec: '@hourly' }), Date.parse('2024-06-01T05:00:00Z'), 1);
  assert.equal(child.ID, `report/periodic-${Date.parse('2024-06-01T05:00:00Z') / 1000}`);
  assert.equal(child.ParentID, 'report');
  assert.equal(child.Periodic, null);
});

test('a new leader runs a launch that was missed while no leader watched', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(1);
  await c.register({
    ...serviceJob({}, 1),
    ID: 'report',
    Name: 'report',
    Type: 'batch',
    Periodic: { Enabled: true, SpecType: 'cron', Spec: '*/5 * * * *', TimeZone: 'UTC' },
  });
  await c.advance(5 * 60_000, 10_000);
  const launched = (): number => c.server.state.snapshot().jobsByParent('default', 'report').length;
  assert.equal(launched(), 1);
  await c.server.revokeLeadership();
  c.clock.advance(11 * 60_000);
  await c.server.establishLeadership();
  await c.idle();
  assert.equal(launched(), 2, 'one catch-up launch, not one per missed slot');
  await c.stop();
});
