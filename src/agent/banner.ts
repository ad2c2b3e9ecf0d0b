/**
 * What `nomad agent` prints around start-up, as Nomad's command/agent/command.go does: "==> " for
 * the agent's own lines, "    " for the configuration table, keys title-cased, sorted and
 * right-aligned to 18 characters.
 */
import type { AgentConfig } from './config.ts';

/** Nomad pads the configuration keys to this width. */
const KEY_PADDING = 18;

export interface BannerInfo {
  config: AgentConfig;
  /** The HTTP address actually bound (the port may have been 0 in the configuration). */
  http: { host: string; port: number };
  rpc: { host: string; port: number };
  serf: { host: string; port: number };
  /** The server's node ID; shown only when the agent runs a server. */
  serverNodeId: string;
  version: string;
}

export function loadedLine(files: readonly string[]): string {
  return files.length > 0
    ? `==> Loaded configuration from ${files.join(', ')}`
    : '==> No configuration files loaded';
}

function addr(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** The address others should use: the advertise setting, else the bind address (loopback for 0.0.0.0 in -dev). */
export function advertised(advertise: string, bound: { host: string; port: number }): string {
  if (advertise !== '') return advertise.includes(':') ? advertise : `${advertise}:${bound.port}`;
  const host = bound.host === '0.0.0.0' || bound.host === '::' ? '127.0.0.1' : bound.host;
  return addr({ host, port: bound.port });
}

export function bannerLines(info: BannerInfo): string[] {
  const c = info.config;
  const server = c.server.enabled;
  const advertise = [`HTTP: ${advertised(c.advertise.http, info.http)}`];
  const bind = [`HTTP: [${addr(info.http)}]`];
  if (server) {
    advertise.push(
      `RPC: ${advertised(c.advertise.rpc, info.rpc)}`,
      `Serf: ${advertised(c.advertise.serf, info.serf)}`,
    );
    bind.push(`RPC: ${addr(info.rpc)}`, `Serf: ${addr(info.serf)}`);
  }
  const rows: Record<string, string> = {
    'advertise addrs': advertise.join('; '),
    'bind addrs': bind.join('; '),
    client: String(c.client.enabled),
    'log level': c.logLevel,
    region: `${c.region} (DC: ${c.datacenter})`,
    server: String(server),
    version: info.version,
  };
  if (server) rows['node id'] = info.serverNodeId;
  const lines = ['==> Nomad agent configuration:', ''];
  for (const key of Object.keys(rows).sort()) {
    const title = key.replace(/\b\w/g, (ch) => ch.toUpperCase());
    lines.push(`    ${' '.repeat(KEY_PADDING - key.length)}${title}: ${rows[key]}`);
  }
  lines.push('', '==> Nomad agent started! Log data will stream in below:', '');
  return lines;
}
