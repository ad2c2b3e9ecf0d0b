/**
 * Several real agents on loopback: servers with their own ports and data dirs that gossip and run
 * raft together, and clients that talk RPC to them. Every agent keeps its ports and directory for
 * the life of the cluster, so a stopped or killed server can start again on its own state.
 *
 *   const cluster = await TestCluster.start({ servers: 3 });
 *   const leader = await cluster.waitForLeader();          // index of the leading server
 *   await cluster.servers[leader]!.agent!.kill();          // kill -9
 *   await cluster.restartServer(leader);
 *   const client = await cluster.startClient();
 *   await cluster.stop();
 */
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NomadClient } from '../../src/api/nomad_client.ts';
import { startAgent, type TestAgent } from './agent.ts';

/** How long the cluster helpers wait for a condition before failing (a bound, not a test of speed). */
export const CLUSTER_WAIT_MS = 30_000;

export interface NodePorts {
  http: number;
  rpc: number;
  serf: number;
}

export interface TestServer {
  name: string;
  ports: NodePorts;
  dir: string;
  /** The running agent; undefined while stopped. */
  agent: TestAgent | undefined;
  /** An API client on this server's HTTP port (works while it runs). */
  api: NomadClient;
}

export interface TestClusterOptions {
  servers?: number;
  /** bootstrap_expect (default: the number of servers). */
  bootstrapExpect?: number;
  /** Extra HCL for every server. */
  serverConfig?: string;
  /** Runs server i as this user id (needs root; its directory is given to that user). */
  serverUid?: (i: number) => number | undefined;
}

/** A TCP and UDP port free on 127.0.0.1 right now (the agent binds both on its serf port). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = CLUSTER_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class TestCluster {
  readonly servers: TestServer[] = [];
  readonly clients: TestAgent[] = [];
  readonly #root: string;
  readonly #opts: Required<TestClusterOptions>;

  private constructor(root: string, opts: Required<TestClusterOptions>) {
    this.#root = root;
    this.#opts = opts;
  }

  /** Starts the servers together; resolves once every one printed its banner (not yet a leader). */
  static async start(opts: TestClusterOptions = {}): Promise<TestCluster> {
    const n = opts.servers ?? 3;
    const root = await mkdtemp(join(tmpdir(), 'nomad-test-cluster-'));
    const c = new TestCluster(root, {
      servers: n,
      bootstrapExpect: opts.bootstrapExpect ?? n,
      serverConfig: opts.serverConfig ?? '',
      serverUid: opts.serverUid ?? (() => undefined),
    });
    if (opts.serverUid !== undefined) await chmod(root, 0o755);
    for (let i = 0; i < n; i++) await c.addServer();
    try {
      await Promise.all(c.servers.map((_, i) => c.startServer(i)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** Reserves ports and a directory for one more server (not started). */
  async addServer(): Promise<number> {
    const i = this.servers.length;
    const ports = { http: await freePort(), rpc: await freePort(), serf: await freePort() };
    const dir = join(this.#root, `s${i + 1}`);
    const api = new NomadClient({
      address: `http://127.0.0.1:${ports.http}`,
      token: '',
      region: '',
      namespace: '',
    });
    this.servers.push({ name: `s${i + 1}`, ports, dir, agent: undefined, api });
    return i;
  }

  /** The serf addresses of every server but one: what a server retry-joins. */
  #joinAddrs(except: number): string[] {
    return this.servers.filter((_, j) => j !== except).map((s) => `127.0.0.1:${s.ports.serf}`);
  }

  /** Server i's configuration; with join false it joins no one by itself (`nomad server join` will). */
  serverConfig(i: number, extra = '', withJoin = true): string {
    const s = this.servers[i]!;
    const joins = (withJoin ? this.#joinAddrs(i) : []).map((a) => `"${a}"`).join(', ');
    return [
      `name = "${s.name}"`,
      `data_dir = "${join(s.dir, 'data')}"`,
      'bind_addr = "127.0.0.1"',
      'log_level = "DEBUG"',
      'leave_on_interrupt = true',
      'server {',
      '  enabled = true',
      `  bootstrap_expect = ${this.#opts.bootstrapExpect}`,
      `  server_join {\n    retry_join = [${joins}]\n    retry_interval = "1s"\n  }`,
      '}',
      'autopilot {\n  server_stabilization_time = "2s"\n  last_contact_threshold = "500ms"\n}',
      this.#opts.serverConfig,
      extra,
    ].join('\n');
  }

  /** Starts (or restarts) server i on its ports and data dir. */
  async startServer(i: number, extraConfig = '', opts: { join?: boolean } = {}): Promise<TestAgent> {
    const s = this.servers[i]!;
    if (s.agent !== undefined && s.agent.process.exitCode === null && s.agent.process.signalCode === null) {
      throw new Error(`Server ${s.name} is already running`);
    }
    const uid = this.#opts.serverUid(i);
    if (uid !== undefined) {
      await mkdir(s.dir, { recursive: true });
      await chown(s.dir, uid, uid);
    }
    s.agent = await startAgent({
      dev: false,
      dir: s.dir,
      ports: s.ports,
      ...(uid === undefined ? {} : { uid }),
      config: this.serverConfig(i, extraConfig, opts.join !== false),
    });
    return s.agent;
  }

  /** Stops server i (SIGINT: a graceful leave, as configured) and waits for it to exit. */
  async stopServer(i: number, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    const s = this.servers[i]!;
    const code = (await s.agent?.stop(signal)) ?? null;
    s.agent = undefined;
    return code;
  }

  /** kill -9 of server i. */
  async killServer(i: number): Promise<void> {
    const s = this.servers[i]!;
    await s.agent?.kill();
    s.agent = undefined;
  }

  running(): number[] {
    return this.servers.flatMap((s, i) => (s.agent === undefined ? [] : [i]));
  }

  /** The index of the server every running server names as leader, once they agree. */
  async waitForLeader(timeoutMs = CLUSTER_WAIT_MS): Promise<number> {
    return until(
      'every running server to name the same leader',
      async () => {
        const leaders = await Promise.all(this.running().map((i) => this.servers[i]!.api.status.leader()));
        const first = leaders[0];
        if (first === undefined || first === '' || leaders.some((l) => l !== first)) return undefined;
        const i = this.servers.findIndex((s) => first === `127.0.0.1:${s.ports.rpc}`);
        return i >= 0 && this.servers[i]!.agent !== undefined ? i : undefined;
      },
      timeoutMs,
    );
  }

  /** Starts a client-only agent that knows the given servers (default: all) by their RPC addresses. */
  async startClient(opts: { servers?: number[]; config?: string; dir?: string } = {}): Promise<TestAgent> {
    const list = (opts.servers ?? this.servers.map((_, i) => i)).map(
      (i) => `"127.0.0.1:${this.servers[i]!.ports.rpc}"`,
    );
    const dir = opts.dir ?? join(this.#root, `c${this.clients.length + 1}`);
    const agent = await startAgent({
      dev: false,
      dir,
      config: [
        `name = "c${this.clients.length + 1}"`,
        `data_dir = "${join(dir, 'data')}"`,
        'bind_addr = "127.0.0.1"',
        'log_level = "DEBUG"',
        `client {\n  enabled = true\n  servers = [${list.join(', ')}]\n  options = { "driver.raw_exec.enable" = "1" }\n}`,
        'plugin "raw_exec" {\n  config {\n    enabled = true\n  }\n}',
        opts.config ?? '',
      ].join('\n'),
    });
    this.clients.push(agent);
    return agent;
  }

  /** Stops every agent (clients first, with SIGKILL for speed) and removes every directory. */
  async stop(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.kill()));
    await Promise.all(this.servers.map((s) => s.agent?.kill()));
    for (const s of this.servers) s.agent = undefined;
    await rm(this.#root, { recursive: true, force: true });
  }
}
