// Client benchmark: time from an allocation handed to the client to its task's process running
// (median and p99 over 50 allocations), idle client RSS, and the RSS each running raw_exec task
// adds to the agent. Prints its figures last, as one JSON line.
//
// TODO(#4): measure from `job run` on a dev agent (HTTP -> server -> scheduler -> client) once the
// agent wiring lands; for now the client runs against an in-process stand-in for the servers, so
// this measures the client's part of the path: watch -> alloc runner -> hooks -> raw_exec start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '../src/client/client.ts';
import { defaultDrivers } from '../src/client/config.ts';
import { TestServer } from '../src/client/testing/test_server.ts';
import { quietLogger, testAlloc, testJob } from '../src/client/testing/fixtures.ts';

const RUNS = 50;
const dataDir = mkdtempSync(join(tmpdir(), 'nomad-bench-client-'));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function rssAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

const job = testJob({
  ID: 'bench',
  Name: 'bench',
  Type: 'service',
  TaskGroups: [
    {
      Name: 'g',
      Tasks: [
        {
          Name: 't',
          Driver: 'raw_exec',
          Config: { command: 'sleep', args: ['1000'] },
          KillTimeout: 1e9,
          KillSignal: 'SIGKILL',
        },
      ],
    },
  ],
});

async function main(): Promise<void> {
  const server = new TestServer();
  server.heartbeatTtlMs = 30_000;
  const client = new Client({
    dataDir,
    servers: server,
    drivers: defaultDrivers({ devMode: true }),
    devMode: true,
    logger: quietLogger,
  });
  await client.start();
  while (!client.registered) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 200));
  const idleRss = rssAfterGc();

  const startMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const alloc = { ...testAlloc(job), NodeID: client.node.ID, Name: `bench.g[${i}]` };
    const t0 = performance.now();
    server.putAlloc(alloc);
    for (;;) {
      const ar = client.allocRunner(alloc.ID);
      if (ar !== undefined && ar.taskStates['t']?.State === 'running') break;
      await new Promise((r) => setImmediate(r));
    }
    startMs.push(performance.now() - t0);
  }
  await new Promise((r) => setTimeout(r, 500));
  const busyRss = rssAfterGc();
  const perTask = Math.max(0, (busyRss - idleRss) / RUNS);

  await client.shutdown({ destroyAllocs: true });
  rmSync(dataDir, { recursive: true, force: true });

  const sorted = [...startMs].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  const round = (x: number): number => Math.round(x * 100) / 100;
  console.log(`start latency over ${RUNS} allocations: median ${round(q(0.5))} ms, p99 ${round(q(0.99))} ms`);
  console.log(
    `idle client RSS ${(idleRss / 1048576).toFixed(1)} MiB; ${(perTask / 1024).toFixed(0)} KiB per running task`,
  );
  console.log(
    JSON.stringify({
      bench: 'client',
      runs: RUNS,
      start_ms_median: round(q(0.5)),
      start_ms_p99: round(q(0.99)),
      idle_rss_bytes: idleRss,
      rss_bytes_per_task: Math.round(perTask),
    }),
  );
}

await main();
