/**
 * CPU and memory of a task's processes, as Nomad's TaskResourceUsage: from the task's cgroup when
 * it has its own one, else summed over its session's processes from /proc.
 */
import type { TaskResourceUsage } from '../driver.ts';
import { clockTicksPerSecond, readProcMemory, sessionMembers } from './proc.ts';
import { hostCpu } from './host_cpu.ts';

/** Keeps the previous sample so CPU percent is a rate over the interval between calls. */
export class CpuRate {
  #lastTicks = -1;
  #lastMs = 0;

  /** Percent of one core used since the previous call (0 on the first call). */
  percent(totalTicks: number, nowMs: number): number {
    let pct = 0;
    if (this.#lastTicks >= 0 && nowMs > this.#lastMs) {
      const cpuSeconds = (totalTicks - this.#lastTicks) / clockTicksPerSecond();
      pct = Math.max(0, (cpuSeconds / ((nowMs - this.#lastMs) / 1000)) * 100);
    }
    this.#lastTicks = totalTicks;
    this.#lastMs = nowMs;
    return pct;
  }
}

/** Percent of one core expressed in MHz of this host, as Nomad's TotalTicks. */
export function percentToMhz(percent: number): number {
  return (percent / 100) * hostCpu().mhzPerCore;
}

/** Usage of every process in the session led by `sessionId` (but `excludePid`, the task's launcher). */
export function sessionUsage(
  sessionId: number,
  rate: CpuRate,
  nowMs: number,
  opts: { excludePid?: number } = {},
): TaskResourceUsage {
  let utime = 0;
  let stime = 0;
  let rss = 0;
  let swap = 0;
  let cache = 0;
  for (const p of sessionMembers(sessionId)) {
    if (p.pid === opts.excludePid) continue;
    utime += p.utimeTicks;
    stime += p.stimeTicks;
    const mem = readProcMemory(p.pid);
    rss += mem.rssBytes;
    swap += mem.swapBytes;
    cache += mem.fileBytes;
  }
  const percent = rate.percent(utime + stime, nowMs);
  const tps = clockTicksPerSecond();
  return {
    timestampMs: nowMs,
    cpu: {
      percent,
      totalTicksMhz: percentToMhz(percent),
      userMode: (utime / tps) * 1000,
      systemMode: (stime / tps) * 1000,
      measured: ['Percent', 'System Mode', 'User Mode', 'Total Ticks'],
    },
    memory: {
      rssBytes: rss,
      cacheBytes: cache,
      swapBytes: swap,
      usageBytes: rss,
      maxUsageBytes: 0,
      measured: ['RSS', 'Swap'],
    },
  };
}
