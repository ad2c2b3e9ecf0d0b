import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDriverConformance } from '../conformance_test_suite.ts';
import { RawExecDriver } from './raw_exec_driver.ts';

runDriverConformance({
  name: 'raw_exec',
  newDriver: () => new RawExecDriver({ enabled: true }),
  taskConfigFor: (script) => ({ command: '/bin/sh', args: ['-c', script] }),
  wrongType: { key: 'args', value: 'not-a-list' },
  pidOf: (h) => h.state['pid'] as number,
});

test('raw_exec is undetected unless enabled by config', async () => {
  const fp = await new RawExecDriver({ enabled: false }).fingerprint();
  assert.equal(fp.detected, false);
  assert.equal(fp.healthDescription, 'disabled');
});

test('raw_exec validation names a missing command and each bad key', () => {
  const d = new RawExecDriver({ enabled: true });
  const errors = d.validateConfig({ args: [1, 2], comand: 'x' });
  assert.deepEqual(errors, [
    'Invalid driver config: "args" must be of type string[]: current value is [1,2] (list)',
    'Invalid driver config: unsupported argument "comand"',
    'Invalid driver config: missing required argument "command"',
  ]);
});
