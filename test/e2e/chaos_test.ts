/**
 * Faults on real processes: 3 servers and 2 clients as separate agents on loopback, a service job
 * whose tasks' PIDs are noted, and a continuous stream of job registrations (distinct IDs, through
 * every server in turn). Under that stream: kill -9 of the leader and its restart; the leader cut
 * off from everyone with iptables (each server runs as its own user, so its outgoing packets match
 * `-m owner --uid-owner`, and packets to its ports are dropped on input); every server restarted
 * at once. After each step a leader of a later term leads; at the end every registration answered
 * with success is on the leader, and the tasks' original processes still run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '../../src/structs/job.ts';
import { TestCluster, until } from '../helpers/cluster.ts';
import { needs } from '../helpers/requirements.ts';

/** Bounds on each wait (failure bounds, not assertions of speed). */
const LEADER_WAIT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 2_000;
const WRITE_INTERVAL_MS = 50;
/** The user ids the three servers run as (one each, so iptables can tell their packets apart). */
const SERVER_UID_BASE = 47_100;
const CHAIN_IN = `NOMAD-CHAOS-IN-${process.pid}`;
const CHAIN_OUT = `NOMAD-CHAOS-OUT-${process.pid}`;

function job(id: string, count: number, args: string[]): Job {
  return {
    ID: id,
    Name: id,
    Type: 'service',
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'g',
        Count: count,
        Tasks: [
          {
            Name: 't',
            Driver: 'raw_exec',
            Config: { command: '/bin/sh', args },
            Resources: { CPU: 20, MemoryMB: 16 },
          },
        ],
      },
    ],
  } as unknown as Job;
}

async function http(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

function iptables(args: string[], tolerate = false): void {
  try {
    execFileSync('iptables', ['-w', ...args], { stdio: 'pipe' });
  } catch (err) {
    if (!tolerate) throw err;
  }
}

function removeChains(): void {
  iptables(['-D', 'INPUT', '-j', CHAIN_IN], true);
  iptables(['-D', 'OUTPUT', '-j', CHAIN_OUT], true);
  for (const c of [CHAIN_IN, CHAIN_OUT]) {
    iptables(['-F', c], true);
    iptables(['-X', c], true);
  }
}

/** Drops everything server i sends on loopback and everything sent to its ports. */
function cutOff(uid: number, ports: { http: number; rpc: number; serf: number }): void {
  iptables(['-N', CHAIN_IN]);
  iptables(['-N', CHAIN_OUT]);
  iptables(['-I', 'INPUT', '-j', CHAIN_IN]);
  iptables(['-I', 'OUTPUT', '-j', CHAIN_OUT]);
  iptables(['-A', CHAIN_OUT, '-o', 'lo', '-m', 'owner', '--uid-owner', String(uid), '-j', 'DROP']);
  const list = `${ports.http},${ports.rpc},${ports.serf}`;
  iptables(['-A', CHAIN_IN, '-i', 'lo', '-p', 'tcp', '-m', 'multiport', '--dports', list, '-j', 'DROP']);
  iptables(['-A', CHAIN_IN, '-i', 'lo', '-p', 'udp', '--dport', String(ports.serf), '-j', 'DROP']);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('under a stream of writes, kill -9 of the leader, a cut-off leader and a restart of every server lose no acknowledged write and stop no task', async (t) => {
  if (!(await needs(t, { root: true }))) return;
  removeChains();
  const pidDir = await mkdtemp(join(tmpdir(), 'nomad-chaos-pids-'));
  await chmod(pidDir, 0o777);
  const cluster = await TestCluster.start({ servers: 3, serverUid: (i) => SERVER_UID_BASE + i });
  const base = (i: number): string => `http://127.0.0.1:${cluster.servers[i]!.ports.http}`;
  const acked: string[] = [];
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  const taskPids: number[] = [];
  const report: string[] = [];
  const failures: string[] = [];

  /** The leader every server in `among` names, once they agree, with its term. */
  const leaderOf = async (among: number[], what: string): Promise<{ i: number; term: number }> =>
    until(
      what,
      async () => {
        const named = await Promise.all(
          among.map(async (i) => ((await (await http(base(i), '/v1/status/leader')).json()) as string) ?? ''),
        );
        if (named[0] === '' || named.some((n) => n !== named[0])) return undefined;
        const i = cluster.servers.findIndex((s) => named[0] === `127.0.0.1:${s.ports.rpc}`);
        if (!among.includes(i)) return undefined;
        const health = (await (await http(base(i), '/v1/operator/autopilot/health')).json()) as {
          Servers: { Leader: boolean; LastTerm: number }[];
        };
        const term = health.Servers.find((s) => s.Leader)?.LastTerm ?? 0;
        return term > 0 ? { i, term } : undefined;
      },
      LEADER_WAIT_MS,
    );
  const all = [0, 1, 2];
  /** Waits until the stream has a registration acknowledged after this call. */
  const writesResume = async (what: string): Promise<void> => {
    const before = acked.length;
    await until(`a write acknowledged ${what}`, () => acked.length > before, LEADER_WAIT_MS);
  };

  try {
    let leader = await leaderOf(all, 'a first leader');
    await cluster.startClient();
    await cluster.startClient();
    await until('two ready client nodes', async () => {
      const nodes = (await (await http(base(leader.i), '/v1/nodes')).json()) as { Status: string }[];
      return nodes.filter((n) => n.Status === 'ready').length === 2;
    });
    const service = job('sleepers', 2, ['-c', `touch ${pidDir}/$$; exec sleep 3600`]);
    const reg = await http(base(leader.i), '/v1/jobs', {
      method: 'PUT',
      body: JSON.stringify({ Job: service }),
    });
    assert.equal(reg.status, 200, await reg.text());
    await until('both tasks to write their PIDs', async () => {
      const files = await readdir(pidDir);
      return files.length === 2 ? files : undefined;
    });
    taskPids.push(...(await readdir(pidDir)).map(Number));
    assert.ok(taskPids.every(alive));

    let n = 0;
    writer = (async () => {
      while (writing) {
        const id = `chaos-${++n}`;
        const target = cluster.running()[n % Math.max(1, cluster.running().length)] ?? 0;
        try {
          const res = await http(base(target), '/v1/jobs', {
            method: 'PUT',
            body: JSON.stringify({ Job: job(id, 0, ['-c', 'true']) }),
          });
          await res.text();
          if (res.status === 200) acked.push(id);
          else failures.push(`HTTP ${res.status}`);
        } catch (err) {
          failures.push((err as Error).name);
          // Timed out or refused: not acknowledged, so no promise to check.
        }
        await new Promise((r) => setTimeout(r, WRITE_INTERVAL_MS));
      }
    })();
    await until('writes acknowledged before the first fault', () => acked.length >= 5);

    await t.test(
      'kill -9 of the leader: a new leader in a later term; the killed server rejoins',
      async () => {
        const old = leader;
        const t0 = Date.now();
        await cluster.killServer(old.i);
        leader = await leaderOf(
          all.filter((i) => i !== old.i),
          'a new leader after kill -9',
        );
        report.push(`kill -9: new leader s${leader.i + 1} term ${leader.term} after ${Date.now() - t0} ms`);
        assert.notEqual(leader.i, old.i);
        assert.ok(leader.term > old.term);
        await cluster.startServer(old.i);
        leader = await leaderOf(all, 'all three servers to agree after the restart');
        await writesResume('after the killed server restarted');
      },
    );

    await t.test(
      'the leader cut off by iptables: the others elect a leader in a later term; healed, all agree',
      async () => {
        const old = leader;
        const others = all.filter((i) => i !== old.i);
        const t0 = Date.now();
        try {
          cutOff(SERVER_UID_BASE + old.i, cluster.servers[old.i]!.ports);
          leader = await leaderOf(others, 'a new leader among the two still connected');
          report.push(`cut off: new leader s${leader.i + 1} term ${leader.term} after ${Date.now() - t0} ms`);
          assert.ok(others.includes(leader.i));
          assert.ok(leader.term > old.term);
        } finally {
          removeChains();
        }
        leader = await leaderOf(all, 'all three servers to agree after the heal');
        assert.ok(leader.term > old.term);
        await writesResume('after the heal');
      },
    );

    await t.test('every server restarted at once: a leader in a later term', async () => {
      const old = leader;
      const t0 = Date.now();
      await Promise.all(all.map((i) => cluster.stopServer(i, 'SIGTERM')));
      await Promise.all(all.map((i) => cluster.startServer(i)));
      leader = await leaderOf(all, 'a leader after restarting every server');
      report.push(`restart all: leader s${leader.i + 1} term ${leader.term} after ${Date.now() - t0} ms`);
      assert.ok(leader.term > old.term);
      await writesResume('after every server restarted');
    });

    writing = false;
    await writer;
    await t.test('every acknowledged registration is on the leader and no task stopped', async () => {
      const missing: string[] = [];
      for (const id of acked) {
        const res = await http(base(leader.i), `/v1/job/${id}`);
        await res.text();
        if (res.status !== 200) missing.push(`${id} (${res.status})`);
      }
      const why = [...new Set(failures)].map((f) => `${f} x${failures.filter((g) => g === f).length}`);
      report.push(
        `writes: ${n} sent, ${acked.length} acknowledged (${why.join(', ')} not), ${missing.length} missing`,
      );
      assert.deepEqual(missing, []);
      assert.deepEqual(
        taskPids.filter((p) => !alive(p)),
        [],
        'a task process died',
      );
      assert.equal((await readdir(pidDir)).length, 2, 'a task was started again');
    });
    t.diagnostic(report.join('; '));
  } finally {
    writing = false;
    await writer;
    removeChains();
    await cluster.stop();
    for (const pid of taskPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (existsSync(pidDir)) await rm(pidDir, { recursive: true, force: true });
  }
});
