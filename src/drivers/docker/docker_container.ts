/**
 * The container a task becomes: the create request built from the task (env, resources, the
 * group's ports, the alloc dirs bound at /alloc, /local and /secrets as Nomad does, Nomad's labels)
 * and its docker config block; then create (replacing a stale container of the same name) and start.
 */
import { isAbsolute, join } from 'node:path';
import { DriverError, type TaskConfig } from '../driver.ts';
import { normalizeCapability } from '../exec/capabilities.ts';
import { DockerApiError, isNotFound, type DockerApi } from './docker_api.ts';
import { block, blocks, bool, num, numMap, str, strMap, strs } from './docker_config.ts';

const BYTES_PER_MB = 1024 * 1024;
/** The engine refuses less memory than this. */
const DOCKER_MEMORY_BYTES_MIN = 6 * BYTES_PER_MB;
const CPU_SHARES_MIN = 2;
const CFS_PERIOD_US_DEFAULT = 100_000;
const CFS_QUOTA_US_MIN = 1_000;

export interface ContainerPolicy {
  allowPrivileged: boolean;
  /** Binding host paths outside the task dir (volumes, bind mounts); Nomad's volumes.enabled. */
  volumesEnabled: boolean;
  /** Capabilities cap_add may grant; Nomad's allow_caps. */
  allowCaps: readonly string[];
  mhzPerCore: number;
}

/** Nomad's container name: "<task>-<allocId>". */
export const containerName = (config: TaskConfig): string => `${config.taskName}-${config.allocId}`;

export type CreateBody = Record<string, unknown> & { HostConfig: Record<string, unknown> };

function refuse(message: string): never {
  throw new DriverError(message, { recoverable: false });
}

/** The create request's body for a task. Throws a non-recoverable DriverError for what policy refuses. */
export function containerSpec(config: TaskConfig, policy: ContainerPolicy): CreateBody {
  const dc = config.driverConfig;
  const command = str(dc['command']);
  const args = strs(dc['args']);
  const entrypoint = strs(dc['entrypoint']);
  const body: CreateBody = {
    Image: str(dc['image']),
    Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      ...strMap(dc['labels']),
      'com.hashicorp.nomad.alloc_id': config.allocId,
      'com.hashicorp.nomad.job_name': config.jobName,
      'com.hashicorp.nomad.task_group_name': config.groupName,
      'com.hashicorp.nomad.task_name': config.taskName,
      'com.hashicorp.nomad.namespace': config.namespace,
    },
    Tty: bool(dc['tty']),
    OpenStdin: bool(dc['interactive']),
    HostConfig: hostConfig(config, policy),
  };
  if (command !== '') body['Cmd'] = [command, ...args];
  else if (args.length > 0) body['Cmd'] = args;
  if (entrypoint.length > 0) body['Entrypoint'] = entrypoint;
  if (str(dc['work_dir']) !== '') body['WorkingDir'] = str(dc['work_dir']);
  if (str(dc['hostname']) !== '') body['Hostname'] = str(dc['hostname']);
  if (str(dc['mac_address']) !== '') body['MacAddress'] = str(dc['mac_address']);
  if (config.user !== '') body['User'] = config.user;
  const ports = portBindings(config);
  if (Object.keys(ports.exposed).length > 0) body['ExposedPorts'] = ports.exposed;
  const aliases = strs(dc['network_aliases']);
  const network = str(dc['network_mode']);
  if (aliases.length > 0 && network !== '') {
    body['NetworkingConfig'] = { EndpointsConfig: { [network]: { Aliases: aliases } } };
  }
  return body;
}

function hostConfig(config: TaskConfig, policy: ContainerPolicy): Record<string, unknown> {
  const dc = config.driverConfig;
  const network = str(dc['network_mode']);
  const hc: Record<string, unknown> = {
    ...resources(config, policy),
    Binds: [...allocBinds(config), ...volumeBinds(config, policy)],
    Mounts: blocks(dc['mount'] ?? dc['mounts']).map((m) => mountSpec(config, m, policy)),
    Privileged: bool(dc['privileged']),
    Init: bool(dc['init']),
    ReadonlyRootfs: bool(dc['readonly_rootfs']),
    CapAdd: strs(dc['cap_add']),
    CapDrop: strs(dc['cap_drop']),
    Dns: strs(dc['dns_servers']),
    DnsSearch: strs(dc['dns_search_domains']),
    DnsOptions: strs(dc['dns_options']),
    ExtraHosts: strs(dc['extra_hosts']),
    SecurityOpt: strs(dc['security_opt']),
    GroupAdd: strs(dc['group_add']),
    Ulimits: Object.entries(strMap(dc['ulimit'])).map(([name, v]) => ulimit(name, v)),
    Devices: blocks(dc['devices']).map((d) => ({
      PathOnHost: str(d['host_path']),
      PathInContainer: str(d['container_path']) || str(d['host_path']),
      CgroupPermissions: str(d['cgroup_permissions']) || 'rwm',
    })),
    Sysctls: strMap(dc['sysctl']),
    StorageOpt: strMap(dc['storage_opt']),
  };
  if (hc['Privileged'] === true && !policy.allowPrivileged) {
    refuse('Docker privileged mode is disabled on this Nomad agent');
  }
  const notAllowed = (hc['CapAdd'] as string[]).filter(
    (c) => !policy.allowCaps.includes(normalizeCapability(c)),
  );
  if (notAllowed.length > 0) {
    refuse(
      `Docker driver doesn't have the following caps allowlisted on this Nomad agent: [${notAllowed.join(' ')}]`,
    );
  }
  if (network !== '') hc['NetworkMode'] = network;
  const ports = portBindings(config).bindings;
  if (network !== 'host' && Object.keys(ports).length > 0) hc['PortBindings'] = ports;
  const optional: [string, string][] = [
    ['ipc_mode', 'IpcMode'],
    ['pid_mode', 'PidMode'],
    ['uts_mode', 'UTSMode'],
    ['userns_mode', 'UsernsMode'],
    ['runtime', 'Runtime'],
    ['volume_driver', 'VolumeDriver'],
    ['cpuset_cpus', 'CpusetCpus'],
  ];
  for (const [key, field] of optional) if (str(dc[key]) !== '') hc[field] = str(dc[key]);
  if (num(dc['shm_size']) > 0) hc['ShmSize'] = num(dc['shm_size']);
  if (num(dc['pids_limit']) > 0) hc['PidsLimit'] = num(dc['pids_limit']);
  if (dc['oom_score_adj'] !== undefined) hc['OomScoreAdj'] = num(dc['oom_score_adj']);
  const logging = block(dc['logging']);
  if (logging !== undefined) {
    hc['LogConfig'] = {
      Type: str(logging['type']) || str(logging['driver']),
      Config: strMap(logging['config']),
    };
  }
  return hc;
}

/** Memory (hard limit, reservation, no swap) and CPU (shares; a CFS quota with cpu_hard_limit). */
function resources(config: TaskConfig, policy: ContainerPolicy): Record<string, unknown> {
  const dc = config.driverConfig;
  const r = config.resources;
  const hardMb = num(dc['memory_hard_limit']) > 0 ? num(dc['memory_hard_limit']) : r.memoryMaxMb;
  const limit = Math.max(DOCKER_MEMORY_BYTES_MIN, (hardMb > 0 ? hardMb : r.memoryMb) * BYTES_PER_MB);
  const out: Record<string, unknown> = {
    Memory: limit,
    MemorySwap: limit,
    CpuShares: Math.max(CPU_SHARES_MIN, Math.round(r.cpuMhz)),
  };
  if (hardMb > 0) out['MemoryReservation'] = r.memoryMb * BYTES_PER_MB;
  if (bool(dc['cpu_hard_limit'])) {
    const period = num(dc['cpu_cfs_period']) > 0 ? num(dc['cpu_cfs_period']) : CFS_PERIOD_US_DEFAULT;
    out['CpuPeriod'] = period;
    out['CpuQuota'] = Math.max(CFS_QUOTA_US_MIN, Math.round((r.cpuMhz / policy.mhzPerCore) * period));
  }
  return out;
}

/** The shared alloc dir and the task's local and secrets dirs, where Nomad puts them. */
function allocBinds(config: TaskConfig): string[] {
  return [
    `${join(config.allocDir, 'alloc')}:/alloc`,
    `${join(config.taskDir, 'local')}:/local`,
    `${join(config.taskDir, 'secrets')}:/secrets`,
  ];
}

function hostPath(config: TaskConfig, path: string, policy: ContainerPolicy, what: string): string {
  if (!isAbsolute(path)) return join(config.taskDir, path);
  if (!policy.volumesEnabled) {
    refuse(`${what} "${path}" is an absolute host path, and volumes are disabled on this Nomad agent`);
  }
  return path;
}

function volumeBinds(config: TaskConfig, policy: ContainerPolicy): string[] {
  return strs(config.driverConfig['volumes']).map((v) => {
    const [src, dest, mode] = v.split(':');
    // A name without a slash is a named volume, handled by the engine (or volume_driver).
    const source =
      src!.includes('/') || src!.startsWith('.') ? hostPath(config, src!, policy, 'Volume') : src!;
    return [source, dest, mode].filter((x) => x !== undefined && x !== '').join(':');
  });
}

function mountSpec(
  config: TaskConfig,
  m: Record<string, unknown>,
  policy: ContainerPolicy,
): Record<string, unknown> {
  const type = str(m['type']) || 'volume';
  const out: Record<string, unknown> = {
    Type: type,
    Target: str(m['target']),
    ReadOnly: bool(m['readonly']),
  };
  const source = str(m['source']);
  if (type === 'bind') out['Source'] = hostPath(config, source, policy, 'Bind mount source');
  else if (source !== '') out['Source'] = source;
  const bind = block(m['bind_options']);
  if (type === 'bind' && bind !== undefined) out['BindOptions'] = { Propagation: str(bind['propagation']) };
  const vol = block(m['volume_options']);
  if (type === 'volume' && vol !== undefined) {
    const drv = block(vol['driver_config']);
    out['VolumeOptions'] = {
      NoCopy: bool(vol['no_copy']),
      Labels: strMap(vol['labels']),
      ...(drv === undefined
        ? {}
        : { DriverConfig: { Name: str(drv['name']), Options: strMap(drv['options']) } }),
    };
  }
  const tmpfs = block(m['tmpfs_options']);
  if (type === 'tmpfs' && tmpfs !== undefined) {
    out['TmpfsOptions'] = { SizeBytes: num(tmpfs['size']), Mode: num(tmpfs['mode']) };
  }
  return out;
}

/** "soft:hard" or one number for both. */
function ulimit(name: string, value: string): { Name: string; Soft: number; Hard: number } {
  const [soft, hard] = value.split(':');
  const s = Number(soft);
  const h = hard === undefined ? s : Number(hard);
  if (!Number.isInteger(s) || !Number.isInteger(h)) {
    refuse(
      `Invalid driver config: "ulimit.${name}" must be "soft:hard" or a number: current value is "${value}"`,
    );
  }
  return { Name: name, Soft: s, Hard: h };
}

/**
 * The group's ports the task names (`ports = ["db"]`), or all of them mapped by the legacy
 * port_map: each host port (on its host IP) to the port inside (`to`, or the same number), tcp and udp.
 */
export function portBindings(config: TaskConfig): {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const dc = config.driverConfig;
  const labels = strs(dc['ports']);
  const portMap = numMap(dc['port_map']);
  const wanted = [...labels, ...Object.keys(portMap).filter((l) => !labels.includes(l))];
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const label of wanted) {
    const p = config.ports.find((x) => x.label === label);
    if (p === undefined) refuse(`Port "${label}" not found, check network block`);
    const inside = portMap[label] ?? (p.to > 0 ? p.to : p.hostPort);
    for (const proto of ['tcp', 'udp']) {
      const key = `${inside}/${proto}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    }
  }
  return { exposed, bindings };
}

/** Creates the container; a stale one of the same name (an earlier run of this task) is removed first. */
export async function createContainer(api: DockerApi, name: string, body: CreateBody): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const r = await api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
      return r.Id;
    } catch (err) {
      if (!(err instanceof DockerApiError) || err.status !== 409 || attempt > 0) {
        throw new DriverError(`Failed to create container: ${(err as Error).message}`, { cause: err });
      }
      await removeContainer(api, name);
    }
  }
}

export async function removeContainer(api: DockerApi, idOrName: string): Promise<void> {
  try {
    await api.json('DELETE', `/containers/${encodeURIComponent(idOrName)}`, { query: { force: 1, v: 1 } });
  } catch (err) {
    if (isNotFound(err)) return;
    // Removal already under way (a concurrent destroy): the container is going either way.
    if (err instanceof DockerApiError && err.status === 409 && /already in progress/.test(err.message))
      return;
    throw new DriverError(`Failed to remove container "${idOrName}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}
