import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobInput } from '../structs/canonicalize.ts';
import { SimCluster, serviceJob } from './testing/sim_cluster.ts';

const S = 1_000_000_000;

function rollingJob(env: string, update: Record<string, unknown>, count = 6): JobInput {
  const job = serviceJob({}, count);
  const tg = job.TaskGroups![0]!;
  tg.Tasks![0]!.Env = { VERSION: env };
  tg.Update = {
    MaxParallel: 2,
    MinHealthyTime: 10 * S,
    HealthyDeadline: 60 * S,
    ProgressDeadline: 120 * S,
    ...update,
  };
  return job;
}

/** Starts version 0 of the job, all healthy, its deployment successful. */
async function deployed(c: SimCluster, job: JobInput): Promise<void> {
  await c.register(job);
  await c.playClients();
  await c.advance(10_000);
  await c.playClients({ healthy: true });
  await c.advance(1_000);
  const d = c.server.state.snapshot().latestDeploymentByJobID('default', 'web');
  assert.equal(d?.Status, 'successful', `${d?.Status}: ${d?.StatusDescription}`);
  assert.equal(d?.StatusDescription, 'Deployment completed successfully');
  assert.equal(c.server.state.snapshot().jobByID('default', 'web')?.Stable, true);
}

const version = (c: SimCluster, v: number): number =>
  c.live('web').filter((a) => a.Job?.Version === v).length;

test('a rolling update replaces max_parallel allocations at a time, each batch after the last turned healthy', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await deployed(c, rollingJob('v0', {}));
  await c.server.jobs.register({ job: rollingJob('v1', {}) });
  await c.idle();
  for (let batch = 1; batch <= 3; batch++) {
    assert.equal(version(c, 1), 2 * batch, `batch ${batch} placed`);
    assert.equal(version(c, 0), 6 - 2 * batch);
    assert.equal(c.live('web').length, 6);
    await c.playClients();
    // min_healthy_time: the client reports health only after 10 s; nothing moves before.
    await c.advance(9_000);
    assert.equal(version(c, 1), 2 * batch, 'no new batch before the batch is healthy');
    await c.playClients({ healthy: true });
    await c.advance(1_000);
    c.assertNoOvercommit();
  }
  assert.equal(version(c, 1), 6);
  const d = c.server.state.snapshot().latestDeploymentByJobID('default', 'web')!;
  assert.equal(d.JobVersion, 1);
  assert.equal(d.Status, 'successful');
  assert.equal(d.TaskGroups['web']?.HealthyAllocs, 6);
  await c.stop();
});

test('canaries wait for promotion; promotion refuses unhealthy canaries, then the update rolls on', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await deployed(c, rollingJob('v0', {}));
  await c.server.jobs.register({ job: rollingJob('v1', { Canary: 2 }) });
  await c.idle();
  assert.equal(version(c, 1), 2, 'two canaries');
  assert.equal(version(c, 0), 6, 'the old version keeps running');
  const d = c.server.state.snapshot().latestDeploymentByJobID('default', 'web')!;
  assert.equal(d.StatusDescription, 'Deployment is running but requires manual promotion');
  await assert.rejects(
    c.server.deployments.promote({ deploymentId: d.ID, all: true }),
    /Task group "web" has 0\/2 healthy allocations/,
  );
  await c.playClients({ healthy: true });
  await c.advance(60_000);
  assert.equal(version(c, 1), 2, 'still waiting for promotion');
  const r = await c.server.deployments.promote({ deploymentId: d.ID, all: true });
  assert.ok(r.EvalID !== '');
  await c.idle();
  assert.ok(version(c, 0) < 6, 'old allocations are replaced after promotion');
  const status = (): string | undefined => c.server.state.snapshot().deploymentByID(d.ID)?.Status;
  for (let i = 0; i < 6 && status() === 'running'; i++) {
    await c.playClients({ healthy: true });
    await c.advance(1_000);
  }
  assert.equal(version(c, 1), 6);
  assert.equal(version(c, 0), 0);
  assert.equal(c.server.state.snapshot().deploymentByID(d.ID)?.Status, 'successful');
  await c.stop();
});

test('auto_promote promotes once every canary is healthy', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await deployed(c, rollingJob('v0', {}));
  await c.server.jobs.register({ job: rollingJob('v1', { Canary: 1, AutoPromote: true }) });
  await c.idle();
  assert.equal(version(c, 1), 1);
  await c.playClients({ healthy: true });
  await c.advance(1_000);
  const d = c.server.state.snapshot().latestDeploymentByJobID('default', 'web')!;
  assert.equal(d.TaskGroups['web']?.Promoted, true);
  assert.ok(version(c, 0) < 6);
  await c.stop();
});

test('an unhealthy allocation fails the deployment and auto_revert registers the last stable version', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await deployed(c, rollingJob('v0', { AutoRevert: true, ProgressDeadline: 0 }));
  await c.server.jobs.register({ job: rollingJob('v1', { AutoRevert: true, ProgressDeadline: 0 }) });
  await c.idle();
  const d = c.server.state.snapshot().latestDeploymentByJobID('default', 'web')!;
  const fresh = c.live('web').filter((a) => a.Job?.Version === 1);
  await c.reportHealth([fresh[0]!.ID], false);
  await c.advance(1_000);
  const failed = c.server.state.snapshot().deploymentByID(d.ID)!;
  assert.equal(failed.Status, 'failed');
  assert.equal(
    failed.StatusDescription,
    'Failed due to unhealthy allocations - rolling back to job version 0',
  );
  const job = c.server.state.snapshot().jobByID('default', 'web')!;
  assert.equal(job.Version, 2);
  assert.equal(job.TaskGroups[0]!.Tasks[0]!.Env?.['VERSION'], 'v0');
  await c.stop();
});

test('a deployment that makes no progress fails at its progress deadline', async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await deployed(c, rollingJob('v0', {}));
  await c.server.jobs.register({
    job: rollingJob('v1', { ProgressDeadline: 30 * S, HealthyDeadline: 20 * S }),
  });
  await c.idle();
  await c.playClients();
  const d = c.server.state.snapshot().latestDeploymentByJobID('default', 'web')!;
  await c.advance(29_000);
  assert.equal(c.server.state.snapshot().deploymentByID(d.ID)?.Status, 'running');
  await c.advance(2_000);
  const after = c.server.state.snapshot().deploymentByID(d.ID)!;
  assert.equal(after.Status, 'failed');
  assert.equal(after.StatusDescription, 'Failed due to progress deadline');
  await c.stop();
});

test("deployments can be paused, resumed and failed, with Nomad's refusals for terminal ones", async () => {
  const c = await new SimCluster().start();
  await c.addNodes(3);
  await deployed(c, rollingJob('v0', {}));
  const done = c.server.state.snapshot().latestDeploymentByJobID('default', 'web')!;
  await assert.rejects(
    c.server.deployments.fail({ deploymentId: done.ID }),
    /can't fail terminal deployment/,
  );
  await assert.rejects(
    c.server.deployments.pause({ deploymentId: done.ID, pause: true }),
    /can't pause terminal deployment/,
  );
  await assert.rejects(c.server.deployments.promote({ deploymentId: 'nope' }), /deployment not found/);
  await c.server.jobs.register({ job: rollingJob('v1', {}) });
  await c.idle();
  const d = c.server.state.snapshot().latestDeploymentByJobID('default', 'web')!;
  await c.server.deployments.pause({ deploymentId: d.ID, pause: true });
  assert.equal(c.server.state.snapshot().deploymentByID(d.ID)?.StatusDescription, 'Deployment is paused');
  await c.server.deployments.pause({ deploymentId: d.ID, pause: false });
  assert.equal(c.server.state.snapshot().deploymentByID(d.ID)?.StatusDescription, 'Deployment is running');
  await c.server.deployments.fail({ deploymentId: d.ID });
  assert.equal(
    c.server.state.snapshot().deploymentByID(d.ID)?.StatusDescription,
    'Deployment marked as failed',
  );
  const list = await c.server.deployments.list({});
  assert.equal(list.value.length, 2);
  assert.equal((await c.server.deployments.allocations(d.ID)).value.length, 2);
  await c.stop();
});
