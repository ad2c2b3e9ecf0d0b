import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeJob } from './canonicalize.ts';
import type { JobInput, TaskGroupInput } from './canonicalize.ts';
import { validateJob } from './validate.ts';

const S = 1e9;
type TaskInput = NonNullable<NonNullable<TaskGroupInput['Tasks']>[number]>;

function job(opts: { job?: JobInput; group?: TaskGroupInput; task?: TaskInput } = {}): string[] {
  const input: JobInput = {
    ID: 'example',
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'cache',
        Networks: [{ DynamicPorts: [{ Label: 'db', To: 6379 }] }],
        Tasks: [{ Name: 'redis', Driver: 'docker', Config: { image: 'redis:3.2' }, ...opts.task }],
        ...opts.group,
      },
    ],
    ...opts.job,
  };
  return validateJob(canonicalizeJob(input));
}

function expectError(errors: string[], text: string): void {
  assert.ok(
    errors.some((e) => e.includes(text)),
    `expected an error containing ${JSON.stringify(text)}, got:\n${errors.join('\n')}`,
  );
}

test('validateJob() finds nothing wrong with the example job', () => {
  assert.deepEqual(job(), []);
});

test('validateJob() names the group and task of a resource error', () => {
  const errors = job({ task: { Name: 'redis', Driver: 'docker', Resources: { MemoryMB: 4 } } });
  assert.deepEqual(errors, ['group "cache" task "redis": memory must be >= 10 MB: current value is 4']);
});

test('validateJob() collects every error, not just the first', () => {
  const errors = job({
    job: { Priority: 200, Type: 'nonsense' as 'service' },
    group: { Count: -1 },
    task: { Name: 'redis', Driver: '', Resources: { CPU: 0, MemoryMB: 1 } },
  });
  expectError(errors, 'priority must be between 1 and 100: current value is 200');
  expectError(errors, 'job type must be one of');
  expectError(errors, 'group "cache": count must be >= 0: current value is -1');
  expectError(errors, 'group "cache" task "redis": missing driver');
  expectError(errors, 'group "cache" task "redis": cpu must be >= 1 MHz: current value is 0');
  expectError(errors, 'group "cache" task "redis": memory must be >= 10 MB: current value is 1');
});

test('validateJob() refuses job IDs with spaces and duplicate group and task names', () => {
  const input: JobInput = {
    ID: 'my job',
    TaskGroups: [
      {
        Name: 'a',
        Tasks: [
          { Name: 't', Driver: 'exec' },
          { Name: 't', Driver: 'exec' },
        ],
      },
      { Name: 'a', Tasks: [{ Name: 'u', Driver: 'exec' }] },
    ],
  };
  const errors = validateJob(canonicalizeJob(input));
  expectError(errors, 'job ID must not contain a space: current value is "my job"');
  expectError(errors, 'group 2 redefines "a" from group 1');
  expectError(errors, 'group "a": task 2 redefines "t" from task 1');
});

test('validateJob() refuses periodic and parameterized blocks outside batch and sysbatch jobs', () => {
  const errors = job({ job: { Periodic: { Spec: '*/5 * * * *' }, ParameterizedJob: {} } });
  expectError(errors, 'periodic: periodic can only be used with "batch" or "sysbatch" jobs');
  expectError(errors, 'parameterized: parameterized can only be used with "batch" or "sysbatch" jobs');
});

test('validateJob() checks cron specs and time zones', () => {
  const errors = job({ job: { Type: 'batch', Periodic: { Spec: '61 * * * *', TimeZone: 'Mars/Olympus' } } });
  expectError(errors, 'periodic: invalid cron spec "61 * * * *"');
  expectError(errors, 'periodic: invalid time zone "Mars/Olympus"');
  assert.deepEqual(job({ job: { Type: 'batch', Periodic: { Specs: ['@daily', '0 */2 * * MON-FRI'] } } }), []);
});

test('validateJob() checks the update block', () => {
  const errors = job({
    group: { Update: { MinHealthyTime: 10 * 60 * S, HealthCheck: 'bogus', Canary: -1 } },
  });
  expectError(errors, 'group "cache" update: health_check must be one of');
  expectError(errors, 'group "cache" update: canary must be >= 0: current value is -1');
  expectError(errors, 'group "cache" update: min_healthy_time must be less than healthy_deadline');
});

test('validateJob() refuses an update block in a batch job', () => {
  expectError(
    job({ job: { Type: 'batch' }, group: { Update: {} } }),
    'group "cache": update is not allowed in "batch" jobs',
  );
});

test('validateJob() checks restart and reschedule policies', () => {
  const errors = job({
    group: {
      RestartPolicy: { Mode: 'sometimes', Interval: S },
      ReschedulePolicy: { Attempts: 3, Unlimited: true, DelayFunction: 'linear' },
    },
  });
  expectError(errors, 'group "cache" restart: mode must be "fail" or "delay": current value is "sometimes"');
  expectError(errors, 'group "cache" restart: interval must be >= 5s: current value is 1s');
  expectError(errors, 'group "cache" reschedule: attempts (3) and unlimited = true cannot both be set');
  expectError(errors, 'group "cache" reschedule: delay_function must be one of');
});

test('validateJob() checks constraints, affinities and spreads', () => {
  const errors = job({
    job: {
      Constraints: [{ LTarget: '${attr.kernel.name}', Operand: 'like', RTarget: 'linux' }],
      Affinities: [{ LTarget: '${node.datacenter}', RTarget: 'dc1', Weight: 0 }],
      Spreads: [
        {
          Attribute: '${node.datacenter}',
          SpreadTarget: [
            { Value: 'a', Percent: 70 },
            { Value: 'b', Percent: 40 },
          ],
        },
      ],
    },
  });
  expectError(errors, 'constraint 1: unknown constraint operator "like"');
  expectError(errors, 'affinity 1: weight must not be zero');
  expectError(errors, 'spread 1: sum of target percentages must be <= 100: current value is 110');
});

test('validateJob() checks ports: unique labels and the static range', () => {
  const errors = job({
    group: {
      Networks: [
        {
          ReservedPorts: [{ Label: 'http', Value: 70000 }],
          DynamicPorts: [{ Label: 'http' }],
        },
      ],
    },
  });
  expectError(
    errors,
    'group "cache" network port "http": static must be between 0 and 65535: current value is 70000',
  );
  expectError(errors, 'group "cache" network port "http": label is already used by the group network');
});

test('validateJob() checks services and checks', () => {
  const errors = job({
    task: {
      Name: 'redis',
      Driver: 'docker',
      Services: [
        { Name: 'redis', PortLabel: 'nope', Checks: [{ Type: 'http', Interval: 10 * S, Timeout: 2 * S }] },
      ],
    },
  });
  expectError(
    errors,
    'group "cache" task "redis" service "redis": port "nope" is not defined in a network block',
  );
  expectError(errors, 'check "service: \\"redis\\" check": http checks require a path');
});

test('validateJob() checks volumes and the mounts that reference them', () => {
  const errors = job({
    group: { Volumes: { data: { Type: 'nfs', Source: '' } } },
    task: { Name: 'redis', Driver: 'docker', VolumeMounts: [{ Volume: 'missing', Destination: '/data' }] },
  });
  expectError(errors, 'group "cache" volume "data": type must be "host" or "csi": current value is "nfs"');
  expectError(errors, 'group "cache" volume "data": missing source');
  expectError(errors, 'group "cache" task "redis" volume_mount 1: references undefined volume "missing"');
});

test('validateJob() checks lifecycle hooks and requires a main task', () => {
  const errors = job({ task: { Name: 'redis', Driver: 'docker', Lifecycle: { Hook: 'prestart' } } });
  expectError(errors, 'group "cache": group must have at least one main task');
  const bad = job({ task: { Name: 'redis', Driver: 'docker', Lifecycle: { Hook: 'later' } } });
  expectError(bad, 'group "cache" task "redis" lifecycle: hook must be one of');
});

test('validateJob() checks templates and artifacts', () => {
  const errors = job({
    task: {
      Name: 'redis',
      Driver: 'docker',
      Templates: [
        { DestPath: '../../etc/passwd', EmbeddedTmpl: 'x', ChangeMode: 'signal', ChangeSignal: '' },
        {},
      ],
      Artifacts: [{ GetterSource: '', GetterMode: 'zip' }],
    },
  });
  expectError(errors, 'template 1: destination "../../etc/passwd" escapes the allocation directory');
  expectError(errors, 'template 2: must give a source or data');
  expectError(errors, 'template 2: missing destination');
  expectError(errors, 'artifact 1: missing source');
  expectError(errors, 'artifact 1: mode must be one of "any", "file", "dir": current value is "zip"');
});

test('validateJob() checks log storage against the ephemeral disk', () => {
  const errors = job({ group: { EphemeralDisk: { SizeMB: 50 } } });
  expectError(
    errors,
    'group "cache" task "redis" logs: log storage (100 MB) must be less than the ephemeral disk size (50 MB)',
  );
});

test('validateJob() refuses more than one system group instance and affinities in system jobs', () => {
  const errors = job({
    job: { Type: 'system', Affinities: [{ LTarget: 'a', RTarget: 'b', Weight: 10 }] },
    group: { Count: 3 },
  });
  expectError(errors, 'group "cache": count must not exceed 1 for a system job: current value is 3');
  expectError(errors, 'system jobs may not have an affinity block');
});
