import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatMiB } from './bytes.ts';
import { formatColumns, formatKV, formatList, shortId } from './columns.ts';
import { buildDisplayMessage, taskEventMessage } from './task_events.ts';
import { formatDurationNs, formatTime, prettyTimeDiff, rfc3339ToMs } from './time.ts';

test('formatList() aligns columns two spaces apart and fills empty cells with <none>', () => {
  const out = formatList([
    'ID|DC|Name|Class|Drain|Eligibility|Status',
    '171a583b|dc1|nomad||false|eligible|ready',
  ]);
  assert.equal(
    out,
    'ID        DC   Name   Class   Drain  Eligibility  Status\n171a583b  dc1  nomad  <none>  false  eligible     ready',
  );
});

test('formatKV() aligns keys and glues them to values with " = "', () => {
  assert.equal(
    formatKV(['ID|example', 'Submit Date|x', 'Parameterized|false', 'Description|']),
    'ID            = example\nSubmit Date   = x\nParameterized = false\nDescription   = <none>',
  );
});

test('formatColumns() trims cells and leaves the last column unpadded', () => {
  assert.equal(formatColumns(['a | bb |c', 'ccc|d|']), 'a    bb  c\nccc  d   ');
});

test('formatColumns() measures width without colour codes', () => {
  assert.equal(formatColumns(['\x1b[1mab\x1b[0m|x', 'abcd|y']), '\x1b[1mab\x1b[0m    x\nabcd  y');
});

test('shortId() keeps 8 characters unless verbose', () => {
  assert.equal(shortId('883269bf-2e6a-2c6e-c2a5-bf2f2a8f54ae'), '883269bf');
  assert.equal(shortId('883269bf-2e6a-2c6e-c2a5-bf2f2a8f54ae', true), '883269bf-2e6a-2c6e-c2a5-bf2f2a8f54ae');
});

test('formatTime() prints ISO 8601 with Z in UTC and the offset elsewhere', () => {
  const ms = Date.UTC(2019, 7, 31, 22, 58, 40);
  assert.equal(formatTime(ms, { utcOffsetMin: 0 }), '2019-08-31T22:58:40Z');
  assert.equal(formatTime(ms, { utcOffsetMin: -420 }), '2019-08-31T15:58:40-07:00');
  assert.equal(formatTime(ms, { utcOffsetMin: 330 }), '2019-09-01T04:28:40+05:30');
  assert.equal(formatTime(0), '');
});

test('prettyTimeDiff() keeps the two largest units', () => {
  const now = Date.UTC(2020, 0, 1);
  assert.equal(prettyTimeDiff(now - 5 * 60_000, now), '5m ago');
  assert.equal(prettyTimeDiff(now - 3_000, now), '3s ago');
  assert.equal(prettyTimeDiff(now - (33 * 60 + 46) * 1000, now), '33m46s ago');
  assert.equal(prettyTimeDiff(now - (3600 + 5 * 60 + 7) * 1000, now), '1h5m ago');
  assert.equal(prettyTimeDiff(now - 200, now), '0s ago');
  assert.equal(prettyTimeDiff(now + 2 * 86_400_000 + 3 * 3_600_000, now), '2d3h from now');
  assert.equal(prettyTimeDiff(now - 400 * 86_400_000, now), '1y1mo ago');
  assert.equal(prettyTimeDiff(0, now), '');
});

test('formatDurationNs() prints as Go does', () => {
  assert.equal(formatDurationNs(10e9), '10s');
  assert.equal(formatDurationNs(90e9), '1m30s');
  assert.equal(formatDurationNs(3600e9), '1h0m0s');
  assert.equal(formatDurationNs(15.3e9), '15.3s');
  assert.equal(formatDurationNs(250e6), '250ms');
  assert.equal(formatDurationNs(0), '0s');
});

test("rfc3339ToMs() treats null and Go's zero time as no time", () => {
  assert.equal(rfc3339ToMs(null), 0);
  assert.equal(rfc3339ToMs('0001-01-01T00:00:00Z'), 0);
  assert.equal(rfc3339ToMs('2019-08-31T22:58:49Z'), Date.UTC(2019, 7, 31, 22, 58, 49));
});

test('formatBytes() prints sizes as go-humanize IBytes', () => {
  assert.equal(formatBytes(5), '5 B');
  assert.equal(formatBytes(1024), '1.0 KiB');
  assert.equal(formatBytes(6.3 * 1024 * 1024), '6.3 MiB');
  assert.equal(formatMiB(256), '256 MiB');
  assert.equal(formatMiB(300), '300 MiB');
  assert.equal(formatBytes(12 * 1024 * 1024), '12 MiB');
  assert.equal(formatMiB(2048), '2.0 GiB');
});

test('task events read as Nomad describes them', () => {
  assert.equal(buildDisplayMessage({ Type: 'Started' }), 'Task started by client');
  assert.equal(buildDisplayMessage({ Type: 'Received' }), 'Task received by client');
  assert.equal(
    buildDisplayMessage({ Type: 'Task Setup', Message: 'Building Task Directory' }),
    'Building Task Directory',
  );
  assert.equal(
    buildDisplayMessage({ Type: 'Driver', DriverMessage: 'Downloading image redis:3.2' }),
    'Downloading image redis:3.2',
  );
  assert.equal(
    buildDisplayMessage({ Type: 'Terminated', ExitCode: 1, Signal: 0, Message: 'oom' }),
    'Exit Code: 1, Exit Message: "oom"',
  );
  assert.equal(buildDisplayMessage({ Type: 'Restarting', StartDelay: 15.3e9 }), 'Task restarting in 15.3s');
  assert.equal(
    buildDisplayMessage({ Type: 'Restarting', StartDelay: 1e9, RestartReason: 'Restart unhealthy' }),
    'Restart unhealthy - Task restarting in 1s',
  );
  assert.equal(
    buildDisplayMessage({ Type: 'Killing', KillTimeout: 5e9 }),
    'Sent interrupt. Waiting 5s before force killing',
  );
  assert.equal(buildDisplayMessage({ Type: 'Not Restarting' }), 'Task exceeded restart policy');
  assert.equal(
    buildDisplayMessage({ Type: 'Signaling', TaskSignal: 'SIGHUP' }),
    'Task being sent signal SIGHUP',
  );
  assert.equal(
    buildDisplayMessage({ Type: 'Sibling Task Failed', FailedSibling: 'web' }),
    'Task\'s sibling "web" failed',
  );
  assert.equal(taskEventMessage({ Type: 'Started', DisplayMessage: 'from the client' }), 'from the client');
});
