/**
 * Task usage from a cgroup (v1 or v2): drivers that put a task in its own cgroup (exec, java) read
 * it here. Paths are absolute cgroup directories, e.g. /sys/fs/cgroup/nomad.slice/<id>.scope (v2)
 * or the v1 memory and cpuacct directories.
 */
import { readFileSync } from 'node:fs';
import type { TaskResourceUsage } from '../driver.ts';
import { CpuRate, percentToMhz } from './process_stats.ts';

export type CgroupPaths = { version: 2; dir: string } | { version: 1; memoryDir: string; cpuacctDir: string };

function readNumber(path: string): number {
  const t = readFileSync(path, 'utf8').trim();
  return t === 'max' ? 0 : Number(t);
}

function readKeyed(path: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k !== undefined && v !== undefined) m.set(k, Number(v));
  }
  return m;
}

/** Reads a cgroup's CPU (µs of user and system time) and memory counters. */
export function cgroupUsage(paths: CgroupPaths, rate: CpuRate, nowMs: number): TaskResourceUsage {
  let userUs: number;
  let systemUs: number;
  let usage: number;
  let maxUsage = 0;
  let rss: number;
  let cache: number;
  let swap = 0;
  if (paths.version === 2) {
    const cpu = readKeyed(`${paths.dir}/cpu.stat`);
    userUs = cpu.get('user_usec') ?? 0;
    systemUs = cpu.get('system_usec') ?? 0;
    const mem = readKeyed(`${paths.dir}/memory.stat`);
    usage = readNumber(`${paths.dir}/memory.current`);
    rss = mem.get('anon') ?? 0;
    cache = mem.get('file') ?? 0;
    try {
      swap = readNumber(`${paths.dir}/memory.swap.current`);
      maxUsage = readNumber(`${paths.dir}/memory.peak`);
    } catch (err) {
      // Older kernels lack memory.peak and swap accounting: leave those at 0.
      void err;
    }
  } else {
    const cpu = readKeyed(`${paths.cpuacctDir}/cpuacct.stat`);
    const ticksToUs = 1e6 / 100; // cpuacct.stat counts USER_HZ (100) ticks.
    userUs = (cpu.get('user') ?? 0) * ticksToUs;
    systemUs = (cpu.get('system') ?? 0) * ticksToUs;
    const mem = readKeyed(`${paths.memoryDir}/memory.stat`);
    usage = readNumber(`${paths.memoryDir}/memory.usage_in_bytes`);
    maxUsage = readNumber(`${paths.memoryDir}/memory.max_usage_in_bytes`);
    rss = mem.get('total_rss') ?? mem.get('rss') ?? 0;
    cache = mem.get('total_cache') ?? mem.get('cache') ?? 0;
    swap = mem.get('total_swap') ?? mem.get('swap') ?? 0;
  }
  // CpuRate counts clock ticks; feed it ticks at USER_HZ so percent comes out right.
  const percent = rate.percent(((userUs + systemUs) / 1e6) * 100, nowMs);
  return {
    timestampMs: nowMs,
    cpu: {
      percent,
      totalTicksMhz: percentToMhz(percent),
      userMode: userUs / 1000,
      systemMode: systemUs / 1000,
      measured: ['Percent', 'System Mode', 'User Mode', 'Total Ticks'],
    },
    memory: {
      rssBytes: rss,
      cacheBytes: cache,
      swapBytes: swap,
      usageBytes: usage,
      maxUsageBytes: maxUsage,
      measured: ['RSS', 'Cache', 'Swap', 'Usage', 'Max Usage'],
    },
  };
}
