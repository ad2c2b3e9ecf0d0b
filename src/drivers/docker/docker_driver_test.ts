import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { needs } from '../../../test/helpers/requirements.ts';
import { eventually, runDriverConformance, sleep } from '../conformance_test_suite.ts';
import { DriverError, type TaskHandle } from '../driver.ts';
import { isolatedTaskConfig } from '../exec/testing.ts';
import { DockerApi, isNotFound } from './docker_api.ts';
import { DockerDriver } from './docker_driver.ts';

runDriverConformance({
  name: 'docker',
  newDriver: () => new DockerDriver(),
  taskConfigFor: (script) => ({ image: 'busybox:1', command: '/bin/sh', args: ['-c', script] }),
  wrongType: { key: 'args', value: 'not-a-list' },
  needs: { docker: true },
});

const BUSYBOX = 'busybox:1';
const sh = (script: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  image: BUSYBOX,
  command: '/bin/sh',
  args: ['-c', script],
  ...extra,
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends one inline Redis command and returns the first reply line. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(`${command}\r\n`));
    let got = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      got += d;
      if (got.includes('\r\n')) {
        sock.end();
        resolve(got.split('\r\n')[0]!);
      }
    });
    sock.once('error', reject);
  });
}

describe('docker driver against a real engine', () => {
  let root = '';
  const api = new DockerApi();
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'nomad-docker-'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    api.close();
  });

  test("fingerprint reports the engine's version, runtimes, OS type and bridge IP", async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const fp = await new DockerDriver().fingerprint();
    assert.equal(fp.detected && fp.healthy, true, fp.healthDescription);
    assert.match(fp.attributes['driver.docker.version'] ?? '', /^\d+\.\d+/);
    assert.equal(fp.attributes['driver.docker.os_type'], 'linux');
    assert.match(fp.attributes['driver.docker.runtimes'] ?? '', /runc/);
    assert.match(fp.attributes['driver.docker.bridge_ip'] ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  });

  test('a driver without an engine on its socket is undetected, with the reason', async () => {
    const fp = await new DockerDriver({ socketPath: join(tmpdir(), 'no-such-docker.sock') }).fingerprint();
    assert.equal(fp.detected, false);
    assert.match(fp.healthDescription, /Failed to connect to docker daemon/);
  });

  test("the group's port is published: redis answers on the host port", async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const d = new DockerDriver();
    const port = await freePort();
    const cfg = isolatedTaskConfig(
      root,
      { image: 'redis:7', ports: ['db'] },
      {
        ports: [{ label: 'db', hostPort: port, to: 6379, hostIp: '127.0.0.1' }],
      },
    );
    await d.startTask(cfg);
    try {
      let reply = '';
      await eventually(
        () => readFileSync(cfg.stdoutPath, 'utf8').includes('Ready to accept connections'),
        'redis ready',
      );
      reply = await redisCommand(port, 'PING');
      assert.equal(reply, '+PONG');
    } finally {
      await d.stopTask(cfg.id, { timeoutMs: 5000, signal: 'SIGTERM' });
      await d.destroyTask(cfg.id, { force: true });
    }
  });

  test("the container has Nomad's name and labels, the alloc dirs bound, and the entrypoint, work dir and hostname asked for", async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const d = new DockerDriver();
    const cfg = isolatedTaskConfig(root, {
      image: BUSYBOX,
      entrypoint: ['/bin/sh', '-c'],
      command: 'pwd; hostname; echo shared > /alloc/data/from-task; echo own > /local/from-task',
      work_dir: '/tmp',
      hostname: 'web-1',
      labels: { team: 'cache' },
    });
    const h = await d.startTask(cfg);
    const c = await api.json<{ Name: string; Config: { Labels: Record<string, string> } }>(
      'GET',
      `/containers/${h.state['containerId'] as string}/json`,
    );
    assert.equal(c.Name, `/task-${cfg.allocId}`);
    assert.equal(c.Config.Labels['com.hashicorp.nomad.alloc_id'], cfg.allocId);
    assert.equal(c.Config.Labels['com.hashicorp.nomad.task_name'], 'task');
    assert.equal(c.Config.Labels['team'], 'cache');
    const r = await d.waitTask(cfg.id);
    assert.equal(r.exitCode, 0, readFileSync(cfg.stderrPath, 'utf8'));
    assert.equal(readFileSync(cfg.stdoutPath, 'utf8'), '/tmp\nweb-1\n');
    assert.equal(readFileSync(join(cfg.allocDir, 'alloc/data/from-task'), 'utf8'), 'shared\n');
    assert.equal(readFileSync(join(cfg.taskDir, 'local/from-task'), 'utf8'), 'own\n');
    await d.destroyTask(cfg.id, { force: false });
    await assert.rejects(
      api.json('GET', `/containers/${h.state['containerId'] as string}/json`),
      /No such container/,
    );
  });

  test('a container exceeding its memory limit exits OOM killed', async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const d = new DockerDriver();
    const cfg = isolatedTaskConfig(root, sh('tail /dev/zero'), {
      resources: { cpuMhz: 100, cores: 0, memoryMb: 16, memoryMaxMb: 0 },
    });
    await d.startTask(cfg);
    const r = await d.waitTask(cfg.id);
    assert.equal(r.oomKilled, true, JSON.stringify(r));
    assert.equal(r.exitCode, 137);
    await d.destroyTask(cfg.id, { force: true });
  });

  test('an image that cannot be pulled fails the start with the reason, after a "Downloading image" event', async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const events: string[] = [];
    const d = new DockerDriver({ onTaskEvent: (id, m) => events.push(`${id}: ${m}`) });
    const cfg = isolatedTaskConfig(root, { image: 'nomad-test.invalid/none:1', image_pull_timeout: '20s' });
    await assert.rejects(d.startTask(cfg), (err: Error) => {
      assert.ok(err instanceof DriverError);
      assert.match(err.message, /^Failed to pull `nomad-test\.invalid\/none:1`: /);
      return true;
    });
    assert.deepEqual(events, [`${cfg.id}: Downloading image`]);
  });

  test("load brings the image in from a tarball in the task's local dir", async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const image = `nomad-test/loaded:${process.pid}`;
    const cfg = isolatedTaskConfig(root, {
      image,
      load: 'image.tar',
      command: '/bin/echo',
      args: ['loaded'],
    });
    await api.json('POST', `/images/${BUSYBOX}/tag`, {
      query: { repo: 'nomad-test/loaded', tag: String(process.pid) },
    });
    const tar = await api.stream('GET', `/images/${encodeURIComponent(image)}/get`);
    await pipeline(tar, createWriteStream(join(cfg.taskDir, 'local/image.tar')));
    await api.json('DELETE', `/images/${encodeURIComponent(image)}`);
    const d = new DockerDriver();
    try {
      await d.startTask(cfg);
      assert.equal((await d.waitTask(cfg.id)).exitCode, 0);
      assert.equal(readFileSync(cfg.stdoutPath, 'utf8'), 'loaded\n');
      await d.destroyTask(cfg.id, { force: true });
    } finally {
      await api.json('DELETE', `/images/${encodeURIComponent(image)}`).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  });

  test('after an agent restart the logs resume where they stopped: every line once, in order', async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const d1 = new DockerDriver();
    const cfg = isolatedTaskConfig(
      root,
      sh('i=0; while [ $i -lt 40 ]; do echo line-$i; i=$((i+1)); sleep 0.05; done'),
    );
    const h = await d1.startTask(cfg);
    await eventually(() => readFileSync(cfg.stdoutPath, 'utf8').includes('line-5\n'), 'first lines');
    d1.shutdown();
    await sleep(300); // lines written while no agent follows the container
    const d2 = new DockerDriver();
    await d2.recoverTask(JSON.parse(JSON.stringify(h)) as TaskHandle);
    assert.equal((await d2.waitTask(cfg.id)).exitCode, 0);
    const expected = Array.from({ length: 40 }, (_, i) => `line-${i}`).join('\n') + '\n';
    assert.equal(readFileSync(cfg.stdoutPath, 'utf8'), expected);
    await d2.destroyTask(cfg.id, { force: false });
  });

  test("logs reach a FIFO made by the client's log hook", async (t) => {
    if (!(await needs(t, { docker: true }))) return;
    const d = new DockerDriver();
    const cfg = isolatedTaskConfig(root, sh('echo through-the-fifo'));
    const fifo = join(cfg.allocDir, 'alloc/logs/.task.stdout.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = createReadStream(fifo, { encoding: 'utf8' });
    let got = '';
    reader.on('data', (c) => (got += String(c)));
    await d.startTask({ ...cfg, stdoutPath: fifo });
    assert.equal((await d.waitTask(cfg.id)).exitCode, 0);
    await eventually(() => got.includes('through-the-fifo\n'), 'line in the FIFO');
    reader.destroy();
    await d.destroyTask(cfg.id, { force: true });
  });
});
