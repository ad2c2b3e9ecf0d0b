/**
 * The schema of agent configuration files, and the check that holds a file to it. A file (HCL as
 * hcl2json renders it, or JSON) is walked against the schema: every key must be known and every
 * value of the right type, and each problem names the key's full path ("server.bootstrap_expect").
 * The result is a normalized tree (blocks as plain objects, labeled blocks as records) that the
 * loader merges file after file.
 */
import { parseDuration } from '../lib/duration.ts';

export type FieldSchema =
  | { t: 'string'; oneOf?: readonly string[] }
  | { t: 'int'; min?: number; max?: number }
  | { t: 'float'; min?: number; max?: number }
  | { t: 'bool' }
  | { t: 'duration' }
  | { t: 'strings' }
  | { t: 'stringMap' }
  | { t: 'block'; fields: Readonly<Record<string, FieldSchema>> }
  | { t: 'labeled'; fields: Readonly<Record<string, FieldSchema>> }
  | { t: 'any' };

export type Normalized = { [key: string]: NormalizedValue };
export type NormalizedValue = string | number | boolean | string[] | Normalized | unknown;

const S: FieldSchema = { t: 'string' };
const I: FieldSchema = { t: 'int', min: 0 };
const B: FieldSchema = { t: 'bool' };
const D: FieldSchema = { t: 'duration' };
const L: FieldSchema = { t: 'strings' };
const M: FieldSchema = { t: 'stringMap' };
const ANY: FieldSchema = { t: 'any' };
const PORT: FieldSchema = { t: 'int', min: 0, max: 65535 };
const PCT: FieldSchema = { t: 'float', min: 0, max: 100 };
const block = (fields: Record<string, FieldSchema>): FieldSchema => ({ t: 'block', fields });

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'OFF'] as const;

const addrTriple = block({ http: S, rpc: S, serf: S });
const serverJoin = block({ start_join: L, retry_join: L, retry_max: I, retry_interval: D });

const serverSchema = block({
  enabled: B,
  bootstrap_expect: { t: 'int', min: 0, max: 7 },
  server_join: serverJoin,
  start_join: L,
  retry_join: L,
  retry_max: I,
  retry_interval: D,
  rejoin_after_leave: B,
  num_schedulers: { t: 'int', min: 0, max: 256 },
  enabled_schedulers: L,
  data_dir: S,
  authoritative_region: S,
  protocol_version: I,
  raft_protocol: { t: 'int', min: 2, max: 3 },
  raft_multiplier: { t: 'int', min: 1, max: 10 },
  node_gc_threshold: D,
  job_gc_interval: D,
  job_gc_threshold: D,
  eval_gc_threshold: D,
  batch_eval_gc_threshold: D,
  deployment_gc_threshold: D,
  heartbeat_grace: D,
  min_heartbeat_ttl: D,
  max_heartbeats_per_second: { t: 'float', min: 0 },
  failover_heartbeat_ttl: D,
  non_voting_server: B,
  redundancy_zone: S,
  upgrade_version: S,
  encrypt: S,
  default_scheduler_config: ANY,
  enable_event_broker: B,
  event_buffer_size: I,
  license_path: S,
  job_default_priority: { t: 'int', min: 1, max: 100 },
  job_max_priority: { t: 'int', min: 1, max: 32766 },
  job_max_count: I,
  job_tracked_versions: { t: 'int', min: 1, max: 1000 },
  raft_snapshot_threshold: I,
  raft_snapshot_interval: D,
  raft_trailing_logs: I,
  search: ANY,
});

const clientSchema = block({
  enabled: B,
  state_dir: S,
  alloc_dir: S,
  servers: L,
  server_join: serverJoin,
  node_class: S,
  node_pool: S,
  options: M,
  meta: M,
  chroot_env: M,
  network_interface: S,
  network_speed: I,
  cpu_total_compute: I,
  memory_total_mb: I,
  disk_total_mb: I,
  disk_free_mb: I,
  reservable_cores: S,
  max_kill_timeout: D,
  min_dynamic_port: PORT,
  max_dynamic_port: PORT,
  reserved: block({ cpu: I, cores: S, memory: I, disk: I, reserved_ports: S }),
  gc_interval: D,
  gc_parallel_destroys: I,
  gc_disk_usage_threshold: PCT,
  gc_inode_usage_threshold: PCT,
  gc_max_allocs: I,
  no_host_uuid: B,
  disable_remote_exec: B,
  template: ANY,
  host_volume: { t: 'labeled', fields: { path: S, read_only: B } },
  host_network: ANY,
  cni_path: S,
  cni_config_dir: S,
  bridge_network_name: S,
  bridge_network_subnet: S,
  cgroup_parent: S,
  artifact: ANY,
  drain_on_shutdown: block({ deadline: D, force: B, ignore_system_jobs: B }),
  node_max_allocs: I,
});

/** The whole agent file: Nomad's top-level keys. Blocks we accept but do not act on are ANY. */
export const AGENT_SCHEMA: Readonly<Record<string, FieldSchema>> = {
  name: S,
  region: S,
  datacenter: S,
  data_dir: S,
  plugin_dir: S,
  log_level: { t: 'string', oneOf: LOG_LEVELS },
  log_json: B,
  log_file: S,
  log_include_location: B,
  log_rotate_duration: D,
  log_rotate_bytes: I,
  log_rotate_max_files: I,
  bind_addr: S,
  enable_debug: B,
  ports: block({ http: PORT, rpc: PORT, serf: PORT }),
  addresses: addrTriple,
  advertise: addrTriple,
  server: serverSchema,
  client: clientSchema,
  plugin: { t: 'labeled', fields: { config: ANY, args: L } },
  leave_on_interrupt: B,
  leave_on_terminate: B,
  enable_syslog: B,
  syslog_facility: S,
  disable_update_check: B,
  disable_anonymous_signature: B,
  acl: block({
    enabled: B,
    token_ttl: D,
    policy_ttl: D,
    role_ttl: D,
    replication_token: S,
    token_min_expiration_ttl: D,
    token_max_expiration_ttl: D,
  }),
  tls: block({
    http: B,
    rpc: B,
    ca_file: S,
    cert_file: S,
    key_file: S,
    verify_server_hostname: B,
    verify_https_client: B,
    rpc_upgrade_mode: B,
    tls_min_version: S,
    tls_cipher_suites: S,
    tls_prefer_server_cipher_suites: B,
  }),
  telemetry: block({
    collection_interval: D,
    in_memory_collection_interval: D,
    in_memory_retention_period: D,
    use_node_name: B,
    disable_hostname: B,
    publish_allocation_metrics: B,
    publish_node_metrics: B,
    prometheus_metrics: B,
    statsite_address: S,
    statsd_address: S,
    datadog_address: S,
    datadog_tags: L,
    prefix_filter: L,
    filter_default: B,
    disable_dispatched_job_summary_metrics: B,
  }),
  ui: ANY,
  consul: ANY,
  vault: ANY,
  limits: ANY,
  autopilot: block({
    cleanup_dead_servers: B,
    last_contact_threshold: D,
    max_trailing_logs: I,
    min_quorum: I,
    server_stabilization_time: D,
    enable_redundancy_zones: B,
    disable_upgrade_migration: B,
    enable_custom_upgrades: B,
  }),
  http_api_response_headers: M,
};

/** Checks one file's tree against the schema; returns the normalized tree and every problem found. */
export function normalizeConfig(raw: unknown): { value: Normalized; errors: string[] } {
  const errors: string[] = [];
  const value = normalizeBlock(raw, AGENT_SCHEMA, '', errors);
  return { value, errors };
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** hcl2json renders a block as a list of bodies; JSON files may use a plain object. Merge them. */
function blockBodies(raw: unknown, path: string, errors: string[]): Record<string, unknown>[] {
  if (isRecord(raw)) return [raw];
  if (Array.isArray(raw) && raw.every(isRecord)) return raw;
  errors.push(`"${path}" must be a block`);
  return [];
}

function normalizeBlock(
  raw: unknown,
  fields: Readonly<Record<string, FieldSchema>>,
  path: string,
  errors: string[],
): Normalized {
  const out: Normalized = {};
  const bodies = path === '' && isRecord(raw) ? [raw] : blockBodies(raw, path, errors);
  for (const body of bodies) {
    for (const [key, v] of Object.entries(body)) {
      const schema = fields[key];
      const at = join(path, key);
      if (schema === undefined) {
        errors.push(`unknown key "${at}"`);
        continue;
      }
      const n = normalizeValue(v, schema, at, errors);
      if (n !== undefined) out[key] = n;
    }
  }
  return out;
}

function normalizeValue(
  v: unknown,
  schema: FieldSchema,
  at: string,
  errors: string[],
): NormalizedValue | undefined {
  switch (schema.t) {
    case 'block':
      return normalizeBlock(v, schema.fields, at, errors);
    case 'labeled': {
      if (!isRecord(v)) {
        errors.push(`"${at}" must be a labeled block, as ${at} "<name>" { ... }`);
        return undefined;
      }
      const out: Normalized = {};
      for (const [label, body] of Object.entries(v)) {
        out[label] = normalizeBlock(body, schema.fields, `${at}.${label}`, errors);
      }
      return out;
    }
    case 'any':
      return Array.isArray(v) && v.length === 1 ? v[0] : v;
    default:
      return scalar(v, schema, at, errors);
  }
}

function scalar(v: unknown, schema: FieldSchema, at: string, errors: string[]): NormalizedValue | undefined {
  const bad = (want: string): undefined => {
    errors.push(`"${at}" must be ${want}: got ${JSON.stringify(v)}`);
    return undefined;
  };
  switch (schema.t) {
    case 'string': {
      if (typeof v !== 'string') return bad('a string');
      if (schema.oneOf !== undefined && !schema.oneOf.includes(v.toUpperCase())) {
        return bad(`one of ${schema.oneOf.join(', ')}`);
      }
      return v;
    }
    case 'int':
    case 'float': {
      const n = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return bad(schema.t === 'int' ? 'an integer' : 'a number');
      if (schema.t === 'int' && !Number.isInteger(n)) return bad('an integer');
      if (schema.min !== undefined && n < schema.min) return bad(`at least ${schema.min}`);
      if (schema.max !== undefined && n > schema.max) return bad(`at most ${schema.max}`);
      return n;
    }
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      return bad('true or false');
    case 'duration':
      if (typeof v !== 'string') return bad('a duration such as "30s"');
      try {
        parseDuration(v);
      } catch {
        return bad('a duration such as "30s"');
      }
      return v;
    case 'strings':
      if (typeof v === 'string') return [v];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return bad('a list of strings');
      return v;
    case 'stringMap': {
      const bodies = Array.isArray(v) ? v : [v];
      const out: Record<string, string> = {};
      for (const body of bodies) {
        if (!isRecord(body)) return bad('a map of strings');
        for (const [k, x] of Object.entries(body)) {
          if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
          else return bad(`a map of strings (key "${k}")`);
        }
      }
      return out;
    }
    default:
      return v;
  }
}
