/** The client agent's configuration: what `client { ... }` and -dev give it. */
import type { Clock } from '../lib/clock.ts';
import type { IdSource } from '../lib/random.ts';
import type { Driver } from '../drivers/driver.ts';
import { RawExecDriver } from '../drivers/raw_exec/raw_exec_driver.ts';
import { MockDriver } from '../drivers/mock/mock_driver.ts';
import type { ServerRpc } from './server_rpc.ts';
import type { ClientStateStore } from './state_db.ts';
import type { HostFingerprint } from './fingerprint.ts';

export interface ClientLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ReservedConfig {
  cpuMhz: number;
  memoryMb: number;
  diskMb: number;
  /** e.g. "22,80,8000-8100" */
  reservedPorts: string;
}

export interface HostVolumeConfig {
  name: string;
  path: string;
  readOnly: boolean;
}

export interface ClientConfig {
  /** Agent data dir; the node ID lives in <dataDir>/client/client-id, state in <dataDir>/client/state.mdb. */
  dataDir: string;
  /** Where allocation directories go; default <dataDir>/alloc. */
  allocDir?: string;
  servers: ServerRpc;
  /** The drivers this client offers; see defaultDrivers(). */
  drivers: Driver[];
  /** -dev: a random node ID each start, in-memory-friendly defaults. */
  devMode?: boolean;
  region?: string;
  datacenter?: string;
  nodeName?: string;
  nodeClass?: string;
  nodePool?: string;
  meta?: Record<string, string>;
  reserved?: Partial<ReservedConfig>;
  /** client.options: e.g. "driver.raw_exec.enable" = "1". */
  options?: Record<string, string>;
  hostVolumes?: HostVolumeConfig[];
  /** The address other agents reach this node's HTTP API at. */
  httpAddr?: string;
  /** Network interface to fingerprint; default: the first non-loopback one (loopback in -dev). */
  networkInterface?: string;
  minDynamicPort?: number;
  maxDynamicPort?: number;
  /** Nomad's client `env.denylist` default applies when unset. */
  envDenylist?: string[];
  clock?: Clock;
  ids?: IdSource;
  logger?: ClientLogger;
  /** How often the alloc update batch is flushed (Nomad: 200 ms). */
  allocUpdateFlushMs?: number;
  /**
   * client.gc_max_allocs: past this many allocations on the client, the oldest terminal ones are
   * garbage-collected (directory and local state). Default DEFAULT_GC_MAX_ALLOCS.
   */
  gcMaxAllocs?: number;
  version?: string;
  revision?: string;
  /**
   * For the simulator, which runs many clients in one process on simulated time and must not touch
   * the disk: the node's ID and secret (instead of <dataDir>/client/client-id and secret-id), its
   * host fingerprint (instead of reading this machine), where local state lives (instead of LMDB
   * in the data dir), and diskless: no allocation directories or log files. `ids`, when given,
   * seeds the restart jitter of each allocation.
   */
  nodeIdentity?: { id: string; secretId: string };
  hostFingerprint?: HostFingerprint;
  stateStore?: ClientStateStore;
  diskless?: boolean;
}

export const DEFAULT_MIN_DYNAMIC_PORT = 20000;
/** Nomad's client gc_max_allocs default. */
export const DEFAULT_GC_MAX_ALLOCS = 50;
export const DEFAULT_MAX_DYNAMIC_PORT = 32000;
export const NOMAD_VERSION = '1.4.0';
export const NOMAD_REVISION = 'nomad-ts';

/** Nomad's default client env.denylist: agent secrets never reach tasks. */
export const DEFAULT_ENV_DENYLIST = [
  'CONSUL_TOKEN',
  'CONSUL_HTTP_TOKEN',
  'CONSUL_LICENSE',
  'VAULT_TOKEN',
  'VAULT_LICENSE',
  'NOMAD_TOKEN',
  'NOMAD_LICENSE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'GOOGLE_APPLICATION_CREDENTIALS',
];

const truthy = (v: string | undefined): boolean =>
  v !== undefined && ['1', 'true', 't', 'yes'].includes(v.toLowerCase());

/**
 * The built-in drivers this client can offer by itself: raw_exec (on with -dev or when
 * `driver.raw_exec.enable` / plugin "raw_exec" { config { enabled = true } } says so) and mock_driver
 * (when `driver.mock_driver.enable` is set: for tests). The agent adds docker, exec and java.
 */
export function defaultDrivers(opts: {
  devMode?: boolean;
  options?: Record<string, string>;
  rawExecPluginEnabled?: boolean;
  clock?: Clock;
}): Driver[] {
  const o = opts.options ?? {};
  const rawExec =
    opts.devMode === true || opts.rawExecPluginEnabled === true || truthy(o['driver.raw_exec.enable']);
  const out: Driver[] = [new RawExecDriver({ enabled: rawExec })];
  if (truthy(o['driver.mock_driver.enable']))
    out.push(new MockDriver(opts.clock === undefined ? {} : { clock: opts.clock }));
  return out;
}

export const realClock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return t as unknown as ReturnType<Clock['setTimer']>;
  },
  clearTimer: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
};

export const consoleLogger: ClientLogger = {
  debug: () => undefined,
  info: (m, f) => console.log(`[INFO]  client: ${m}${f === undefined ? '' : ` ${JSON.stringify(f)}`}`),
  warn: (m, f) => console.warn(`[WARN]  client: ${m}${f === undefined ? '' : ` ${JSON.stringify(f)}`}`),
  error: (m, f) => console.error(`[ERROR] client: ${m}${f === undefined ? '' : ` ${JSON.stringify(f)}`}`),
};
