// npm run bench -- client: on a dev agent (the built bin/nomad) with raw_exec, the time from job
// registration (the HTTP request leaving) to the task's process running (median and p99 over 50
// jobs, one at a time), the idle agent's RSS, and the memory each running task adds to the agent.
// The task marks its own start: its first act is to write the time into a file, then it sleeps.
// Prints its figures last, as one JSON line.
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent } from '../test/helpers/agent.ts';
import { canonicalizeJob } from '../src/structs/canonicalize.ts';

const JOBS = 50;
const marks = mkdtempSync(join(tmpdir(), 'nomad-bench-client-'));

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function benchJob(i: number): ReturnType<typeof canonicalizeJob> {
  return canonicalizeJob({
    ID: `bench-${i}`,
    Type: 'service',
    Datacenters: ['*'],
    TaskGroups: [
      {
        Name: 'g',
        Count: 1,
        Tasks: [
          {
            Name: 't',
            Driver: 'raw_exec',
            Config: { command: '/bin/sh', args: ['-c', `date +%s%N > ${marks}/start-${i}; exec sleep 3600`] },
            Resources: { CPU: 20, MemoryMB: 16 },
            KillSignal: 'SIGKILL',
          },
        ],
      },
    ],
  });
}

async function waitForMark(i: number): Promise<number> {
  const file = join(marks, `start-${i}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8').trim();
      if (text !== '') return Number(BigInt(text) / 1000n) / 1000; // ms with µs precision
    }
    if (Date.now() > deadline) throw new Error(`task of job ${i} did not start within 30 s`);
    await settle(1);
  }
}

const agent = await startAgent({ useBin: true });
try {
  const pid = agent.process.pid!;
  await settle(2000);
  const idleRss = rssBytes(pid);
  const latencies: number[] = [];
  for (let i = 0; i < JOBS; i++) {
    const sent = performance.timeOrigin + performance.now();
    await agent.client.jobs.register(benchJob(i));
    latencies.push((await waitForMark(i)) - sent);
  }
  await settle(2000);
  const busyRss = rssBytes(pid);
  latencies.sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)]!;
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!;
  const running = readdirSync(marks).length;
  console.log(
    `registration -> task running over ${JOBS} jobs: median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ` +
      `agent RSS idle ${(idleRss / 2 ** 20).toFixed(1)} MiB, with ${running} tasks ${(busyRss / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log(
    JSON.stringify({
      bench: 'client',
      jobs: JOBS,
      start_ms_median: Number(median.toFixed(1)),
      start_ms_p99: Number(p99.toFixed(1)),
      idle_rss_bytes: idleRss,
      rss_bytes_per_task: Math.round((busyRss - idleRss) / running),
    }),
  );
} finally {
  await agent.stop();
  rmSync(marks, { recursive: true, force: true });
}
