import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NomadError } from '../lib/errors.ts';
import { FSM } from '../fsm/fsm.ts';
import { proposeOrThrow } from '../fsm/log.ts';
import { StateStore } from '../state/index.ts';
import { mockNode } from '../state/testing/mocks.ts';
import { InmemLog } from './inmem_log.ts';

test('InmemLog applies entries proposed in one tick together, in order, before resolving any', async () => {
  const fsm = new FSM(new StateStore());
  const log = new InmemLog(fsm);
  const applied: number[] = [];
  fsm.addHooks({ applied: (index) => applied.push(index) });
  const a = log.propose({ type: 'NodeRegister', node: mockNode('n1') });
  const b = log.propose({ type: 'NodeRegister', node: mockNode('n2') });
  const first = await a;
  assert.deepEqual(applied, [1, 2], 'the whole batch is applied when the first proposer hears back');
  assert.equal(first.index, 1);
  assert.equal((await b).index, 2);
  assert.equal(log.appliedIndex(), 2);
  assert.equal(fsm.stateSnapshot().nodes().length, 2);
});

test('InmemLog hands the FSM\u2019s refusal back to its proposer only', async () => {
  const log = new InmemLog(new FSM(new StateStore()));
  const bad = proposeOrThrow(log, { type: 'NodeDeregister', nodeIds: ['ghost'] });
  const good = proposeOrThrow(log, { type: 'NodeRegister', node: mockNode('n1') });
  await assert.rejects(bad, (e: unknown) => e instanceof NomadError && e.kind === 'not_found');
  assert.equal((await good).index, 2);
});

test('a closed InmemLog refuses proposals as unavailable', async () => {
  const log = new InmemLog(new FSM(new StateStore()));
  log.close();
  await assert.rejects(
    log.propose({ type: 'NodeRegister', node: mockNode('n1') }),
    (e: unknown) => e instanceof NomadError && e.kind === 'unavailable',
  );
});
