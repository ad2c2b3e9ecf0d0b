import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotateJobDiff, diffJobs, type JobDiff, type TaskDiff, type TaskGroupDiff } from './diff.ts';
import { exampleJob } from './diff_fixture.ts';
import type { Job, Task, TaskGroup } from './job.ts';
import { emptyDesiredUpdates, type PlanAnnotations } from './plan.ts';

function edit(mutate: (job: Job, group: TaskGroup, task: Task) => void): Job {
  const job = exampleJob();
  mutate(job, job.TaskGroups[0]!, job.TaskGroups[0]!.Tasks[0]!);
  return job;
}

function group(d: JobDiff): TaskGroupDiff {
  return d.TaskGroups[0]!;
}

function task(d: JobDiff): TaskDiff {
  return group(d).Tasks[0]!;
}

function taskAnnotation(next: Job): string[] | null {
  const d = annotateJobDiff(diffJobs(exampleJob(), next, { contextual: true }), null);
  return task(d).Annotations;
}

test('diffJobs() finds no change between equal jobs', () => {
  const d = diffJobs(exampleJob(), exampleJob(), { contextual: true });
  assert.equal(d.Type, 'None');
  assert.equal(d.ID, 'example');
  assert.deepEqual(d.Fields, []);
  assert.equal(group(d).Type, 'None');
  assert.equal(task(d).Type, 'None');
});

test('diffJobs() ignores the bookkeeping fields that change on every registration', () => {
  const next = edit((j) => {
    j.Version = 4;
    j.ModifyIndex = 100;
    j.JobModifyIndex = 100;
    j.SubmitTime = 1;
    j.Status = 'pending';
    j.Stable = false;
  });
  assert.equal(diffJobs(exampleJob(), next, { contextual: false }).Type, 'None');
});

test('diffJobs() shows a count change as an edited group field, forcing create when it goes up', () => {
  const next = edit((_j, g) => {
    g.Count = 3;
  });
  const annotations: PlanAnnotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Place: 2, InPlaceUpdate: 1 } },
    PreemptedAllocs: null,
  };
  const d = annotateJobDiff(diffJobs(exampleJob(), next, { contextual: true }), annotations);
  assert.equal(d.Type, 'Edited');
  assert.equal(group(d).Type, 'Edited');
  assert.deepEqual(group(d).Fields, [
    { Type: 'Edited', Name: 'Count', Old: '1', New: '3', Annotations: ['forces create'] },
  ]);
  assert.deepEqual(group(d).Objects, []);
  assert.deepEqual(group(d).Updates, { create: 2, 'in-place update': 1 });
  assert.equal(task(d).Type, 'None');
  assert.equal(task(d).Annotations, null);
});

test('annotateJobDiff() marks a count going down as forcing destroy', () => {
  const old = edit((_j, g) => {
    g.Count = 3;
  });
  const d = annotateJobDiff(diffJobs(old, exampleJob(), { contextual: false }), null);
  assert.deepEqual(group(d).Fields[0]!.Annotations, ['forces destroy']);
});

test('diffJobs() keeps unchanged config keys beside the changed one in contextual mode', () => {
  const next = edit((_j, _g, t) => {
    t.Config = { ...t.Config, image: 'redis:4.0' };
  });
  const d = diffJobs(exampleJob(), next, { contextual: true });
  assert.equal(task(d).Type, 'Edited');
  assert.deepEqual(task(d).Objects, [
    {
      Type: 'Edited',
      Name: 'Config',
      Fields: [
        { Type: 'Edited', Name: 'image', Old: 'redis:3.2', New: 'redis:4.0', Annotations: null },
        { Type: 'None', Name: 'port_map[0][db]', Old: '6379', New: '6379', Annotations: null },
      ],
      Objects: [],
    },
  ]);
});

test('diffJobs() leaves unchanged config keys out without contextual mode', () => {
  const next = edit((_j, _g, t) => {
    t.Config = { ...t.Config, image: 'redis:4.0' };
  });
  const fields = task(diffJobs(exampleJob(), next, { contextual: false })).Objects[0]!.Fields;
  assert.deepEqual(
    fields.map((f) => f.Name),
    ['image'],
  );
});

test('a changed image forces a create/destroy update', () => {
  const next = edit((_j, _g, t) => {
    t.Config = { ...t.Config, image: 'redis:4.0' };
  });
  assert.deepEqual(taskAnnotation(next), ['forces create/destroy update']);
});

test('a changed kill timeout is an in-place update', () => {
  const next = edit((_j, _g, t) => {
    t.KillTimeout = 30e9;
  });
  assert.deepEqual(taskAnnotation(next), ['forces in-place update']);
});

test('a new constraint on a task is an in-place update', () => {
  const next = edit((_j, _g, t) => {
    t.Constraints = [{ LTarget: '${attr.kernel.name}', RTarget: 'linux', Operand: '=' }];
  });
  const d = diffJobs(exampleJob(), next, { contextual: true });
  assert.deepEqual(task(d).Objects[0]!.Name, 'Constraint');
  assert.deepEqual(task(d).Objects[0]!.Type, 'Added');
  assert.deepEqual(taskAnnotation(next), ['forces in-place update']);
});

test('a new affinity on a task is an in-place update', () => {
  const next = edit((_j, _g, t) => {
    t.Affinities = [{ LTarget: '${node.class}', RTarget: 'fast', Operand: '=', Weight: 50 }];
  });
  assert.deepEqual(taskAnnotation(next), ['forces in-place update']);
});

test('a changed service is an in-place update', () => {
  const service = {
    Name: 'redis-cache',
    TaskName: '',
    PortLabel: 'db',
    AddressMode: 'auto',
    Address: '',
    EnableTagOverride: false,
    Tags: ['global'],
    CanaryTags: null,
    Checks: null,
    Meta: null,
    CanaryMeta: null,
    TaggedAddresses: null,
    OnUpdate: 'require_healthy',
    Provider: 'nomad',
    Cluster: 'default',
  };
  const old = edit((_j, _g, t) => {
    t.Services = [service];
  });
  const next = edit((_j, _g, t) => {
    t.Services = [{ ...service, Tags: ['global', 'cache'] }];
  });
  const d = annotateJobDiff(diffJobs(old, next, { contextual: false }), null);
  const svc = task(d).Objects[0]!;
  assert.equal(svc.Name, 'Service');
  assert.deepEqual(svc.Objects[0], {
    Type: 'Added',
    Name: 'Tags',
    Fields: [{ Type: 'Added', Name: 'Tags', Old: '', New: 'cache', Annotations: null }],
    Objects: [],
  });
  assert.deepEqual(task(d).Annotations, ['forces in-place update']);
});

test('changed log rotation is in-place, but turning logging off forces create/destroy', () => {
  const rotation = edit((_j, _g, t) => {
    t.LogConfig = { ...t.LogConfig, MaxFiles: 3 };
  });
  assert.deepEqual(taskAnnotation(rotation), ['forces in-place update']);
  const disabled = edit((_j, _g, t) => {
    t.LogConfig = { ...t.LogConfig, Disabled: true };
  });
  assert.deepEqual(taskAnnotation(disabled), ['forces create/destroy update']);
});

test('changed resources, env or driver force a create/destroy update', () => {
  const memory = edit((_j, _g, t) => {
    t.Resources = { ...t.Resources, MemoryMB: 512 };
  });
  assert.deepEqual(taskAnnotation(memory), ['forces create/destroy update']);
  const env = edit((_j, _g, t) => {
    t.Env = { REDIS_MODE: 'cluster' };
  });
  const d = diffJobs(exampleJob(), env, { contextual: false });
  assert.deepEqual(task(d).Fields, [
    { Type: 'Added', Name: 'Env[REDIS_MODE]', Old: '', New: 'cluster', Annotations: null },
  ]);
  assert.deepEqual(taskAnnotation(env), ['forces create/destroy update']);
  const driver = edit((_j, _g, t) => {
    t.Driver = 'podman';
  });
  assert.deepEqual(taskAnnotation(driver), ['forces create/destroy update']);
});

test('a task added to an existing group is a create/destroy update; a new group forces create', () => {
  const extra = edit((_j, g, t) => {
    g.Tasks.push({ ...t, Name: 'sidecar' });
  });
  const d = annotateJobDiff(diffJobs(exampleJob(), extra, { contextual: false }), null);
  const sidecar = group(d).Tasks.find((t) => t.Name === 'sidecar')!;
  assert.equal(sidecar.Type, 'Added');
  assert.deepEqual(sidecar.Annotations, ['forces create/destroy update']);

  const twoGroups = edit((j, g) => {
    j.TaskGroups.push({ ...structuredClone(g), Name: 'web' });
  });
  const d2 = annotateJobDiff(diffJobs(exampleJob(), twoGroups, { contextual: false }), null);
  assert.deepEqual(
    d2.TaskGroups.map((g) => [g.Name, g.Type]),
    [
      ['cache', 'None'],
      ['web', 'Added'],
    ],
  );
  assert.deepEqual(d2.TaskGroups[1]!.Tasks[0]!.Annotations, ['forces create']);
  const d3 = annotateJobDiff(diffJobs(twoGroups, exampleJob(), { contextual: false }), null);
  assert.equal(d3.TaskGroups[1]!.Type, 'Deleted');
  assert.deepEqual(d3.TaskGroups[1]!.Tasks[0]!.Annotations, ['forces destroy']);
});

test('diffJobs() of a new job marks the job, its groups and tasks as added', () => {
  const d = annotateJobDiff(diffJobs(null, exampleJob(), { contextual: false }), {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Place: 1 } },
    PreemptedAllocs: null,
  });
  assert.equal(d.Type, 'Added');
  assert.equal(group(d).Type, 'Added');
  assert.deepEqual(group(d).Updates, { create: 1 });
  assert.deepEqual(task(d).Annotations, ['forces create']);
  assert.ok(d.Fields.some((f) => f.Name === 'Priority' && f.Type === 'Added' && f.New === '50'));
  assert.ok(!d.Fields.some((f) => f.Name === 'Version' || f.Name === 'SubmitTime'));
});

test('diffJobs() of a removed job marks it deleted', () => {
  const d = diffJobs(exampleJob(), null, { contextual: false });
  assert.equal(d.Type, 'Deleted');
  assert.equal(group(d).Type, 'Deleted');
  assert.equal(task(d).Type, 'Deleted');
});

test('diffJobs() shows datacenters as a set and job meta as flattened fields', () => {
  const next = edit((j) => {
    j.Datacenters = ['dc1', 'dc2'];
    j.Meta = { owner: 'cache-team' };
  });
  const d = diffJobs(exampleJob(), next, { contextual: true });
  assert.equal(d.Type, 'Edited');
  assert.deepEqual(d.Fields, [
    { Type: 'Added', Name: 'Meta[owner]', Old: '', New: 'cache-team', Annotations: null },
  ]);
  assert.deepEqual(d.Objects, [
    {
      Type: 'Added',
      Name: 'Datacenters',
      Fields: [
        { Type: 'Added', Name: 'Datacenters', Old: '', New: 'dc2', Annotations: null },
        { Type: 'None', Name: 'Datacenters', Old: 'dc1', New: 'dc1', Annotations: null },
      ],
      Objects: [],
    },
  ]);
});

test('diffJobs() shows a changed network as one deleted and one added, with its ports', () => {
  const next = edit((_j, g) => {
    g.Networks = [
      { ...g.Networks![0]!, DynamicPorts: [{ Label: 'db', Value: 0, To: 6380, HostNetwork: 'default' }] },
    ];
  });
  const objects = group(diffJobs(exampleJob(), next, { contextual: false })).Objects;
  assert.deepEqual(
    objects.map((o) => [o.Name, o.Type]),
    [
      ['Network', 'Added'],
      ['Network', 'Deleted'],
    ],
  );
  assert.deepEqual(objects[0]!.Objects[0]!.Name, 'Dynamic Port');
  assert.ok(objects[0]!.Objects[0]!.Fields.some((f) => f.Name === 'To' && f.New === '6380'));
});

test('diffJobs() shows group blocks (update, restart) with their unchanged fields in context', () => {
  const next = edit((_j, g) => {
    g.Update = { ...g.Update!, MaxParallel: 2 };
  });
  const update = group(diffJobs(exampleJob(), next, { contextual: true })).Objects[0]!;
  assert.equal(update.Name, 'Update');
  assert.equal(update.Type, 'Edited');
  assert.ok(update.Fields.some((f) => f.Name === 'MaxParallel' && f.Type === 'Edited'));
  assert.ok(update.Fields.some((f) => f.Name === 'Canary' && f.Type === 'None'));
  assert.ok(!update.Fields.some((f) => f.Name === 'Stagger'));
});

test('diffJobs() refuses to diff two different jobs', () => {
  const other = edit((j) => {
    j.ID = 'other';
  });
  assert.throws(
    () => diffJobs(exampleJob(), other, { contextual: false }),
    /different IDs: "example" and "other"/,
  );
});
