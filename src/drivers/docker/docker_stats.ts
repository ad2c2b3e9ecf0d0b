/** A container's usage from the engine's stats endpoint, as Nomad's TaskResourceUsage. */
import type { TaskResourceUsage } from '../driver.ts';
import { percentToMhz } from '../process/process_stats.ts';

/** The parts of the engine's stats answer used here (cgroup v1 and v2 hosts name memory stats differently). */
export interface DockerStats {
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; usage_in_usermode?: number; usage_in_kernelmode?: number };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  memory_stats?: { usage?: number; max_usage?: number; stats?: Record<string, number> };
}

/** Keeps the previous sample: CPU percent is the container's share of host CPU time in between. */
export class DockerCpuRate {
  #lastTotalNs = -1;
  #lastSystemNs = 0;

  percent(totalNs: number, systemNs: number, onlineCpus: number): number {
    let pct = 0;
    if (this.#lastTotalNs >= 0 && systemNs > this.#lastSystemNs && totalNs >= this.#lastTotalNs) {
      pct = ((totalNs - this.#lastTotalNs) / (systemNs - this.#lastSystemNs)) * Math.max(1, onlineCpus) * 100;
    }
    this.#lastTotalNs = totalNs;
    this.#lastSystemNs = systemNs;
    return pct;
  }
}

export function dockerUsage(s: DockerStats, rate: DockerCpuRate, nowMs: number): TaskResourceUsage {
  const cpu = s.cpu_stats?.cpu_usage ?? {};
  const percent = rate.percent(
    cpu.total_usage ?? 0,
    s.cpu_stats?.system_cpu_usage ?? 0,
    s.cpu_stats?.online_cpus ?? 1,
  );
  const mem = s.memory_stats ?? {};
  const st = mem.stats ?? {};
  // cgroup v1 hosts report rss/cache; v2 hosts anon/file.
  const rss = st['total_rss'] ?? st['rss'] ?? st['anon'] ?? 0;
  const cache = st['total_cache'] ?? st['cache'] ?? st['file'] ?? 0;
  const swap = st['total_swap'] ?? st['swap'] ?? 0;
  const v2 = st['anon'] !== undefined;
  return {
    timestampMs: nowMs,
    cpu: {
      percent,
      totalTicksMhz: percentToMhz(percent),
      userMode: (cpu.usage_in_usermode ?? 0) / 1e6,
      systemMode: (cpu.usage_in_kernelmode ?? 0) / 1e6,
      measured: ['Percent', 'System Mode', 'User Mode', 'Total Ticks'],
    },
    memory: {
      rssBytes: rss,
      cacheBytes: cache,
      swapBytes: swap,
      usageBytes: mem.usage ?? 0,
      maxUsageBytes: mem.max_usage ?? 0,
      measured: v2 ? ['RSS', 'Cache', 'Usage'] : ['RSS', 'Cache', 'Swap', 'Usage', 'Max Usage'],
    },
  };
}
