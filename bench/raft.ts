// npm run bench -- raft: three raft servers as separate processes on loopback, LMDB with fsync.
// Measures commits per second (small entries, batched by concurrent proposers), commit latency
// p50/p99 of single proposals under that load, and the time from kill -9 of the leader to the
// next successful write (median of 5 kills).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../src/rpc/rpc.ts';

const ids = ['s1', 's2', 's3'];
const base = 31000 + Math.floor(Math.random() * 1000) * 3;
const config = { voters: ids.map((id, i) => ({ id, addr: `127.0.0.1:${base + i}` })), learners: [] };
const dirs = ids.map(() => mkdtempSync(join(tmpdir(), 'raft-bench-')));
const procs = new Map<string, ChildProcess>();
const clients = new Map(ids.map((id, i) => [id, new RpcClient(`127.0.0.1:${base + i}`)]));

function start(i: number): Promise<void> {
  const p = fork(
    new URL('./_raft_server.ts', import.meta.url).pathname,
    [ids[i]!, String(base + i), dirs[i]!, JSON.stringify(config)],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  procs.set(ids[i]!, p);
  return new Promise((resolve) => p.once('message', () => resolve()));
}

async function leader(): Promise<string> {
  for (;;) {
    for (const [id, c] of clients) {
      if (procs.get(id)?.exitCode !== null || procs.get(id)?.killed === true) continue;
      try {
        const s = (await c.call('Bench.Status', {}, { timeoutMs: 500 })) as { role: string };
        if (s.role === 'leader') return id;
      } catch {
        // not up yet
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

try {
  await Promise.all(ids.map((_, i) => start(i)));
  let lead = await leader();
  // Throughput: 64 concurrent proposers, each proposing batches of 64 small entries.
  const durationMs = 5000;
  let commits = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() - t0 < durationMs) {
        await clients.get(lead)!.call('Bench.Propose', { count: 64 });
        commits += 64;
      }
    }),
  );
  const commitsPerS = Math.round(commits / ((performance.now() - t0) / 1000));
  // Latency: single proposals while 8 background proposers keep the cluster busy.
  const lat: number[] = [];
  const stopAt = performance.now() + 3000;
  const background = Array.from({ length: 8 }, async () => {
    while (performance.now() < stopAt) await clients.get(lead)!.call('Bench.Propose', { count: 16 });
  });
  while (performance.now() < stopAt) {
    const r = (await clients.get(lead)!.call('Bench.Propose', { count: 1 })) as { ms: number };
    lat.push(r.ms);
  }
  await Promise.all(background);
  // Failover: kill -9 the leader, time until a write succeeds on the new one; restart it.
  const failovers: number[] = [];
  for (let k = 0; k < 5; k++) {
    lead = await leader();
    const killedAt = performance.now();
    procs.get(lead)!.kill('SIGKILL');
    for (;;) {
      const next = await leader();
      try {
        await clients.get(next)!.call('Bench.Propose', { count: 1 }, { timeoutMs: 1000 });
        break;
      } catch {
        // leadership still settling
      }
    }
    failovers.push(performance.now() - killedAt);
    await start(ids.indexOf(lead));
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(
    `commits/s ${commitsPerS}; latency p50 ${median(lat).toFixed(2)} ms p99 ${pct(lat, 0.99).toFixed(2)} ms; failovers ${failovers.map((f) => f.toFixed(0)).join(', ')} ms`,
  );
  console.log(
    JSON.stringify({
      bench: 'raft',
      servers: 3,
      fsync: true,
      commits_per_s: commitsPerS,
      commit_latency_p50_ms: Number(median(lat).toFixed(2)),
      commit_latency_p99_ms: Number(pct(lat, 0.99).toFixed(2)),
      failover_ms_median: Math.round(median(failovers)),
    }),
  );
} finally {
  for (const p of procs.values()) p.kill('SIGKILL');
  for (const c of clients.values()) c.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
