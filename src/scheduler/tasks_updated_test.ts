import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Task, TaskGroup } from '../structs/job.ts';
import { tasksUpdated } from './tasks_updated.ts';
import { mockJob } from './testing/mock.ts';

function withTask(job: Job, change: (t: Task, g: TaskGroup) => void): Job {
  const copy = structuredClone(job);
  change(copy.TaskGroups[0]!.Tasks[0]!, copy.TaskGroups[0]!);
  return copy;
}

const base = mockJob();

const destructive: [string, (t: Task, g: TaskGroup) => void][] = [
  ['driver', (t) => (t.Driver = 'raw_exec')],
  ['config', (t) => (t.Config = { run_for: '2h' })],
  ['env', (t) => (t.Env = { A: '1' })],
  ['cpu', (t) => (t.Resources.CPU = 200)],
  ['memory', (t) => (t.Resources.MemoryMB = 128)],
  ['user', (t) => (t.User = 'nobody')],
  [
    'artifacts',
    (t) =>
      (t.Artifacts = [
        {
          GetterSource: 'http://x',
          GetterOptions: null,
          GetterHeaders: null,
          GetterMode: 'any',
          RelativeDest: 'local/',
          Chown: false,
          GetterInsecure: false,
        },
      ]),
  ],
  ['meta', (t) => (t.Meta = { v: '2' })],
  ['vault', (t) => (t.Vault = { Role: 'x' })],
  ['lifecycle', (t) => (t.Lifecycle = { Hook: 'prestart', Sidecar: false })],
  [
    'group network ports',
    (_t, g) =>
      (g.Networks = [
        {
          Mode: 'host',
          Device: '',
          CIDR: '',
          IP: '',
          Hostname: '',
          MBits: 0,
          DNS: null,
          ReservedPorts: [{ Label: 'http', Value: 80, To: 0, HostNetwork: 'default' }],
          DynamicPorts: null,
        },
      ]),
  ],
  ['ephemeral disk', (_t, g) => (g.EphemeralDisk = { ...g.EphemeralDisk, SizeMB: 500 })],
  [
    'volumes',
    (_t, g) =>
      (g.Volumes = {
        data: {
          Name: 'data',
          Type: 'host',
          Source: 'data',
          ReadOnly: false,
          Sticky: false,
          AccessMode: '',
          AttachmentMode: '',
          MountOptions: null,
          PerAlloc: false,
        },
      }),
  ],
  ['log disabled', (t) => (t.LogConfig = { ...t.LogConfig, Disabled: true })],
];

for (const [what, change] of destructive) {
  test(`tasksUpdated() reports a change of the task's ${what} as destructive`, () => {
    assert.equal(tasksUpdated(base, withTask(base, change), 'web').modified, true);
  });
}

const inPlace: [string, (t: Task, g: TaskGroup) => void][] = [
  ['count', (_t, g) => (g.Count = 10)],
  ['update block', (_t, g) => (g.Update = g.Update === null ? null : { ...g.Update, MaxParallel: 3 })],
  ['kill timeout', (t) => (t.KillTimeout = 99)],
  [
    'services',
    (t) =>
      (t.Services = [{ ...({} as NonNullable<Task['Services']>[number]), Name: 'web', PortLabel: 'http' }]),
  ],
  ['log file count', (t) => (t.LogConfig = { ...t.LogConfig, MaxFiles: 3 })],
];

for (const [what, change] of inPlace) {
  test(`tasksUpdated() allows a change of the ${what} in place`, () => {
    assert.equal(tasksUpdated(base, withTask(base, change), 'web').modified, false);
  });
}

test('tasksUpdated() reads a dynamic port value as unchanged but its label as changed', () => {
  const net = (label: string, value: number): TaskGroup['Networks'] => [
    {
      Mode: 'host',
      Device: '',
      CIDR: '',
      IP: '',
      Hostname: '',
      MBits: 0,
      DNS: null,
      ReservedPorts: null,
      DynamicPorts: [{ Label: label, Value: value, To: 0, HostNetwork: 'default' }],
    },
  ];
  const a = withTask(base, (_t, g) => (g.Networks = net('http', 0)));
  assert.equal(
    tasksUpdated(
      a,
      withTask(base, (_t, g) => (g.Networks = net('http', 25000))),
      'web',
    ).modified,
    false,
  );
  assert.equal(
    tasksUpdated(
      a,
      withTask(base, (_t, g) => (g.Networks = net('admin', 0))),
      'web',
    ).modified,
    true,
  );
});

test('tasksUpdated() treats a missing map and an empty one as equal', () => {
  const a = withTask(base, (t) => (t.Env = null));
  const b = withTask(base, (t) => (t.Env = {}));
  assert.equal(tasksUpdated(a, b, 'web').modified, false);
});
