import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shQuote } from './launch_script.ts';
import { sharesToWeight } from './cgroup.ts';
import { taskCapabilities, unknownCapabilities } from './capabilities.ts';
import { exitFromStatus } from './isolated_tasks.ts';
import { validateExecConfig } from './exec_config.ts';

test('shQuote() makes any string one literal shell word', () => {
  for (const s of ['plain', "it's", 'a b', '$HOME', '"q"', '`x`', "'", '', 'new\nline', '\\']) {
    const out = execFileSync('/bin/sh', ['-c', `printf %s ${shQuote(s)}`], { encoding: 'utf8' });
    assert.equal(out, s);
  }
});

test('sharesToWeight() maps the cpu.shares range onto cpu.weight as runc does', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262_144), 10_000);
  assert.equal(sharesToWeight(0), 1);
});

test("task capabilities start from Nomad's defaults, then cap_drop, then cap_add", () => {
  const base = taskCapabilities([], []);
  assert.ok(base.includes('chown') && base.includes('kill') && !base.includes('net_raw'));
  assert.deepEqual(taskCapabilities(['CAP_NET_RAW'], ['all']), ['net_raw']);
  assert.ok(!taskCapabilities([], ['kill']).includes('kill'));
  assert.deepEqual(unknownCapabilities(['net_raw', 'CAP_SYS_ADMIN', 'all', 'flying']), ['flying']);
});

test('exitFromStatus() reads 128+N as signal N, and status 1 after our SIGKILL or an OOM kill as SIGKILL', () => {
  const none = { oomKilled: false, sigkilled: false };
  assert.deepEqual(exitFromStatus(0, none), { exitCode: 0, signal: 0, oomKilled: false });
  assert.deepEqual(exitFromStatus(143, none), { exitCode: 143, signal: 15, oomKilled: false });
  assert.deepEqual(exitFromStatus(1, none), { exitCode: 1, signal: 0, oomKilled: false });
  assert.deepEqual(exitFromStatus(1, { oomKilled: true, sigkilled: false }), {
    exitCode: 137,
    signal: 9,
    oomKilled: true,
  });
  assert.deepEqual(exitFromStatus(1, { oomKilled: false, sigkilled: true }), {
    exitCode: 137,
    signal: 9,
    oomKilled: false,
  });
});

test('exec config validation names bad modes and unknown capabilities', () => {
  assert.deepEqual(validateExecConfig({ command: 'x', pid_mode: 'shared', cap_add: ['net_raw', 'wings'] }), [
    'Invalid driver config: "pid_mode" must be "private" or "host": current value is "shared"',
    'Invalid driver config: "cap_add" names an unknown capability "wings"',
  ]);
  assert.deepEqual(
    validateExecConfig({ command: 'x', args: ['a'], ipc_mode: 'host', work_dir: '/local' }),
    [],
  );
  assert.deepEqual(validateExecConfig({ args: 'x' }), [
    'Invalid driver config: "args" must be of type string[]: current value is "x" (string)',
    'Invalid driver config: missing required argument "command"',
  ]);
});
