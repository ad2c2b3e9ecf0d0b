import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FSM } from '../fsm/fsm.ts';
import { StateStore } from '../state/index.ts';
import { AUTOPILOT_DEFAULTS, ClusterStateMachine } from './cluster_state_machine.ts';

const ns = (name: string) => ({
  type: 'NamespaceUpsert' as const,
  namespaces: [{ Name: name, Description: '', Meta: null, CreateIndex: 0, ModifyIndex: 0 }],
});

test('the autopilot configuration is set through the log, with check-and-set on its ModifyIndex', () => {
  const m = new ClusterStateMachine(new FSM(new StateStore()), () => undefined);
  const config = { ...AUTOPILOT_DEFAULTS, cleanupDeadServers: false };
  assert.equal(m.apply({ type: 'AutopilotSetConfig', config, cas: null }, 5), true);
  assert.equal(m.autopilot?.modifyIndex, 5);
  assert.equal(m.apply({ type: 'AutopilotSetConfig', config: AUTOPILOT_DEFAULTS, cas: 4 }, 6), false);
  assert.equal(m.autopilot?.cleanupDeadServers, false);
  assert.equal(m.apply({ type: 'AutopilotSetConfig', config: AUTOPILOT_DEFAULTS, cas: 5 }, 7), true);
  assert.equal(m.autopilot?.cleanupDeadServers, true);
  assert.equal(m.autopilot?.createIndex, 5);
});

test('a restore entry replaces the whole state; raft snapshots carry the autopilot configuration', () => {
  const restored: number[] = [];
  const source = new ClusterStateMachine(new FSM(new StateStore()), () => undefined);
  source.apply(ns('kept'), 1);
  source.apply({ type: 'AutopilotSetConfig', config: AUTOPILOT_DEFAULTS, cas: null }, 2);
  const saved = source.snapshot();

  const target = new ClusterStateMachine(new FSM(new StateStore()), (i) => restored.push(i));
  target.apply(ns('dropped'), 1);
  target.apply({ type: 'SnapshotRestore', snapshot: { index: saved.index, state: saved.state } }, 2);
  const names = target.fsm
    .stateSnapshot()
    .namespaces()
    .map((n) => n.Name);
  assert.ok(names.includes('kept') && !names.includes('dropped'), names.join(','));
  assert.deepEqual(restored, [2]);
  assert.equal(target.fsm.appliedIndex(), 2);
  target.apply(ns('after'), 3);

  const copy = new ClusterStateMachine(new FSM(new StateStore()), () => undefined);
  copy.restore(JSON.parse(JSON.stringify(source.snapshot())), 2);
  assert.equal(copy.autopilot?.modifyIndex, 2);
});
