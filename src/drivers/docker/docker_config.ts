/**
 * The docker driver's config block: Nomad's keys, checked recursively (blocks such as mount, auth,
 * logging and their fields), each unknown key and wrong type named by its path. Values that job
 * interpolation turns into strings ("6379", "true") are accepted where a number or bool is due, as
 * Nomad's HCL decoding converts them. Blocks come as an object or a list of objects (HCL's JSON form).
 */
import { parseDuration } from '../../lib/duration.ts';

type Scalar = 'string' | 'number' | 'bool' | 'duration';
type FieldType = Scalar | 'string[]' | 'map[string]string' | 'map[string]number';
interface BlockSpec {
  block: Schema;
  /** Repeated blocks (mount) give a list; single ones (auth) at most one. */
  repeated: boolean;
}
type Spec = FieldType | BlockSpec;
type Schema = Readonly<Record<string, Spec>>;

const MOUNT: Schema = {
  type: 'string',
  target: 'string',
  source: 'string',
  readonly: 'bool',
  bind_options: { block: { propagation: 'string' }, repeated: false },
  volume_options: {
    block: {
      no_copy: 'bool',
      labels: 'map[string]string',
      driver_config: { block: { name: 'string', options: 'map[string]string' }, repeated: false },
    },
    repeated: false,
  },
  tmpfs_options: { block: { size: 'number', mode: 'number' }, repeated: false },
};

export const DOCKER_CONFIG_SCHEMA: Schema = {
  image: 'string',
  args: 'string[]',
  command: 'string',
  entrypoint: 'string[]',
  auth: {
    block: { username: 'string', password: 'string', email: 'string', server_address: 'string' },
    repeated: false,
  },
  auth_soft_fail: 'bool',
  cap_add: 'string[]',
  cap_drop: 'string[]',
  cpu_hard_limit: 'bool',
  cpu_cfs_period: 'number',
  cpuset_cpus: 'string',
  devices: {
    block: { host_path: 'string', container_path: 'string', cgroup_permissions: 'string' },
    repeated: true,
  },
  dns_search_domains: 'string[]',
  dns_options: 'string[]',
  dns_servers: 'string[]',
  extra_hosts: 'string[]',
  force_pull: 'bool',
  group_add: 'string[]',
  healthchecks: { block: { disable: 'bool' }, repeated: false },
  hostname: 'string',
  image_pull_timeout: 'duration',
  init: 'bool',
  interactive: 'bool',
  ipc_mode: 'string',
  ipv4_address: 'string',
  ipv6_address: 'string',
  labels: 'map[string]string',
  load: 'string',
  logging: {
    block: { type: 'string', driver: 'string', config: 'map[string]string' },
    repeated: false,
  },
  mac_address: 'string',
  memory_hard_limit: 'number',
  mount: { block: MOUNT, repeated: true },
  mounts: { block: MOUNT, repeated: true },
  network_aliases: 'string[]',
  network_mode: 'string',
  oom_score_adj: 'number',
  pid_mode: 'string',
  pids_limit: 'number',
  port_map: 'map[string]number',
  ports: 'string[]',
  privileged: 'bool',
  readonly_rootfs: 'bool',
  runtime: 'string',
  security_opt: 'string[]',
  shm_size: 'number',
  storage_opt: 'map[string]string',
  sysctl: 'map[string]string',
  tty: 'bool',
  ulimit: 'map[string]string',
  userns_mode: 'string',
  uts_mode: 'string',
  volume_driver: 'string',
  volumes: 'string[]',
  work_dir: 'string',
};

const PREFIX = 'Invalid driver config:';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isNumeric = (v: unknown): boolean =>
  (typeof v === 'number' && Number.isFinite(v)) ||
  (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
const isBool = (v: unknown): boolean => typeof v === 'boolean' || v === 'true' || v === 'false';

function isDuration(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0;
  if (typeof v !== 'string') return false;
  try {
    return parseDuration(v) >= 0;
  } catch (err) {
    void err; // not a duration: reported by the caller
    return false;
  }
}

/** A map attribute may come as an object or, written as a block, as a list of one object. */
function asMap(v: unknown): Record<string, unknown> | undefined {
  if (isObject(v)) return v;
  if (Array.isArray(v) && v.every(isObject)) return Object.assign({}, ...v) as Record<string, unknown>;
  return undefined;
}

function matches(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return isNumeric(v);
    case 'bool':
      return isBool(v);
    case 'duration':
      return isDuration(v);
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'map[string]string': {
      const m = asMap(v);
      return (
        m !== undefined && Object.values(m).every((x) => ['string', 'number', 'boolean'].includes(typeof x))
      );
    }
    case 'map[string]number': {
      const m = asMap(v);
      return m !== undefined && Object.values(m).every(isNumeric);
    }
  }
}

function describe(v: unknown): string {
  const kind = v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
  return `${JSON.stringify(v)} (${kind})`;
}

function validateBlock(value: unknown, schema: Schema, path: string, errors: string[]): void {
  if (!isObject(value)) {
    errors.push(`${PREFIX} "${path}" must be a block: current value is ${describe(value)}`);
    return;
  }
  validateFields(value, schema, `${path}.`, errors);
}

function validateFields(
  config: Record<string, unknown>,
  schema: Schema,
  prefix: string,
  errors: string[],
): void {
  for (const key of Object.keys(config).sort()) {
    const spec = schema[key];
    const path = `${prefix}${key}`;
    const v = config[key];
    if (spec === undefined) {
      errors.push(`${PREFIX} unsupported argument "${path}"`);
    } else if (typeof spec !== 'string') {
      const list = Array.isArray(v) ? v : [v];
      if (!spec.repeated && list.length > 1) {
        errors.push(`${PREFIX} only one "${path}" block is allowed: found ${list.length}`);
      }
      list.forEach((item, i) =>
        validateBlock(item, spec.block, spec.repeated ? `${path}[${i}]` : path, errors),
      );
    } else if (!matches(spec, v)) {
      errors.push(`${PREFIX} "${path}" must be of type ${spec}: current value is ${describe(v)}`);
    }
  }
}

/** Every problem in a docker config block, each naming its key; [] when it is valid. */
export function validateDockerConfig(config: Record<string, unknown>): string[] {
  const errors: string[] = [];
  validateFields(config, DOCKER_CONFIG_SCHEMA, '', errors);
  const image = config['image'];
  if (image === undefined || (typeof image === 'string' && image.trim() === '')) {
    errors.push(`${PREFIX} missing required argument "image"`);
  }
  for (const key of ['pid_mode', 'ipc_mode'] as const) {
    const v = config[key];
    if (
      typeof v === 'string' &&
      !['', 'host', 'private', 'shareable'].includes(v) &&
      !v.startsWith('container:')
    ) {
      errors.push(`${PREFIX} "${key}" must be "host" or empty: current value is "${v}"`);
    }
  }
  for (const [i, m] of blocks(config['mount'] ?? config['mounts']).entries()) {
    const type = m['type'] ?? 'volume';
    if (typeof type === 'string' && !['bind', 'volume', 'tmpfs'].includes(type)) {
      errors.push(
        `${PREFIX} "mount[${i}].type" must be "bind", "volume" or "tmpfs": current value is "${type}"`,
      );
    }
    if (m['target'] === undefined || m['target'] === '') {
      errors.push(`${PREFIX} missing required argument "mount[${i}].target"`);
    }
  }
  for (const v of Array.isArray(config['volumes']) ? config['volumes'] : []) {
    if (typeof v === 'string' && !/^[^:]+:[^:]+(:[a-z,]+)?$/.test(v)) {
      errors.push(`${PREFIX} "volumes" entry "${v}" must be "host_path:container_path[:mode]"`);
    }
  }
  return errors;
}

export function blocks(v: unknown): Record<string, unknown>[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter(isObject);
}

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
export const num = (v: unknown): number => (isNumeric(v) ? Number(v) : 0);
export const bool = (v: unknown): boolean => v === true || v === 'true';
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(asMap(v) ?? {})) out[k] = String(x);
  return out;
}
export function numMap(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(asMap(v) ?? {})) out[k] = Number(x);
  return out;
}
export function durationMs(v: unknown, fallbackMs: number): number {
  if (typeof v === 'number') return v / 1e6;
  if (typeof v === 'string' && v !== '') return parseDuration(v) / 1e6;
  return fallbackMs;
}
/** A single block's fields (auth, logging), or undefined when absent. */
export function block(v: unknown): Record<string, unknown> | undefined {
  return blocks(v)[0];
}
