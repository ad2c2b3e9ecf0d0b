/**
 * Resource usage in the shapes of Nomad's /v1/client/stats (HostStats) and
 * /v1/client/allocation/:id/stats (AllocResourceUsage).
 */
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, totalmem, uptime } from 'node:os';
import type { TaskResourceUsage } from '../drivers/driver.ts';
import { msToNs } from '../lib/clock.ts';
import { hostCpu } from '../drivers/process/host_cpu.ts';
import type { AllocRunner } from './allocrunner/alloc_runner.ts';

export interface NomadMemoryStats {
  RSS: number;
  Cache: number;
  Swap: number;
  Usage: number;
  MaxUsage: number;
  KernelUsage: number;
  KernelMaxUsage: number;
  Measured: string[];
}

export interface NomadCpuStats {
  SystemMode: number;
  UserMode: number;
  TotalTicks: number;
  ThrottledPeriods: number;
  ThrottledTime: number;
  Percent: number;
  Measured: string[];
}

export interface NomadResourceUsage {
  MemoryStats: NomadMemoryStats;
  CpuStats: NomadCpuStats;
  DeviceStats: unknown[];
}

export interface NomadTaskResourceUsage {
  ResourceUsage: NomadResourceUsage;
  Timestamp: number;
  Pids: Record<string, NomadResourceUsage> | null;
}

export interface AllocResourceUsage {
  ResourceUsage: NomadResourceUsage;
  Tasks: Record<string, NomadTaskResourceUsage>;
  Timestamp: number;
}

export function toNomadUsage(u: TaskResourceUsage): NomadResourceUsage {
  return {
    MemoryStats: {
      RSS: u.memory.rssBytes,
      Cache: u.memory.cacheBytes,
      Swap: u.memory.swapBytes,
      Usage: u.memory.usageBytes,
      MaxUsage: u.memory.maxUsageBytes,
      KernelUsage: 0,
      KernelMaxUsage: 0,
      Measured: u.memory.measured,
    },
    CpuStats: {
      SystemMode: u.cpu.systemMode,
      UserMode: u.cpu.userMode,
      TotalTicks: u.cpu.totalTicksMhz,
      ThrottledPeriods: 0,
      ThrottledTime: 0,
      Percent: u.cpu.percent,
      Measured: u.cpu.measured,
    },
    DeviceStats: [],
  };
}

function sum(usages: NomadResourceUsage[]): NomadResourceUsage {
  const out = toNomadUsage({
    timestampMs: 0,
    cpu: { percent: 0, totalTicksMhz: 0, userMode: 0, systemMode: 0, measured: [] },
    memory: { rssBytes: 0, cacheBytes: 0, swapBytes: 0, usageBytes: 0, maxUsageBytes: 0, measured: [] },
  });
  for (const u of usages) {
    const m = out.MemoryStats;
    m.RSS += u.MemoryStats.RSS;
    m.Cache += u.MemoryStats.Cache;
    m.Swap += u.MemoryStats.Swap;
    m.Usage += u.MemoryStats.Usage;
    m.MaxUsage += u.MemoryStats.MaxUsage;
    m.Measured = u.MemoryStats.Measured;
    const c = out.CpuStats;
    c.SystemMode += u.CpuStats.SystemMode;
    c.UserMode += u.CpuStats.UserMode;
    c.TotalTicks += u.CpuStats.TotalTicks;
    c.Percent += u.CpuStats.Percent;
    c.Measured = u.CpuStats.Measured;
  }
  return out;
}

/** Usage of every running task of the allocation, and their sum. */
export async function allocStats(ar: AllocRunner, nowMs: number): Promise<AllocResourceUsage> {
  const tasks: Record<string, NomadTaskResourceUsage> = {};
  for (const name of ar.taskNames) {
    const u = await ar.taskRunner(name)!.stats();
    if (u === undefined) continue;
    tasks[name] = { ResourceUsage: toNomadUsage(u), Timestamp: msToNs(u.timestampMs), Pids: null };
  }
  return {
    ResourceUsage: sum(Object.values(tasks).map((t) => t.ResourceUsage)),
    Tasks: tasks,
    Timestamp: msToNs(nowMs),
  };
}

export interface HostStats {
  Memory: { Total: number; Available: number; Used: number; Free: number };
  CPU: { CPU: string; User: number; System: number; Idle: number; Total: number }[];
  DiskStats: {
    Device: string;
    Mountpoint: string;
    Size: number;
    Used: number;
    Available: number;
    UsedPercent: number;
    InodesUsedPercent: number;
  }[];
  AllocDirStats: HostStats['DiskStats'][number];
  DeviceStats: unknown[];
  Uptime: number;
  Timestamp: number;
  CPUTicksConsumed: number;
}

/** Keeps the previous CPU sample, so percentages are over the time between calls. */
export class HostStatsCollector {
  #prev: { user: number; sys: number; idle: number; total: number }[] = [];

  collect(allocDir: string, nowMs: number): HostStats {
    const list = cpus();
    const cpuStats = list.map((c, i) => {
      const t = c.times;
      const total = t.user + t.nice + t.sys + t.idle + t.irq;
      const p = this.#prev[i] ?? { user: 0, sys: 0, idle: 0, total: 0 };
      const d = Math.max(1, total - p.total);
      this.#prev[i] = { user: t.user + t.nice, sys: t.sys + t.irq, idle: t.idle, total };
      const pct = (x: number, px: number): number => ((x - px) / d) * 100;
      return {
        CPU: `cpu${i}`,
        User: pct(t.user + t.nice, p.user),
        System: pct(t.sys + t.irq, p.sys),
        Idle: pct(t.idle, p.idle),
        Total: 100 - pct(t.idle, p.idle),
      };
    });
    const busy = cpuStats.reduce((n, c) => n + c.Total, 0) / Math.max(1, cpuStats.length);
    const total = totalmem();
    const available = memAvailable() ?? freemem();
    const disk = diskStats(allocDir);
    return {
      Memory: { Total: total, Available: available, Used: total - available, Free: freemem() },
      CPU: cpuStats,
      DiskStats: [disk],
      AllocDirStats: disk,
      DeviceStats: [],
      Uptime: Math.floor(uptime()),
      Timestamp: msToNs(nowMs),
      CPUTicksConsumed: (busy / 100) * hostCpu().totalMhz,
    };
  }
}

function memAvailable(): number | undefined {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function diskStats(dir: string): HostStats['DiskStats'][number] {
  const s = statfsSync(dir);
  const size = s.blocks * s.bsize;
  const avail = s.bavail * s.bsize;
  const used = size - s.bfree * s.bsize;
  return {
    Device: '',
    Mountpoint: dir,
    Size: size,
    Used: used,
    Available: avail,
    UsedPercent: size === 0 ? 0 : (used / size) * 100,
    InodesUsedPercent: s.files === 0 ? 0 : ((s.files - s.ffree) / s.files) * 100,
  };
}
