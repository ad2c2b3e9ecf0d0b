/**
 * The task's environment (Nomad's client/taskenv): NOMAD_* variables, ports, meta, the task's own
 * env block interpolated, and the host's env minus the denylist. Also the interpolation of
 * ${NOMAD_*}, ${attr.*}, ${node.*}, ${meta.*} and ${env.*} in driver config, env and args.
 */
import type { Allocation, AllocatedPortMapping, AllocNetwork } from '../../structs/allocation.ts';
import type { Job, Task, TaskGroup } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';
import { allocIndex } from '../../structs/allocation.ts';
import type { FsIsolation } from '../../drivers/driver.ts';
import type { AllocPaths, TaskPaths } from '../alloc_dir.ts';

/** Where a task whose driver isolates its filesystem finds its directories (Nomad's container paths). */
export const ISOLATED_ALLOC_DIR = '/alloc';
export const ISOLATED_TASK_DIR = '/local';
export const ISOLATED_SECRETS_DIR = '/secrets';

export interface TaskEnvDirs {
  allocDirShared: string;
  taskDirLocal: string;
  secretsDir: string;
}

/**
 * NOMAD_ALLOC_DIR, NOMAD_TASK_DIR and NOMAD_SECRETS_DIR as the task sees them: host paths without
 * isolation (raw_exec), /alloc, /local and /secrets under a chroot (exec, java) or in an image (docker).
 */
export function taskEnvDirs(fsIsolation: FsIsolation, alloc: AllocPaths, task: TaskPaths): TaskEnvDirs {
  if (fsIsolation === 'none') {
    return { allocDirShared: alloc.shared, taskDirLocal: task.local, secretsDir: task.secrets };
  }
  return {
    allocDirShared: ISOLATED_ALLOC_DIR,
    taskDirLocal: ISOLATED_TASK_DIR,
    secretsDir: ISOLATED_SECRETS_DIR,
  };
}

export interface TaskEnvInput extends TaskEnvDirs {
  alloc: Allocation;
  job: Job;
  group: TaskGroup;
  task: Task;
  node: Node;
  region: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
  envDenylist: readonly string[];
}

/** The values ${...} may name besides env vars: node attributes, node fields, meta. */
export function nodeVars(node: Node, region: string): Record<string, string> {
  const out: Record<string, string> = {
    'node.unique.id': node.ID,
    'node.unique.name': node.Name,
    'node.datacenter': node.Datacenter,
    'node.region': region,
    'node.class': node.NodeClass,
    'node.pool': node.NodePool,
  };
  for (const [k, v] of Object.entries(node.Attributes)) out[`attr.${k}`] = v;
  for (const [k, v] of Object.entries(node.Meta)) out[`meta.${k}`] = v;
  return out;
}

function portEnv(out: Record<string, string>, p: AllocatedPortMapping, fallbackIp: string): void {
  const label = p.Label.replace(/[^A-Za-z0-9_]/g, '_');
  const ip = p.HostIP !== '' ? p.HostIP : fallbackIp;
  const inner = p.To > 0 ? p.To : p.Value;
  out[`NOMAD_IP_${label}`] = ip;
  out[`NOMAD_PORT_${label}`] = String(inner);
  out[`NOMAD_ADDR_${label}`] = `${ip}:${p.Value}`;
  out[`NOMAD_HOST_IP_${label}`] = ip;
  out[`NOMAD_HOST_PORT_${label}`] = String(p.Value);
  out[`NOMAD_HOST_ADDR_${label}`] = `${ip}:${p.Value}`;
  out[`NOMAD_ALLOC_PORT_${label}`] = String(inner);
}

/** Ports the scheduler assigned, from AllocatedResources (shared, then per-task networks). */
export function allocPorts(alloc: Allocation, taskName: string): AllocatedPortMapping[] {
  const ar = alloc.AllocatedResources;
  const out: AllocatedPortMapping[] = [...(ar?.Shared.Ports ?? [])];
  const seen = new Set(out.map((p) => p.Label));
  const taskNets = (ar?.Tasks[taskName]?.Networks ?? []) as AllocNetwork[];
  const nets = [...(ar?.Shared.Networks ?? []), ...taskNets];
  for (const n of nets) {
    for (const p of [...(n.ReservedPorts ?? []), ...(n.DynamicPorts ?? [])]) {
      if (seen.has(p.Label)) continue;
      seen.add(p.Label);
      out.push({ Label: p.Label, Value: p.Value, To: p.To, HostIP: n.IP });
    }
  }
  return out;
}

export function buildTaskEnv(i: TaskEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  const deny = new Set(i.envDenylist);
  for (const [k, v] of Object.entries(i.hostEnv)) if (v !== undefined && !deny.has(k)) env[k] = v;
  const res = i.alloc.AllocatedResources?.Tasks[i.task.Name];
  const memMb = res?.Memory.MemoryMB ?? i.task.Resources.MemoryMB;
  const memMaxMb = res?.Memory.MemoryMaxMB ?? i.task.Resources.MemoryMaxMB;
  Object.assign(env, {
    NOMAD_ALLOC_DIR: i.allocDirShared,
    NOMAD_TASK_DIR: i.taskDirLocal,
    NOMAD_SECRETS_DIR: i.secretsDir,
    NOMAD_MEMORY_LIMIT: String(memMb),
    NOMAD_CPU_LIMIT: String(res?.Cpu.CpuShares ?? i.task.Resources.CPU),
    NOMAD_ALLOC_ID: i.alloc.ID,
    NOMAD_SHORT_ALLOC_ID: i.alloc.ID.slice(0, 8),
    NOMAD_ALLOC_NAME: i.alloc.Name,
    NOMAD_ALLOC_INDEX: String(allocIndex(i.alloc.Name)),
    NOMAD_TASK_NAME: i.task.Name,
    NOMAD_GROUP_NAME: i.group.Name,
    NOMAD_JOB_ID: i.job.ID,
    NOMAD_JOB_NAME: i.job.Name,
    NOMAD_JOB_PARENT_ID: i.job.ParentID,
    NOMAD_DC: i.node.Datacenter,
    NOMAD_NAMESPACE: i.alloc.Namespace,
    NOMAD_REGION: i.region,
  });
  if (memMaxMb > 0) env['NOMAD_MEMORY_MAX_LIMIT'] = String(memMaxMb);
  const cores = res?.Cpu.ReservedCores ?? null;
  if (cores !== null && cores.length > 0) env['NOMAD_CPU_CORES'] = cores.join(',');
  const meta = { ...(i.job.Meta ?? {}), ...(i.group.Meta ?? {}), ...(i.task.Meta ?? {}) };
  for (const [k, v] of Object.entries(meta)) {
    env[`NOMAD_META_${k}`] = v;
    env[`NOMAD_META_${k.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`] = v;
  }
  const fallbackIp = i.node.Attributes['unique.network.ip-address'] ?? '127.0.0.1';
  for (const p of allocPorts(i.alloc, i.task.Name)) portEnv(env, p, fallbackIp);
  // The task's own env block is interpolated against everything above (and may override it).
  const vars = { ...nodeVars(i.node, i.region) };
  const base = { ...env };
  for (const [k, v] of Object.entries(i.task.Env ?? {})) env[k] = interpolate(v, base, vars);
  return env;
}

const INTERP_RE = /\$\{([^}]+)\}/g;

/** Replaces ${name} with env[name], vars[name] (attr.*, node.*, meta.*) or ${env.X}; unknown names stay. */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string>>,
  vars: Readonly<Record<string, string>>,
): string {
  return text.replace(INTERP_RE, (whole, name: string) => {
    const key = name.trim();
    if (key.startsWith('env.')) return env[key.slice(4)] ?? whole;
    return env[key] ?? vars[key] ?? whole;
  });
}

/** Interpolates every string inside a driver config block (deeply). */
export function interpolateDeep(
  v: unknown,
  env: Readonly<Record<string, string>>,
  vars: Readonly<Record<string, string>>,
): unknown {
  if (typeof v === 'string') return interpolate(v, env, vars);
  if (Array.isArray(v)) return v.map((x) => interpolateDeep(x, env, vars));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolateDeep(x, env, vars);
    return out;
  }
  return v;
}
