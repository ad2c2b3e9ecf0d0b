/**
 * `nomad agent` flags, Go style as Nomad's (-flag value, -flag=value, --flag; booleans bare or
 * -flag=false). The flags become one more configuration layer, merged after the files, so a flag
 * wins over a file. -config is repeatable and names files or directories.
 */
import { parseDuration } from '../lib/duration.ts';
import { NomadError } from '../lib/errors.ts';
import type { Normalized } from './config_schema.ts';

export interface AgentFlags {
  dev: boolean;
  configPaths: string[];
  /** The configuration the flags set, in the files' shape (snake_case keys). */
  layer: Normalized;
}

type FlagKind = 'bool' | 'string' | 'int' | 'list' | 'duration';

interface FlagSpec {
  kind: FlagKind;
  /** Path in the configuration tree, e.g. ['server', 'bootstrap_expect']. */
  path?: readonly string[];
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  dev: { kind: 'bool' },
  config: { kind: 'list' },
  server: { kind: 'bool', path: ['server', 'enabled'] },
  client: { kind: 'bool', path: ['client', 'enabled'] },
  'bootstrap-expect': { kind: 'int', path: ['server', 'bootstrap_expect'] },
  encrypt: { kind: 'string', path: ['server', 'encrypt'] },
  'raft-protocol': { kind: 'int', path: ['server', 'raft_protocol'] },
  rejoin: { kind: 'bool', path: ['server', 'rejoin_after_leave'] },
  join: { kind: 'list', path: ['server', 'server_join', 'start_join'] },
  'retry-join': { kind: 'list', path: ['server', 'server_join', 'retry_join'] },
  'retry-max': { kind: 'int', path: ['server', 'server_join', 'retry_max'] },
  'retry-interval': { kind: 'duration', path: ['server', 'server_join', 'retry_interval'] },
  'state-dir': { kind: 'string', path: ['client', 'state_dir'] },
  'alloc-dir': { kind: 'string', path: ['client', 'alloc_dir'] },
  'node-class': { kind: 'string', path: ['client', 'node_class'] },
  'node-pool': { kind: 'string', path: ['client', 'node_pool'] },
  servers: { kind: 'string' },
  meta: { kind: 'list' },
  'network-interface': { kind: 'string', path: ['client', 'network_interface'] },
  'network-speed': { kind: 'int', path: ['client', 'network_speed'] },
  bind: { kind: 'string', path: ['bind_addr'] },
  region: { kind: 'string', path: ['region'] },
  'data-dir': { kind: 'string', path: ['data_dir'] },
  'plugin-dir': { kind: 'string', path: ['plugin_dir'] },
  dc: { kind: 'string', path: ['datacenter'] },
  'log-level': { kind: 'string', path: ['log_level'] },
  'log-json': { kind: 'bool', path: ['log_json'] },
  node: { kind: 'string', path: ['name'] },
  'acl-enabled': { kind: 'bool', path: ['acl', 'enabled'] },
};

/** Parses `nomad agent` arguments; an unknown flag or a bad value is an error naming it. */
export function parseAgentFlags(args: readonly string[]): AgentFlags {
  const out: AgentFlags = { dev: false, configPaths: [], layer: {} };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      throw flagError(`unexpected argument "${arg}": nomad agent takes only flags`);
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = FLAGS[name];
    if (spec === undefined) throw flagError(`flag provided but not defined: -${name}`);
    let value: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    if (value === undefined && spec.kind !== 'bool') {
      value = args[++i];
      if (value === undefined) throw flagError(`flag needs an argument: -${name}`);
    }
    apply(out, name, spec, value);
  }
  return out;
}

function apply(out: AgentFlags, name: string, spec: FlagSpec, value: string | undefined): void {
  const v = convert(name, spec.kind, value);
  if (name === 'dev') out.dev = v as boolean;
  else if (name === 'config') out.configPaths.push(value!);
  else if (name === 'servers') {
    const servers = value!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    setPath(out.layer, ['client', 'servers'], servers);
  } else if (name === 'meta') {
    const eq = value!.indexOf('=');
    if (eq <= 0) throw flagError(`invalid value "${value}" for flag -meta: expected key=value`);
    setPath(out.layer, ['client', 'meta', value!.slice(0, eq)], value!.slice(eq + 1));
  } else if (spec.kind === 'list') {
    const prev = getPath(out.layer, spec.path!);
    setPath(out.layer, spec.path!, [...(Array.isArray(prev) ? (prev as string[]) : []), value!]);
  } else {
    setPath(out.layer, spec.path!, v);
  }
}

function convert(name: string, kind: FlagKind, value: string | undefined): unknown {
  switch (kind) {
    case 'bool':
      if (value === undefined || value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw flagError(`invalid boolean value "${value}" for -${name}`);
    case 'int':
      if (!/^\d+$/.test(value!))
        throw flagError(`invalid value "${value}" for flag -${name}: expected an integer`);
      return Number(value);
    case 'duration':
      try {
        parseDuration(value!);
      } catch (err) {
        throw flagError(`invalid value "${value}" for flag -${name}: expected a duration such as "30s"`, err);
      }
      return value;
    default:
      return value;
  }
}

function flagError(message: string, cause?: unknown): NomadError {
  return new NomadError('bad_request', message, cause === undefined ? undefined : { cause });
}

function getPath(tree: Normalized, path: readonly string[]): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Normalized)[key];
  }
  return node;
}

function setPath(tree: Normalized, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Normalized;
  }
  node[path[path.length - 1]!] = value;
}
