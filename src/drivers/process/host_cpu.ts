/** The host's CPU as drivers and the fingerprinter see it: cores, model, and MHz per core. */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

export interface HostCpu {
  modelName: string;
  numCores: number;
  /** Per core; Nomad's "cpu.frequency". */
  mhzPerCore: number;
  /** numCores * mhzPerCore; Nomad's "cpu.totalcompute". */
  totalMhz: number;
}

/** Used when the host reports no frequency (some VMs): Nomad falls back to a fixed guess too. */
export const FALLBACK_CPU_MHZ = 1000;

let cached: HostCpu | undefined;

export function hostCpu(): HostCpu {
  if (cached !== undefined) return cached;
  const list = cpus();
  const numCores = Math.max(1, list.length);
  let mhz = Math.max(0, ...list.map((c) => c.speed));
  let model = list[0]?.model ?? '';
  if (mhz === 0) mhz = cpuinfoMhz() ?? FALLBACK_CPU_MHZ;
  if (model === '') model = 'unknown';
  mhz = Math.round(mhz);
  cached = { modelName: model.trim(), numCores, mhzPerCore: mhz, totalMhz: mhz * numCores };
  return cached;
}

function cpuinfoMhz(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch (err) {
    // Not Linux, or /proc hidden: the caller falls back to a fixed figure.
    void err;
    return undefined;
  }
  const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(text);
  return m === null ? undefined : Number(m[1]);
}
