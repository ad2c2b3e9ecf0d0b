/**
 * A cgroup per isolated task (exec, java), on whichever cgroup version the host mounts: v2 (one
 * unified tree) or v1 (one tree per controller). Layout follows Nomad: v2
 * /sys/fs/cgroup/nomad.slice/<allocId>.<task>.scope, v1 /sys/fs/cgroup/<controller>/nomad/<allocId>.<task>.
 * The task joins its cgroup itself (its launcher writes 0 to cgroup.procs before it forks), so no
 * process of the task ever runs outside it.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupPaths } from '../process/cgroup_stats.ts';

export const CGROUP_ROOT = '/sys/fs/cgroup';
const V2_PARENT = 'nomad.slice';
const V1_PARENT = 'nomad';
/** v1 controllers a task joins: memory for the limit and OOM count, cpu for shares, cpuacct for stats. */
const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct'] as const;
/** Kernel minimum for cpu.shares; Nomad clamps the same way. */
const CPU_SHARES_MIN = 2;
const CPU_SHARES_MAX = 262_144;

export type CgroupVersion = 1 | 2;

export interface CgroupLimits {
  /** Hard limit. */
  memoryMaxBytes: number;
  /** Soft limit (reservation) when it differs from the hard one; 0 = none. */
  memoryLowBytes: number;
  /** Nomad gives a task as many CPU shares as it reserves MHz. */
  cpuShares: number;
}

/** Which cgroup version the host mounts, or undefined when neither is usable. */
export function detectCgroupVersion(root = CGROUP_ROOT): CgroupVersion | undefined {
  if (existsSync(join(root, 'cgroup.controllers'))) return 2;
  if (existsSync(join(root, 'memory', 'memory.limit_in_bytes'))) return 1;
  return undefined;
}

/** cpu.shares (v1) to cpu.weight (v2), as the kernel documentation and runc convert it. */
export function sharesToWeight(shares: number): number {
  const s = Math.min(CPU_SHARES_MAX, Math.max(CPU_SHARES_MIN, Math.round(shares)));
  return 1 + Math.floor(((s - 2) * 9999) / 262_142);
}

export class TaskCgroup {
  readonly version: CgroupVersion;
  readonly name: string;
  readonly #root: string;

  constructor(version: CgroupVersion, name: string, root = CGROUP_ROOT) {
    this.version = version;
    this.name = name;
    this.#root = root;
  }

  /** The directories the task's processes join (one on v2, one per controller on v1). */
  dirs(): string[] {
    if (this.version === 2) return [join(this.#root, V2_PARENT, `${this.name}.scope`)];
    return V1_CONTROLLERS.map((c) => join(this.#root, c, V1_PARENT, this.name));
  }

  /** The cgroup.procs files a launcher writes "0" into to join the task's cgroup. */
  procsFiles(): string[] {
    return this.dirs().map((d) => join(d, 'cgroup.procs'));
  }

  statsPaths(): CgroupPaths {
    const [first] = this.dirs();
    if (this.version === 2) return { version: 2, dir: first! };
    return {
      version: 1,
      memoryDir: join(this.#root, 'memory', V1_PARENT, this.name),
      cpuacctDir: join(this.#root, 'cpuacct', V1_PARENT, this.name),
    };
  }

  /** Makes the cgroup (and its nomad parent) and sets the limits. Idempotent. */
  create(limits: CgroupLimits): void {
    if (this.version === 2) this.#createV2(limits);
    else this.#createV1(limits);
  }

  #createV2(limits: CgroupLimits): void {
    const parent = join(this.#root, V2_PARENT);
    mkdirSync(parent, { recursive: true });
    enableControllers(this.#root);
    enableControllers(parent);
    const dir = this.dirs()[0]!;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'memory.max'), String(limits.memoryMaxBytes));
    if (limits.memoryLowBytes > 0) writeFileSync(join(dir, 'memory.low'), String(limits.memoryLowBytes));
    // Swap would let a task exceed its hard limit unseen; Nomad turns it off the same way.
    writeOptional(join(dir, 'memory.swap.max'), '0');
    writeFileSync(join(dir, 'cpu.weight'), String(sharesToWeight(limits.cpuShares)));
  }

  #createV1(limits: CgroupLimits): void {
    for (const dir of this.dirs()) mkdirSync(dir, { recursive: true });
    const mem = join(this.#root, 'memory', V1_PARENT, this.name);
    writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limits.memoryMaxBytes));
    // memsw exists only with swap accounting; it must be >= the memory limit, which it now is.
    writeOptional(join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryMaxBytes));
    if (limits.memoryLowBytes > 0) {
      writeFileSync(join(mem, 'memory.soft_limit_in_bytes'), String(limits.memoryLowBytes));
    }
    const shares = Math.min(CPU_SHARES_MAX, Math.max(CPU_SHARES_MIN, Math.round(limits.cpuShares)));
    writeFileSync(join(this.#root, 'cpu', V1_PARENT, this.name, 'cpu.shares'), String(shares));
  }

  exists(): boolean {
    return existsSync(this.dirs()[0]!);
  }

  /** Pids of every process in the cgroup; [] once it is gone. */
  pids(): number[] {
    const procs = this.procsFiles()[0]!;
    let text: string;
    try {
      text = readFileSync(procs, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  }

  /** How many times the kernel's OOM killer killed a process of this cgroup. */
  oomKills(): number {
    const dir = this.dirs()[0]!;
    const file = this.version === 2 ? join(dir, 'memory.events') : join(dir, 'memory.oom_control');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const m = /^oom_kill (\d+)$/m.exec(text);
    return m === null ? 0 : Number(m[1]);
  }

  /** Sends SIGKILL to every process in the cgroup. */
  killAll(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        // Exited between the listing and the kill: that is what we wanted.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
  }

  /** Removes the cgroup; false while processes remain in it. Idempotent. */
  remove(): boolean {
    for (const dir of this.dirs()) {
      try {
        rmdirSync(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        if (code === 'EBUSY') return false;
        throw err;
      }
    }
    return true;
  }
}

/** Lets children of a v2 cgroup use the memory, cpu and pids controllers. */
function enableControllers(dir: string): void {
  const available = readFileSync(join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  const enabled = readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/);
  const want = ['memory', 'cpu', 'pids'].filter((c) => available.includes(c) && !enabled.includes(c));
  if (want.length === 0) return;
  writeFileSync(join(dir, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
}

function writeOptional(path: string, value: string): void {
  if (existsSync(path)) writeFileSync(path, value);
}

/**
 * Whether this host can give tasks cgroups: returns undefined when it can, else the reason.
 * Creates the nomad parent cgroup as a side effect, which every later task needs anyway.
 */
export function cgroupProblem(version: CgroupVersion | undefined, root = CGROUP_ROOT): string | undefined {
  if (version === undefined) return `No cgroup filesystem with a memory controller under "${root}"`;
  try {
    if (version === 2) {
      mkdirSync(join(root, V2_PARENT), { recursive: true });
      enableControllers(root);
      const controllers = readFileSync(join(root, V2_PARENT, 'cgroup.controllers'), 'utf8');
      if (!/\bmemory\b/.test(controllers)) return `The memory controller is not available under "${root}"`;
    } else {
      for (const c of V1_CONTROLLERS) mkdirSync(join(root, c, V1_PARENT), { recursive: true });
    }
  } catch (err) {
    return `Cannot create cgroups under "${root}": ${(err as Error).message}`;
  }
  return undefined;
}
