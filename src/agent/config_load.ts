/**
 * Loads the agent's configuration in Nomad's order: defaults, then -dev's settings, then each
 * -config path in the order given (a directory contributes its *.hcl and *.json files sorted by
 * name), then the flags. Later layers win; maps merge key by key; the join and server lists
 * append, as Nomad's Config.Merge does. Every file is checked whole before anything starts: an
 * unknown key or a bad value is an error naming the file and the key.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { MultiError, NomadError } from '../lib/errors.ts';
import { buildConfig } from './config.ts';
import type { AgentConfig } from './config.ts';
import { normalizeConfig } from './config_schema.ts';
import type { Normalized } from './config_schema.ts';
import { parseAgentFlags } from './flags.ts';
import { parseHclInChild } from './hcl_child.ts';

/** A configuration file larger than this is refused: agent files are a few KiB. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** The most files one -config directory may contribute. */
export const MAX_CONFIG_DIR_FILES = 256;

/** Keys whose lists add up across layers rather than replace (Nomad: servers, start/retry join). */
const APPEND_KEYS = new Set(['servers', 'start_join', 'retry_join', 'enabled_schedulers']);

/** What -dev sets (Nomad's DevConfig): server and client in one process on loopback. */
export function devLayer(): Normalized {
  return {
    __dev: true,
    bind_addr: '127.0.0.1',
    log_level: 'DEBUG',
    enable_debug: true,
    server: { enabled: true, bootstrap_expect: 1 },
    client: {
      enabled: true,
      options: { 'driver.raw_exec.enable': 'true', 'driver.docker.volumes': 'true' },
    },
    telemetry: { prometheus_metrics: true, publish_allocation_metrics: true, publish_node_metrics: true },
  };
}

/** Merges b over a: later wins for scalars, objects merge, APPEND_KEYS lists concatenate. */
export function mergeLayers(a: Normalized, b: Normalized): Normalized {
  const out: Normalized = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (APPEND_KEYS.has(k) && Array.isArray(prev) && Array.isArray(v)) out[k] = [...prev, ...v];
    else if (isRecord(prev) && isRecord(v)) out[k] = mergeLayers(prev as Normalized, v as Normalized);
    else out[k] = v;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses one file's text (HCL, or JSON for *.json) into a checked tree. */
export async function parseConfigText(file: string, text: string): Promise<Normalized> {
  let raw: unknown;
  try {
    if (file.endsWith('.json')) raw = JSON.parse(text);
    else {
      // In a child process: the WebAssembly HCL parser's memory would otherwise stay with the agent.
      raw = await parseHclInChild(file, text);
    }
  } catch (err) {
    throw new NomadError(
      'bad_request',
      `Error loading configuration from ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const { value, errors } = normalizeConfig(raw);
  if (errors.length > 0) {
    throw new NomadError(
      'bad_request',
      `Error loading configuration from ${file}: ${MultiError.format(errors)}`,
    );
  }
  return value;
}

async function filesOf(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new NomadError(
      'bad_request',
      `Error loading configuration from ${path}: no such file or directory`,
      {
        cause: err,
      },
    );
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((d) => d.isFile() && (d.name.endsWith('.hcl') || d.name.endsWith('.json')))
    .map((d) => d.name)
    .filter((n) => !n.endsWith('~') && !n.startsWith('.#'))
    .sort();
  if (names.length > MAX_CONFIG_DIR_FILES) {
    throw new NomadError(
      'bad_request',
      `Configuration directory ${path} has ${names.length} files: the limit is ${MAX_CONFIG_DIR_FILES}`,
    );
  }
  return names.map((n) => join(path, n));
}

async function loadFile(file: string): Promise<Normalized> {
  const info = await stat(file);
  if (info.size > MAX_CONFIG_FILE_BYTES) {
    throw new NomadError(
      'bad_request',
      `Error loading configuration from ${file}: larger than ${MAX_CONFIG_FILE_BYTES} bytes`,
    );
  }
  return parseConfigText(file, await readFile(file, 'utf8'));
}

export interface LoadOptions {
  hostname?: string;
  cpuCount?: number;
}

/** The agent's configuration from its command-line arguments; rejects naming what is wrong. */
export async function loadAgentConfig(args: readonly string[], opts: LoadOptions = {}): Promise<AgentConfig> {
  const flags = parseAgentFlags(args);
  let merged: Normalized = flags.dev ? devLayer() : {};
  const files: string[] = [];
  for (const path of flags.configPaths) {
    for (const file of await filesOf(path)) {
      merged = mergeLayers(merged, await loadFile(file));
      files.push(file);
    }
  }
  const fromFlags = normalizeConfig(flags.layer);
  if (fromFlags.errors.length > 0) {
    throw new NomadError('bad_request', `Invalid command-line flags: ${MultiError.format(fromFlags.errors)}`);
  }
  merged = mergeLayers(merged, fromFlags.value);
  const config = buildConfig(merged, files, {
    hostname: opts.hostname ?? hostname(),
    cpuCount: opts.cpuCount ?? cpus().length,
  });
  checkConfig(config);
  return config;
}

/** Checks that span keys, after merging (Nomad's command.go isValidConfig). */
export function checkConfig(c: AgentConfig): void {
  const errors: string[] = [];
  if (!c.server.enabled && !c.client.enabled)
    errors.push('Must specify either server, client or dev mode for the agent.');
  if (c.server.bootstrapExpect > 0 && !c.server.enabled) {
    errors.push('Bootstrap requires server mode to be enabled');
  }
  if (c.client.minDynamicPort > c.client.maxDynamicPort) {
    errors.push(
      `"client.min_dynamic_port" (${c.client.minDynamicPort}) must be less than "client.max_dynamic_port" (${c.client.maxDynamicPort})`,
    );
  }
  if (c.client.enabled && !c.server.enabled && c.client.servers.length === 0 && c.server.join.length === 0) {
    errors.push('Client mode needs servers: set "client.servers" or -servers');
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(c.region))
    errors.push(`"region" must be letters, digits, "-", "_" or ".": got "${c.region}"`);
  if (!/^[A-Za-z0-9_.-]+$/.test(c.datacenter)) {
    errors.push(`"datacenter" must be letters, digits, "-", "_" or ".": got "${c.datacenter}"`);
  }
  if (errors.length > 0) throw new MultiError(errors, 'bad_request');
}
