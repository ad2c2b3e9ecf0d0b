// bench api: the CLI's round trip against a dev agent, and how fast a blocking query wakes.
//
// Builds the bundle (npm run build), starts `bin/nomad agent -dev` on a free port, registers a
// job "example", then measures:
// - status_ms_median / job_status_ms_median: wall time of `bin/nomad status` and
//   `bin/nomad job status example` as processes, Node's start-up included;
// - blocking_wake_ms_median: from sending a write (a job register) to the answer of a blocking
//   query already waiting on the jobs list (so it includes the write's commit).
// Prints the figures, the last line as one JSON object.
import { spawnSync } from 'node:child_process';
import { request, Agent as HttpAgent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startAgent } from '../test/helpers/agent.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI_RUNS = Number(process.env['BENCH_CLI_RUNS'] ?? 15);
const WAKE_RUNS = Number(process.env['BENCH_WAKE_RUNS'] ?? 50);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round = (x: number): number => Math.round(x * 100) / 100;

function build(): void {
  const r = spawnSync(process.execPath, ['scripts/build.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

function timeCli(address: string, args: string[]): number[] {
  const out: number[] = [];
  const env = { ...process.env, NOMAD_ADDR: address };
  for (let i = 0; i < CLI_RUNS + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(`${ROOT}bin/nomad`, args, { env, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`nomad ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) out.push(ms); // the first run warms the page cache
  }
  return out;
}

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 4 });

function call(
  address: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${address}${path}`, { method, agent: keepAlive }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function job(id: string): unknown {
  return {
    Job: {
      ID: id,
      Name: id,
      Type: 'service',
      Datacenters: ['dc1'],
      TaskGroups: [
        {
          Name: 'cache',
          Count: 1,
          Tasks: [
            {
              Name: 'sleep',
              Driver: 'raw_exec',
              Config: { command: '/bin/sleep', args: ['3600'] },
              Resources: { CPU: 10, MemoryMB: 16 },
            },
          ],
        },
      ],
    },
  };
}

async function waitForBlockedQuery(address: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const m = JSON.parse((await call(address, 'GET', '/v1/metrics')).text) as {
      Gauges: { Name: string; Value: number }[];
    };
    if ((m.Gauges.find((g) => g.Name === 'nomad.nomad.blocked_queries')?.Value ?? 0) >= 1) return;
  }
  throw new Error('the blocking query never started waiting');
}

async function timeWake(address: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < WAKE_RUNS; i++) {
    const list = await call(address, 'GET', '/v1/jobs');
    const index = Number(list.headers['x-nomad-index']);
    let wokeAt = 0;
    const blocked = call(address, 'GET', `/v1/jobs?index=${index}&wait=60s`).then((r) => {
      wokeAt = performance.now();
      return r;
    });
    await waitForBlockedQuery(address);
    const t0 = performance.now();
    const write = call(address, 'PUT', '/v1/jobs', job(`wake-${i}`));
    const r = await blocked;
    if (Number(r.headers['x-nomad-index']) <= index)
      throw new Error('the blocking query answered without a change');
    out.push(wokeAt - t0);
    await write;
  }
  return out;
}

build();
const agent = await startAgent({ useBin: true, args: ['-log-level', 'WARN'] });
try {
  const reg = await call(agent.address, 'PUT', '/v1/jobs', job('example'));
  if (reg.status !== 200) throw new Error(`register failed: ${reg.text}`);
  const status = timeCli(agent.address, ['status']);
  const jobStatus = timeCli(agent.address, ['job', 'status', 'example']);
  const wake = await timeWake(agent.address);
  const figures = {
    bench: 'api',
    status_ms_median: round(median(status)),
    job_status_ms_median: round(median(jobStatus)),
    blocking_wake_ms_median: round(median(wake)),
  };
  console.log(`nomad status:              median ${figures.status_ms_median} ms over ${status.length} runs`);
  console.log(
    `nomad job status example:  median ${figures.job_status_ms_median} ms over ${jobStatus.length} runs`,
  );
  console.log(
    `blocking query wake:       median ${figures.blocking_wake_ms_median} ms over ${wake.length} writes`,
  );
  console.log(JSON.stringify(figures));
} finally {
  keepAlive.destroy();
  await agent.stop();
}
