import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NomadError } from '../lib/errors.ts';
import { StateStore, serializeTables } from '../state/index.ts';
import { mockAlloc, mockDeployment, mockEvaluation, mockJob, mockNode } from '../state/testing/mocks.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { FSM } from './fsm.ts';
import type { LogEntry } from './log_entry.ts';

function scenario(): LogEntry[] {
  const job = mockJob({ SubmitTime: 1_000 }, 2);
  const cronJob = mockJob({
    ID: 'cron',
    Name: 'cron',
    Type: 'batch',
    SubmitTime: 2_000,
    Periodic: {
      Enabled: true,
      Spec: '*/5 * * * *',
      SpecType: 'cron',
      ProhibitOverlap: false,
      TimeZone: 'UTC',
    },
  });
  const e1 = mockEvaluation('e1', job);
  return [
    { type: 'NodeRegister', node: mockNode('n1') },
    { type: 'NodeRegister', node: mockNode('n2') },
    { type: 'JobRegister', job, eval: e1 },
    { type: 'JobRegister', job: cronJob, eval: null },
    {
      type: 'ApplyPlanResults',
      job,
      evalId: 'e1',
      allocsUpdated: [
        mockAlloc('a1', job, 'n1', { Job: null, EvalID: 'e1', DeploymentID: 'd1' }),
        mockAlloc('a2', job, 'n2', { Job: null, EvalID: 'e1', DeploymentID: 'd1' }),
      ],
      allocsStopped: [],
      allocsPreempted: [],
      deployment: mockDeployment('d1', job),
      deploymentUpdates: [],
      preemptionEvals: [],
    },
    { type: 'EvalUpdate', evals: [{ ...e1, Status: 'complete' }] },
    {
      type: 'AllocClientUpdate',
      allocs: [
        {
          ID: 'a1',
          NodeID: 'n1',
          ClientStatus: 'running',
          ClientDescription: '',
          TaskStates: null,
          DeploymentStatus: {
            Healthy: true,
            Timestamp: '2024-01-01T00:00:00.000Z',
            Canary: false,
            ModifyIndex: 0,
          },
          ModifyTime: 3_000,
        },
      ],
      evals: [],
    },
    {
      type: 'NodeUpdateStatus',
      nodeId: 'n2',
      status: 'down',
      updatedAt: 1_700_000_100,
      event: null,
      evals: [],
    },
    {
      type: 'JobDeregister',
      namespace: 'default',
      jobId: 'web',
      purge: false,
      submitTime: 4_000,
      eval: null,
    },
  ];
}

function applyAll(entries: readonly LogEntry[]): FSM {
  const fsm = new FSM(new StateStore());
  entries.forEach((e, i) => {
    const r = fsm.apply(i + 1, e);
    assert.ok(!(r instanceof Error), `entry ${i + 1} (${e.type}) was refused: ${String(r)}`);
  });
  return fsm;
}

test('applying the same entries to two FSMs gives equal states', () => {
  const a = applyAll(scenario());
  const b = applyAll(scenario());
  assert.deepEqual(serializeTables(a.stateSnapshot().tables()), serializeTables(b.stateSnapshot().tables()));
});

test('the scenario leaves what Nomad would: stopped job version, deployment counts, periodic launch', () => {
  const snap = applyAll(scenario()).stateSnapshot();
  const job = snap.jobByID('default', 'web')!;
  assert.equal(job.Stop, true);
  assert.equal(job.Version, 1);
  assert.equal(job.SubmitTime, 4_000);
  const d = snap.deploymentByID('d1')!;
  assert.equal(d.TaskGroups['web']!.PlacedAllocs, 2);
  assert.equal(d.TaskGroups['web']!.HealthyAllocs, 1);
  assert.equal(snap.allocByID('a1')!.Job!.ID, 'web', 'the plan job is attached to allocations without one');
  const atRegister = applyAll(scenario().slice(0, 3)).stateSnapshot();
  assert.equal(
    atRegister.evalByID('e1')!.JobModifyIndex,
    3,
    'the eval carries the index of its job register',
  );
  assert.equal(snap.periodicLaunchByID('default', 'cron')!.Launch, 2_000);
  assert.equal(snap.nodeByID('n2')!.Status, 'down');
});

test('snapshot() and restore() round-trip the whole state, sharing each job among its allocations', () => {
  const a = applyAll(scenario());
  const data = JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<FSM['snapshot']>;
  const b = new FSM(new StateStore());
  b.restore(data);
  assert.equal(b.appliedIndex(), a.appliedIndex());
  assert.deepEqual(serializeTables(b.stateSnapshot().tables()), serializeTables(a.stateSnapshot().tables()));
  const snap = b.stateSnapshot();
  assert.equal(snap.allocByID('a1')!.Job, snap.allocByID('a2')!.Job);
  assert.deepEqual(
    snap.allocsByNode('n1').map((x) => x.ID),
    ['a1'],
  );
  // A restored FSM goes on applying where the snapshot ended.
  const next = b.apply(a.appliedIndex() + 1, { type: 'NodeRegister', node: mockNode('n3') });
  assert.equal(next, undefined);
  assert.equal(b.stateSnapshot().nodes().length, 3);
});

test('a refused entry returns its error and leaves the state and table indexes unchanged', () => {
  const fsm = applyAll(scenario().slice(0, 3));
  const before = serializeTables(fsm.stateSnapshot().tables());
  const r = fsm.apply(10, {
    type: 'NodeUpdateEligibility',
    nodeId: 'nope',
    eligibility: 'eligible',
    updatedAt: 1,
    event: null,
  });
  assert.ok(r instanceof NomadError);
  assert.equal(r.kind, 'not_found');
  assert.deepEqual(serializeTables(fsm.stateSnapshot().tables()), before);
  assert.equal(fsm.appliedIndex(), 10);
});

test('a check-and-set JobRegister applies only at the job modify index it expects', () => {
  const fsm = applyAll(scenario().slice(0, 3));
  const job = fsm.stateSnapshot().jobByID('default', mockJob().ID)!;
  const before = serializeTables(fsm.stateSnapshot().tables());
  // Another write got in after the proposer read the job: the stale copy must not overwrite it.
  const stale = fsm.apply(10, {
    type: 'JobRegister',
    job: { ...job, Priority: 90 },
    eval: null,
    expectedJobModifyIndex: job.JobModifyIndex - 1,
  });
  assert.ok(stale instanceof NomadError);
  assert.equal(stale.kind, 'conflict');
  assert.deepEqual(serializeTables(fsm.stateSnapshot().tables()), before);
  const fresh = fsm.apply(11, {
    type: 'JobRegister',
    job: { ...job, Priority: 90 },
    eval: null,
    expectedJobModifyIndex: job.JobModifyIndex,
  });
  assert.ok(!(fresh instanceof Error));
  assert.equal(fsm.stateSnapshot().jobByID('default', job.ID)?.Priority, 90);
});

test('hooks hear of upserted evaluations and allocations after the commit, once per row', () => {
  const fsm = new FSM(new StateStore());
  const evals: Evaluation[][] = [];
  const allocIds: string[][] = [];
  let seenIndexInHook = -1;
  fsm.addHooks({
    evalsUpserted: (es, index) => {
      evals.push([...es]);
      seenIndexInHook = fsm.stateSnapshot().latestIndex();
      assert.equal(index, seenIndexInHook);
    },
    allocsUpserted: (as) => allocIds.push(as.map((a) => a.ID)),
  });
  const entries = scenario();
  entries.forEach((e, i) => fsm.apply(i + 1, e));
  assert.deepEqual(
    evals.map((es) => es.map((e) => `${e.ID}:${e.Status}`)),
    [['e1:pending'], ['e1:pending'], ['e1:complete']],
  );
  assert.deepEqual(allocIds, [['a1', 'a2'], ['a1']]);
});

test('the FSM refuses to apply an index that is not after the last one', () => {
  const fsm = applyAll(scenario().slice(0, 1));
  assert.throws(
    () => fsm.apply(1, { type: 'NodeRegister', node: mockNode('x') }),
    /not after the last applied 1/,
  );
});
