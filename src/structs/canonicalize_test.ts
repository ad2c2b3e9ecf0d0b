import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeJob } from './canonicalize.ts';
import type { JobInput } from './canonicalize.ts';

const S = 1e9;
const M = 60 * S;
const H = 60 * M;

function minimal(type?: string, group: Record<string, unknown> = {}): JobInput {
  const input: JobInput = {
    ID: 'example',
    TaskGroups: [{ Name: 'cache', Tasks: [{ Name: 'redis', Driver: 'docker' }], ...group }],
  };
  if (type !== undefined) input.Type = type as 'service';
  return input;
}

test('canonicalizeJob() fills the job-level defaults Nomad fills', () => {
  const job = canonicalizeJob(minimal());
  assert.equal(job.Name, 'example');
  assert.equal(job.Namespace, 'default');
  assert.equal(job.Region, 'global');
  assert.equal(job.Priority, 50);
  assert.equal(job.Type, 'service');
  assert.deepEqual(job.Datacenters, ['*']);
  assert.equal(job.NodePool, 'default');
  assert.equal(job.Status, 'pending');
  assert.equal(job.AllAtOnce, false);
  assert.equal(job.Constraints, null);
  assert.equal(job.Meta, null);
  assert.equal(job.Periodic, null);
  assert.equal(job.ParameterizedJob, null);
});

test('canonicalizeJob() keeps only stagger and max_parallel in the job-level update block', () => {
  const job = canonicalizeJob(minimal());
  assert.equal(job.Update.Stagger, 30 * S);
  assert.equal(job.Update.MaxParallel, 1);
  assert.equal(job.Update.HealthCheck, '');
  assert.equal(job.Update.MinHealthyTime, 0);
});

test('canonicalizeJob() gives each service group the default update and migrate strategies', () => {
  const group = canonicalizeJob(minimal()).TaskGroups[0]!;
  assert.deepEqual(group.Update, {
    Stagger: 30 * S,
    MaxParallel: 1,
    HealthCheck: 'checks',
    MinHealthyTime: 10 * S,
    HealthyDeadline: 5 * M,
    ProgressDeadline: 10 * M,
    AutoRevert: false,
    AutoPromote: false,
    Canary: 0,
  });
  assert.deepEqual(group.Migrate, {
    MaxParallel: 1,
    HealthCheck: 'checks',
    MinHealthyTime: 10 * S,
    HealthyDeadline: 5 * M,
  });
});

test('canonicalizeJob() merges the job update block under the group one, field by field', () => {
  const input = minimal(undefined, { Update: { Canary: 2 } });
  input.Update = { MaxParallel: 3, MinHealthyTime: 20 * S };
  const job = canonicalizeJob(input);
  const u = job.TaskGroups[0]!.Update!;
  assert.equal(u.MaxParallel, 3);
  assert.equal(u.MinHealthyTime, 20 * S);
  assert.equal(u.Canary, 2);
  assert.equal(u.HealthyDeadline, 5 * M);
  assert.equal(job.Update.MaxParallel, 3);
});

test('canonicalizeJob() sets service restart and reschedule defaults', () => {
  const group = canonicalizeJob(minimal()).TaskGroups[0]!;
  assert.deepEqual(group.RestartPolicy, {
    Attempts: 2,
    Interval: 30 * M,
    Delay: 15 * S,
    Mode: 'fail',
    RenderTemplates: false,
  });
  assert.deepEqual(group.ReschedulePolicy, {
    Attempts: 0,
    Interval: 0,
    Delay: 30 * S,
    DelayFunction: 'exponential',
    MaxDelay: H,
    Unlimited: true,
  });
  assert.deepEqual(group.Tasks[0]!.RestartPolicy, group.RestartPolicy);
});

test('canonicalizeJob() sets batch restart and reschedule defaults and no update or migrate', () => {
  const job = canonicalizeJob(minimal('batch'));
  const group = job.TaskGroups[0]!;
  assert.deepEqual(group.RestartPolicy, {
    Attempts: 3,
    Interval: 24 * H,
    Delay: 15 * S,
    Mode: 'fail',
    RenderTemplates: false,
  });
  assert.deepEqual(group.ReschedulePolicy, {
    Attempts: 1,
    Interval: 24 * H,
    Delay: 5 * S,
    DelayFunction: 'constant',
    MaxDelay: 0,
    Unlimited: false,
  });
  assert.equal(group.Update, null);
  assert.equal(group.Migrate, null);
  assert.equal(job.Update.MaxParallel, 0);
});

test('canonicalizeJob() gives system jobs a service restart policy, an update block and no reschedule policy', () => {
  const group = canonicalizeJob(minimal('system', { Count: 0 })).TaskGroups[0]!;
  assert.equal(group.RestartPolicy.Attempts, 2);
  assert.equal(group.ReschedulePolicy, null);
  assert.equal(group.Migrate, null);
  assert.notEqual(group.Update, null);
  assert.equal(group.Count, 1);
});

test('canonicalizeJob() gives sysbatch jobs a batch restart policy and neither update nor reschedule', () => {
  const group = canonicalizeJob(minimal('sysbatch')).TaskGroups[0]!;
  assert.equal(group.RestartPolicy.Attempts, 3);
  assert.equal(group.ReschedulePolicy, null);
  assert.equal(group.Update, null);
});

test('canonicalizeJob() defaults count to 1 but keeps an explicit 0', () => {
  assert.equal(canonicalizeJob(minimal()).TaskGroups[0]!.Count, 1);
  assert.equal(canonicalizeJob(minimal(undefined, { Count: 0 })).TaskGroups[0]!.Count, 0);
  assert.equal(canonicalizeJob(minimal(undefined, { Scaling: { Min: 2, Max: 5 } })).TaskGroups[0]!.Count, 2);
});

test('canonicalizeJob() fills task resources, logs, disk and kill timeout', () => {
  const group = canonicalizeJob(minimal()).TaskGroups[0]!;
  const task = group.Tasks[0]!;
  assert.equal(task.Resources.CPU, 100);
  assert.equal(task.Resources.MemoryMB, 300);
  assert.equal(task.Resources.MemoryMaxMB, 0);
  assert.deepEqual(task.LogConfig, { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false });
  assert.deepEqual(group.EphemeralDisk, { Sticky: false, Migrate: false, SizeMB: 300 });
  assert.equal(task.KillTimeout, 5 * S);
  assert.equal(task.KillSignal, '');
  assert.equal(task.Identity?.['Name'], 'default');
});

test('canonicalizeJob() leaves cpu at 0 when cores are asked for', () => {
  const input = minimal();
  input.TaskGroups![0]!.Tasks![0]!.Resources = { Cores: 2 };
  assert.equal(canonicalizeJob(input).TaskGroups[0]!.Tasks[0]!.Resources.CPU, 0);
});

test('canonicalizeJob() names services and checks and fills their defaults', () => {
  const input = minimal(undefined, { Services: [{ PortLabel: 'db', Provider: 'nomad' }] });
  input.TaskGroups![0]!.Tasks![0]!.Services = [
    { Name: '${TASKGROUP}-db', Checks: [{ Type: 'tcp', CheckRestart: { Limit: 3 } }] },
  ];
  const group = canonicalizeJob(input).TaskGroups[0]!;
  assert.equal(group.Services![0]!.Name, 'example-cache');
  assert.equal(group.Services![0]!.Provider, 'nomad');
  const svc = group.Tasks[0]!.Services![0]!;
  assert.equal(svc.Name, 'cache-db');
  assert.equal(svc.Provider, 'consul');
  assert.equal(svc.AddressMode, 'auto');
  assert.equal(svc.TaskName, 'redis');
  assert.equal(svc.Checks![0]!.Name, 'service: "cache-db" check');
  assert.equal(svc.Checks![0]!.OnUpdate, 'require_healthy');
  assert.deepEqual(svc.Checks![0]!.CheckRestart, { Limit: 3, Grace: S, IgnoreWarnings: false });
});

test('canonicalizeJob() gives ports the default host network', () => {
  const input = minimal(undefined, { Networks: [{ DynamicPorts: [{ Label: 'db', To: 6379 }] }] });
  const net = canonicalizeJob(input).TaskGroups[0]!.Networks![0]!;
  assert.deepEqual(net.DynamicPorts, [{ Label: 'db', Value: 0, To: 6379, HostNetwork: 'default' }]);
  assert.equal(net.ReservedPorts, null);
});

test('canonicalizeJob() fills template, artifact, periodic and parameterized defaults', () => {
  const input = minimal('batch');
  input.Periodic = { Specs: ['@daily'] };
  input.ParameterizedJob = {};
  const task = input.TaskGroups![0]!.Tasks![0]!;
  task.Templates = [{ DestPath: 'local/a', ChangeMode: 'signal' }];
  task.Artifacts = [
    { GetterSource: 'https://example.com/x.tgz?a=1', GetterMode: 'file' },
    { GetterSource: 'git::x' },
  ];
  const job = canonicalizeJob(input);
  assert.equal(job.Periodic!.TimeZone, 'UTC');
  assert.equal(job.Periodic!.Enabled, true);
  assert.equal(job.Periodic!.SpecType, 'cron');
  assert.equal(job.ParameterizedJob!.Payload, 'optional');
  const t = job.TaskGroups[0]!.Tasks[0]!;
  assert.equal(t.Templates![0]!.ChangeSignal, 'SIGHUP');
  assert.equal(t.Templates![0]!.Splay, 5 * S);
  assert.equal(t.Templates![0]!.Perms, '0644');
  assert.equal(t.Artifacts![0]!.RelativeDest, 'local/x.tgz');
  assert.equal(t.Artifacts![1]!.RelativeDest, 'local/');
  assert.equal(t.Artifacts![1]!.GetterMode, 'any');
});

test('canonicalizeJob() of a canonical job gives the same job', () => {
  for (const type of ['service', 'batch', 'system', 'sysbatch']) {
    const once = canonicalizeJob(minimal(type, { Update: { Canary: 1 } }));
    const twice = canonicalizeJob(structuredClone(once));
    assert.deepEqual(twice, once);
  }
});
