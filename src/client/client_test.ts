import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Allocation } from '../structs/allocation.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, nodeIdentityFor } from './client.ts';
import { defaultDrivers, type ClientConfig } from './config.ts';
import { ClientStateDb } from './state_db.ts';
import { TestServer } from './testing/test_server.ts';
import { quietLogger, testAlloc, testJob } from './testing/fixtures.ts';
import { eventually, pidAlive } from '../drivers/conformance_test_suite.ts';

const root = mkdtempSync(join(tmpdir(), 'nomad-client-'));
after(() => rmSync(root, { recursive: true, force: true }));

const sleeper = (job = 'sleeper') =>
  testJob({
    ID: job,
    Name: job,
    Type: 'service',
    TaskGroups: [
      {
        Name: 'g',
        Tasks: [
          {
            Name: 't',
            Driver: 'raw_exec',
            Config: { command: '/bin/sh', args: ['-c', 'echo $$ > "$NOMAD_TASK_DIR/pid"; exec sleep 1000'] },
            KillTimeout: 2e9,
          },
        ],
      },
    ],
  });

function newClient(dataDir: string, server: TestServer, extra: Partial<ClientConfig> = {}): Client {
  return new Client({
    dataDir,
    servers: server,
    drivers: defaultDrivers({ devMode: true }),
    logger: quietLogger,
    nodeName: 'test',
    meta: { rack: 'r1' },
    nodeClass: 'c1',
    allocUpdateFlushMs: 20,
    ...extra,
  });
}

test('the client registers a fingerprinted node and heartbeats', async () => {
  const server = new TestServer();
  server.heartbeatTtlMs = 100;
  const c = newClient(join(root, 'fp'), server);
  await c.start();
  await eventually(() => server.heartbeats >= 3);
  const n = server.nodes.get(c.node.ID)!;
  assert.equal(n.Status, 'ready');
  assert.equal(n.NodeClass, 'c1');
  assert.equal(n.Meta['rack'], 'r1');
  assert.equal(n.Attributes['driver.raw_exec'], '1');
  for (const k of [
    'kernel.name',
    'os.name',
    'cpu.arch',
    'cpu.numcores',
    'cpu.totalcompute',
    'memory.totalbytes',
    'unique.hostname',
    'unique.network.ip-address',
    'unique.storage.bytesfree',
    'nomad.version',
  ]) {
    assert.ok((n.Attributes[k] ?? '') !== '', `attribute ${k} missing`);
  }
  assert.equal(n.NodeResources.MinDynamicPort, 20000);
  assert.ok(n.NodeResources.Cpu.CpuShares > 0 && n.NodeResources.Memory.MemoryMB > 0);
  assert.equal(n.Drivers['raw_exec']!.Detected, true);
  await c.shutdown();
});

test('the client runs an allocation it is given and stops it when told', async () => {
  const server = new TestServer();
  const c = newClient(join(root, 'run'), server);
  await c.start();
  await eventually(() => c.registered);
  const alloc = { ...testAlloc(sleeper()), NodeID: c.node.ID };
  server.putAlloc(alloc);
  await eventually(() => server.lastUpdate(alloc.ID)?.ClientStatus === 'running');
  assert.equal(server.lastUpdate(alloc.ID)!.ClientDescription, 'Tasks are running');
  server.putAlloc({ ...server.allocs.get(alloc.ID)!, DesiredStatus: 'stop' });
  await eventually(() => server.lastUpdate(alloc.ID)?.ClientStatus === 'complete');
  const events = server.lastUpdate(alloc.ID)!.TaskStates['t']!.Events.map((e) => e.Type);
  assert.deepEqual(events.slice(-3), ['Killing', 'Terminated', 'Killed']);
  await c.shutdown({ destroyAllocs: true });
});

test('tasks keep running while no server answers; the client re-registers and syncs after', async () => {
  const server = new TestServer();
  server.heartbeatTtlMs = 60;
  const c = newClient(join(root, 'outage'), server);
  await c.start();
  await eventually(() => c.registered);
  const alloc = { ...testAlloc(sleeper()), NodeID: c.node.ID };
  server.putAlloc(alloc);
  await eventually(() => server.lastUpdate(alloc.ID)?.ClientStatus === 'running');
  const pid = Number(readFileSync(join(c.allocDir, alloc.ID, 't/local/pid'), 'utf8'));
  server.available = false;
  await eventually(() => !c.registered);
  assert.ok(pidAlive(pid));
  const before = server.registrations;
  const sent = server.updates.length;
  server.available = true;
  await eventually(() => server.registrations > before && server.updates.length > sent);
  assert.equal(server.lastUpdate(alloc.ID)!.ClientStatus, 'running');
  assert.ok(pidAlive(pid));
  await c.shutdown({ destroyAllocs: true });
});

test('after SIGKILL of the client, a restarted client reattaches to the same process with no new events', async () => {
  const dataDir = join(root, 'kill9');
  const alloc = testAlloc(sleeper('kill9'));
  const allocFile = join(root, 'kill9-alloc.json');
  writeFileSync(allocFile, JSON.stringify(alloc));
  const child = spawn(
    process.execPath,
    [new URL('./testing/client_process.ts', import.meta.url).pathname, dataDir, allocFile],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await eventually(() => out.includes('RUNNING'));
  const pid = Number(readFileSync(join(dataDir, 'alloc', alloc.ID, 't/local/pid'), 'utf8'));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(pidAlive(pid), 'the task outlives its client');

  const server = new TestServer();
  const c = newClient(dataDir, server);
  await c.start();
  const ar = c.allocRunner(alloc.ID)!;
  assert.ok(ar !== undefined, 'the allocation is restored from local state');
  const eventsBefore = ar.taskStates['t']!.Events.map((e) => e.Type);
  await eventually(() => ar.taskStates['t']!.State === 'running');
  server.putAlloc({ ...alloc, NodeID: c.node.ID });
  await eventually(() => server.lastUpdate(alloc.ID)?.ClientStatus === 'running');
  const s = ar.taskStates['t']!;
  assert.deepEqual(
    s.Events.map((e) => e.Type),
    eventsBefore,
  );
  assert.deepEqual(eventsBefore, ['Received', 'Task Setup', 'Started']);
  assert.equal(s.Restarts, 0);
  assert.equal(Number(readFileSync(join(dataDir, 'alloc', alloc.ID, 't/local/pid'), 'utf8')), pid);
  assert.ok(pidAlive(pid));
  await c.shutdown({ destroyAllocs: true });
  await eventually(() => !pidAlive(pid));
});

/** Starts a client agent in its own process with one allocation; resolves once its tasks run. */
async function clientProcess(dataDir: string, alloc: Allocation): Promise<ChildProcess> {
  const allocFile = join(dataDir + '-alloc.json');
  writeFileSync(allocFile, JSON.stringify(alloc));
  const child = spawn(
    process.execPath,
    [new URL('./testing/client_process.ts', import.meta.url).pathname, dataDir, allocFile],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await eventually(() => out.includes('RUNNING'));
  return child;
}

test('a raw_exec task that exits while its client is down reports its real exit code to the restarted client', async (t) => {
  const dataDir = join(root, 'exit-away');
  const job = testJob({
    ID: 'exit-away',
    Name: 'exit-away',
    TaskGroups: [
      {
        Name: 'g',
        RestartPolicy: { Attempts: 0, Mode: 'fail' },
        Tasks: [
          {
            Name: 't',
            Driver: 'raw_exec',
            Config: {
              command: '/bin/sh',
              args: [
                '-c',
                'echo $$ > "$NOMAD_TASK_DIR/pid"; until [ -e "$NOMAD_TASK_DIR/exit" ]; do sleep 0.05; done; exit 3',
              ],
            },
          },
        ],
      },
    ],
  });
  const alloc = testAlloc(job);
  const child = await clientProcess(dataDir, alloc);
  const local = join(dataDir, 'alloc', alloc.ID, 't/local');
  const pid = Number(readFileSync(join(local, 'pid'), 'utf8'));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  writeFileSync(join(local, 'exit'), '');
  await eventually(() => !pidAlive(pid), 'the task to exit while no client runs');

  const server = new TestServer();
  const c = newClient(dataDir, server);
  await c.start();
  t.after(() => c.shutdown({ destroyAllocs: true }));
  // The servers still hold the allocation (one they do not list would be garbage-collected).
  server.putAlloc({ ...alloc, NodeID: c.node.ID });
  const ar = c.allocRunner(alloc.ID)!;
  await ar.run();
  const events = ar.taskStates['t']!.Events;
  assert.deepEqual(
    events.map((e) => e.Type),
    ['Received', 'Task Setup', 'Started', 'Terminated', 'Not Restarting'],
  );
  const term = events[3]!;
  assert.deepEqual([term.ExitCode, term.Signal, term.Message], [3, 0, '']);
  assert.equal(term.DisplayMessage, 'Exit Code: 3');
  assert.equal(ar.clientUpdate().ClientStatus, 'failed');
});

test('allocation and host stats report a running task and the host', async () => {
  const { allocStats, HostStatsCollector } = await import('./stats.ts');
  const server = new TestServer();
  const c = newClient(join(root, 'stats'), server);
  await c.start();
  await eventually(() => c.registered);
  const alloc = { ...testAlloc(sleeper('stats')), NodeID: c.node.ID };
  server.putAlloc(alloc);
  await eventually(() => server.lastUpdate(alloc.ID)?.ClientStatus === 'running');
  const s = await allocStats(c.allocRunner(alloc.ID)!, Date.now());
  assert.ok(s.Tasks['t']!.ResourceUsage.MemoryStats.RSS > 0);
  assert.equal(s.ResourceUsage.MemoryStats.RSS, s.Tasks['t']!.ResourceUsage.MemoryStats.RSS);
  const h = new HostStatsCollector().collect(c.allocDir, Date.now());
  assert.ok(h.Memory.Total > 0 && h.CPU.length > 0 && h.Uptime > 0 && h.DiskStats[0]!.Size > 0);
  await c.shutdown({ destroyAllocs: true });
});

const quick = (name: string) =>
  testJob({
    ID: name,
    Name: name,
    TaskGroups: [{ Name: 'g', Tasks: [{ Name: 't', Driver: 'raw_exec', Config: { command: '/bin/true' } }] }],
  });

test('past gc_max_allocs the client collects its oldest terminal allocations, directory and local state, and never reruns them', async (t) => {
  const dataDir = join(root, 'gc');
  const server = new TestServer();
  const c = newClient(dataDir, server, { gcMaxAllocs: 2 });
  await c.start();
  t.after(() => c.shutdown({ destroyAllocs: true }));
  await eventually(() => c.registered);
  const place = async (a: Allocation): Promise<Allocation> => {
    const alloc = { ...a, NodeID: c.node.ID };
    server.putAlloc(alloc);
    await eventually(() => ['complete', 'running'].includes(server.lastUpdate(alloc.ID)?.ClientStatus ?? ''));
    return alloc;
  };
  const dir = (a: Allocation): string => join(c.allocDir, a.ID);
  // A running allocation is never collected, however old.
  const svc = await place(testAlloc(sleeper('gc-service')));
  const [b1, b2, b3] = [
    await place(testAlloc(quick('b1'))),
    await place(testAlloc(quick('b2'))),
    await place(testAlloc(quick('b3'))),
  ];
  await eventually(() => !existsSync(dir(b2!)), 'b1 and b2 to be collected');
  assert.deepEqual(
    [svc, b1!, b2!, b3!].map((a) => [existsSync(dir(a)), c.allocRunner(a.ID) !== undefined]),
    [
      [true, true],
      [false, false],
      [false, false],
      [true, true],
    ],
  );
  // The servers still hold b1 (their GC is their own): a change to it does not start it again.
  const b1Updates = server.updates.filter((u) => u.ID === b1!.ID).length;
  server.putAlloc({ ...server.allocs.get(b1!.ID)!, DesiredStatus: 'run' });
  const b4 = await place(testAlloc(quick('b4')));
  await eventually(() => !existsSync(dir(b3!)), 'b3 to be collected');
  assert.equal(c.allocRunner(b1!.ID), undefined);
  assert.equal(existsSync(dir(b1!)), false);
  // Updates for b1 sent before the change may still land (the client batches them); none may show
  // it starting again.
  const later = server.updates.filter((u) => u.ID === b1!.ID).slice(b1Updates);
  assert.deepEqual(
    later.filter((u) => u.ClientStatus === 'pending' || u.ClientStatus === 'running'),
    [],
  );
  await c.shutdown();

  const db = ClientStateDb.open(join(dataDir, 'client', 'state.mdb'));
  try {
    assert.deepEqual(
      db
        .allocs()
        .map((a) => a.ID)
        .sort(),
      [svc.ID, b4.ID].sort(),
    );
    for (const a of [b1!, b2!, b3!]) assert.equal(db.taskState(a.ID, 't'), undefined);
  } finally {
    await db.close();
  }

  // A restarted client, told of every allocation again, runs none of the finished ones.
  // (With the default limit, so an allocation started again by mistake would stay to be seen.)
  const c2 = newClient(dataDir, server);
  await c2.start();
  t.after(() => c2.shutdown({ destroyAllocs: true }));
  const b5 = { ...testAlloc(quick('b5')), NodeID: c2.node.ID };
  server.putAlloc(b5);
  await eventually(() => server.lastUpdate(b5.ID)?.ClientStatus === 'complete');
  for (const a of [b1!, b2!, b3!]) {
    assert.equal(c2.allocRunner(a.ID), undefined);
    assert.equal(existsSync(dir(a)), false);
  }
  assert.equal(c2.allocRunner(svc.ID)?.taskStates['t']?.State, 'running');
});

test('a restarted client keeps its node ID and secret ID, so the servers accept its registration', () => {
  const dir = join(root, 'identity');
  const first = nodeIdentityFor(dir, false);
  const again = nodeIdentityFor(dir, false);
  assert.deepEqual(again, first);
  assert.notEqual(first.id, first.secretId);
  assert.equal(readFileSync(join(dir, 'client', 'secret-id'), 'utf8'), first.secretId);
});
