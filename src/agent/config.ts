/**
 * The agent's configuration, typed, with Nomad's defaults (command/agent/config.go DefaultConfig and
 * DevConfig): region "global", datacenter "dc1", ports 4646/4647/4648, bind 0.0.0.0 (127.0.0.1 in
 * -dev), log level INFO (DEBUG in -dev). Built from the merged files and the flags by config_load.ts.
 */
import { parseDuration } from '../lib/duration.ts';
import type { Normalized } from './config_schema.ts';
import { AUTOPILOT_DEFAULTS, type AutopilotConfig } from '../server/cluster_state_machine.ts';

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'OFF';

export interface Ports {
  http: number;
  rpc: number;
  serf: number;
}

export interface AddressTriple {
  http: string;
  rpc: string;
  serf: string;
}

export interface ServerSection {
  enabled: boolean;
  bootstrapExpect: number;
  /** Addresses to join at start (server_join.start_join / retry_join, start_join, retry_join). */
  join: string[];
  retryMax: number;
  retryIntervalMs: number;
  numSchedulers: number;
  enabledSchedulers: string[];
  dataDir: string;
  encrypt: string;
  heartbeatGraceMs: number;
  minHeartbeatTtlMs: number;
  jobGcThresholdMs: number;
  evalGcThresholdMs: number;
  nodeGcThresholdMs: number;
  deploymentGcThresholdMs: number;
  /** Everything else as the file said it, for the server to read (raft_multiplier, ...). */
  extra: Normalized;
}

export interface HostVolumeSection {
  name: string;
  path: string;
  readOnly: boolean;
}

export interface ClientSection {
  enabled: boolean;
  stateDir: string;
  allocDir: string;
  servers: string[];
  nodeClass: string;
  nodePool: string;
  meta: Record<string, string>;
  options: Record<string, string>;
  reserved: { cpuMhz: number; cores: string; memoryMb: number; diskMb: number; reservedPorts: string };
  hostVolumes: HostVolumeSection[];
  networkInterface: string;
  minDynamicPort: number;
  maxDynamicPort: number;
  maxKillTimeoutMs: number;
  extra: Normalized;
}

export interface PluginSection {
  name: string;
  config: Record<string, unknown>;
}

export interface AgentConfig {
  devMode: boolean;
  name: string;
  region: string;
  datacenter: string;
  /** '' = in-memory state (dev mode, or no data_dir given). */
  dataDir: string;
  pluginDir: string;
  bindAddr: string;
  ports: Ports;
  addresses: AddressTriple;
  advertise: AddressTriple;
  server: ServerSection;
  client: ClientSection;
  plugins: PluginSection[];
  logLevel: LogLevel;
  logJson: boolean;
  leaveOnInterrupt: boolean;
  leaveOnTerminate: boolean;
  enableDebug: boolean;
  acl: { enabled: boolean };
  tls: { http: boolean; rpc: boolean; caFile: string; certFile: string; keyFile: string };
  telemetry: {
    prometheusMetrics: boolean;
    publishAllocationMetrics: boolean;
    publishNodeMetrics: boolean;
    collectionIntervalMs: number;
    disableHostname: boolean;
  };
  httpApiResponseHeaders: Record<string, string>;
  /** The autopilot block: the cluster's initial autopilot settings (operator autopilot set-config overrides). */
  autopilot: AutopilotConfig;
  /** The files read, in order, for the banner ("Loaded configuration from ..."). */
  files: string[];
}

export const DEFAULT_PORTS: Readonly<Ports> = { http: 4646, rpc: 4647, serf: 4648 };
export const DEFAULT_REGION = 'global';
export const DEFAULT_DATACENTER = 'dc1';

const str = (v: unknown, d: string): string => (typeof v === 'string' ? v : d);
const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const map = (v: unknown): Record<string, string> => (isRecord(v) ? (v as Record<string, string>) : {});
const ms = (v: unknown, dMs: number): number => (typeof v === 'string' ? parseDuration(v) / 1e6 : dMs);
const sub = (v: unknown): Normalized => (isRecord(v) ? (v as Normalized) : {});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function without(n: Normalized, keys: readonly string[]): Normalized {
  const out: Normalized = {};
  for (const [k, v] of Object.entries(n)) if (!keys.includes(k)) out[k] = v;
  return out;
}

const SERVER_TYPED = [
  'enabled',
  'bootstrap_expect',
  'server_join',
  'start_join',
  'retry_join',
  'retry_max',
  'retry_interval',
  'num_schedulers',
  'enabled_schedulers',
  'data_dir',
  'encrypt',
  'heartbeat_grace',
  'min_heartbeat_ttl',
  'job_gc_threshold',
  'eval_gc_threshold',
  'node_gc_threshold',
  'deployment_gc_threshold',
];

function serverSection(n: Normalized, defaultSchedulers: number): ServerSection {
  const join = sub(n['server_join']);
  return {
    enabled: bool(n['enabled'], false),
    bootstrapExpect: num(n['bootstrap_expect'], 0),
    join: [
      ...list(join['start_join']),
      ...list(join['retry_join']),
      ...list(n['start_join']),
      ...list(n['retry_join']),
    ],
    retryMax: num(join['retry_max'] ?? n['retry_max'], 0),
    retryIntervalMs: ms(join['retry_interval'] ?? n['retry_interval'], 30_000),
    numSchedulers: num(n['num_schedulers'], defaultSchedulers),
    enabledSchedulers: list(n['enabled_schedulers']).length
      ? list(n['enabled_schedulers'])
      : ['service', 'batch', 'system', 'sysbatch', '_core'],
    dataDir: str(n['data_dir'], ''),
    encrypt: str(n['encrypt'], ''),
    heartbeatGraceMs: ms(n['heartbeat_grace'], 10_000),
    minHeartbeatTtlMs: ms(n['min_heartbeat_ttl'], 10_000),
    jobGcThresholdMs: ms(n['job_gc_threshold'], 4 * 3600_000),
    evalGcThresholdMs: ms(n['eval_gc_threshold'], 3600_000),
    nodeGcThresholdMs: ms(n['node_gc_threshold'], 24 * 3600_000),
    deploymentGcThresholdMs: ms(n['deployment_gc_threshold'], 3600_000),
    extra: without(n, SERVER_TYPED),
  };
}

const CLIENT_TYPED = [
  'enabled',
  'state_dir',
  'alloc_dir',
  'servers',
  'node_class',
  'node_pool',
  'meta',
  'options',
  'reserved',
  'host_volume',
  'network_interface',
  'min_dynamic_port',
  'max_dynamic_port',
  'max_kill_timeout',
];

function clientSection(n: Normalized): ClientSection {
  const reserved = sub(n['reserved']);
  const volumes = sub(n['host_volume']);
  return {
    enabled: bool(n['enabled'], false),
    stateDir: str(n['state_dir'], ''),
    allocDir: str(n['alloc_dir'], ''),
    servers: list(n['servers']),
    nodeClass: str(n['node_class'], ''),
    nodePool: str(n['node_pool'], 'default'),
    meta: map(n['meta']),
    options: map(n['options']),
    reserved: {
      cpuMhz: num(reserved['cpu'], 0),
      cores: str(reserved['cores'], ''),
      memoryMb: num(reserved['memory'], 0),
      diskMb: num(reserved['disk'], 0),
      reservedPorts: str(reserved['reserved_ports'], ''),
    },
    hostVolumes: Object.entries(volumes).map(([name, v]) => {
      const body = sub(v);
      return { name, path: str(body['path'], ''), readOnly: bool(body['read_only'], false) };
    }),
    networkInterface: str(n['network_interface'], ''),
    minDynamicPort: num(n['min_dynamic_port'], 20000),
    maxDynamicPort: num(n['max_dynamic_port'], 32000),
    maxKillTimeoutMs: ms(n['max_kill_timeout'], 30_000),
    extra: without(n, CLIENT_TYPED),
  };
}

function autopilotSection(n: Normalized): AutopilotConfig {
  const d = AUTOPILOT_DEFAULTS;
  return {
    ...d,
    cleanupDeadServers: bool(n['cleanup_dead_servers'], d.cleanupDeadServers),
    lastContactThresholdMs: ms(n['last_contact_threshold'], d.lastContactThresholdMs),
    maxTrailingLogs: num(n['max_trailing_logs'], d.maxTrailingLogs),
    minQuorum: num(n['min_quorum'], d.minQuorum),
    serverStabilizationTimeMs: ms(n['server_stabilization_time'], d.serverStabilizationTimeMs),
    enableRedundancyZones: bool(n['enable_redundancy_zones'], d.enableRedundancyZones),
    disableUpgradeMigration: bool(n['disable_upgrade_migration'], d.disableUpgradeMigration),
    enableCustomUpgrades: bool(n['enable_custom_upgrades'], d.enableCustomUpgrades),
  };
}

export interface BuildDefaults {
  hostname: string;
  cpuCount: number;
}

/** The typed configuration of a merged, validated tree (see config_load.ts for the order). */
export function buildConfig(n: Normalized, files: string[], d: BuildDefaults): AgentConfig {
  const dev = n['__dev'] === true;
  const ports = sub(n['ports']);
  const addresses = sub(n['addresses']);
  const advertise = sub(n['advertise']);
  const tls = sub(n['tls']);
  const telemetry = sub(n['telemetry']);
  const bindAddr = str(n['bind_addr'], dev ? '127.0.0.1' : '0.0.0.0');
  return {
    devMode: dev,
    name: str(n['name'], d.hostname),
    region: str(n['region'], DEFAULT_REGION),
    datacenter: str(n['datacenter'], DEFAULT_DATACENTER),
    dataDir: str(n['data_dir'], ''),
    pluginDir: str(n['plugin_dir'], ''),
    bindAddr,
    ports: {
      http: num(ports['http'], DEFAULT_PORTS.http),
      rpc: num(ports['rpc'], DEFAULT_PORTS.rpc),
      serf: num(ports['serf'], DEFAULT_PORTS.serf),
    },
    addresses: {
      http: str(addresses['http'], bindAddr),
      rpc: str(addresses['rpc'], bindAddr),
      serf: str(addresses['serf'], bindAddr),
    },
    advertise: {
      http: str(advertise['http'], ''),
      rpc: str(advertise['rpc'], ''),
      serf: str(advertise['serf'], ''),
    },
    server: serverSection(sub(n['server']), d.cpuCount),
    client: clientSection(sub(n['client'])),
    plugins: Object.entries(sub(n['plugin'])).map(([name, v]) => ({ name, config: sub(sub(v)['config']) })),
    logLevel: str(n['log_level'], dev ? 'DEBUG' : 'INFO').toUpperCase() as LogLevel,
    logJson: bool(n['log_json'], false),
    leaveOnInterrupt: bool(n['leave_on_interrupt'], false),
    leaveOnTerminate: bool(n['leave_on_terminate'], false),
    enableDebug: bool(n['enable_debug'], dev),
    acl: { enabled: bool(sub(n['acl'])['enabled'], false) },
    tls: {
      http: bool(tls['http'], false),
      rpc: bool(tls['rpc'], false),
      caFile: str(tls['ca_file'], ''),
      certFile: str(tls['cert_file'], ''),
      keyFile: str(tls['key_file'], ''),
    },
    telemetry: {
      prometheusMetrics: bool(telemetry['prometheus_metrics'], dev),
      publishAllocationMetrics: bool(telemetry['publish_allocation_metrics'], dev),
      publishNodeMetrics: bool(telemetry['publish_node_metrics'], dev),
      collectionIntervalMs: ms(telemetry['collection_interval'], 1000),
      disableHostname: bool(telemetry['disable_hostname'], false),
    },
    httpApiResponseHeaders: map(n['http_api_response_headers']),
    autopilot: autopilotSection(sub(n['autopilot'])),
    files,
  };
}
