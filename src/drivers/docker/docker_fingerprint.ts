/** The docker driver's fingerprint: detected and healthy when the engine answers on its socket. */
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import type { DriverFingerprint } from '../driver.ts';
import { DockerApiError, type DockerApi } from './docker_api.ts';

/** A fingerprint must not hang the client's fingerprint loop when the engine is stuck. */
export const FINGERPRINT_TIMEOUT_MS_MAX = 5_000;

interface Version {
  Version: string;
  ApiVersion: string;
}
interface Info {
  OSType?: string;
  Runtimes?: Record<string, unknown>;
}
interface Network {
  IPAM?: { Config?: { Gateway?: string }[] | null };
  Options?: Record<string, string> | null;
}

export async function dockerFingerprint(
  api: DockerApi,
  enabled: { privileged: boolean; volumes: boolean },
): Promise<DriverFingerprint> {
  const opts = { timeoutMs: FINGERPRINT_TIMEOUT_MS_MAX };
  let version: Version;
  try {
    version = await api.json<Version>('GET', '/version', opts);
  } catch (err) {
    // No engine on the socket: not detected, as Nomad reports it.
    const reason = err instanceof DockerApiError ? err.message : (err as Error).message;
    return {
      detected: false,
      healthy: false,
      healthDescription: `Failed to connect to docker daemon at ${api.socketPath}: ${reason}`,
      attributes: {},
    };
  }
  try {
    const info = await api.json<Info>('GET', '/info', opts);
    const attributes: Record<string, string> = {
      'driver.docker': '1',
      'driver.docker.version': version.Version,
      'driver.docker.os_type': info.OSType ?? 'linux',
      'driver.docker.runtimes': Object.keys(info.Runtimes ?? {})
        .sort()
        .join(','),
    };
    if (enabled.privileged) attributes['driver.docker.privileged.enabled'] = 'true';
    if (enabled.volumes) attributes['driver.docker.volumes.enabled'] = 'true';
    const bridge = await bridgeIp(api, opts);
    if (bridge !== undefined) attributes['driver.docker.bridge_ip'] = bridge;
    return { detected: true, healthy: true, healthDescription: 'Healthy', attributes };
  } catch (err) {
    return {
      detected: true,
      healthy: false,
      healthDescription: `Docker daemon answered but failed: ${(err as Error).message}`,
      attributes: { 'driver.docker': '1', 'driver.docker.version': version.Version },
    };
  }
}

async function bridgeIp(api: DockerApi, opts: { timeoutMs: number }): Promise<string | undefined> {
  try {
    const n = await api.json<Network>('GET', '/networks/bridge', opts);
    const gateway = n.IPAM?.Config?.find((c) => c.Gateway !== undefined && c.Gateway !== '')?.Gateway;
    if (gateway !== undefined) return gateway;
    // The default bridge often leaves its gateway out: it is the address of the bridge's interface.
    const iface = n.Options?.['com.docker.network.bridge.name'];
    return iface === undefined ? undefined : await interfaceIpv4(iface);
  } catch (err) {
    // An engine without the default bridge (say, --bridge=none) has no bridge IP to report.
    if (err instanceof DockerApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** An interface's IPv4 address; os.networkInterfaces() omits interfaces without carrier (an idle docker0). */
function interfaceIpv4(name: string): Promise<string | undefined> {
  const up = networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
  if (up !== undefined) return Promise.resolve(up);
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['-4', '-o', 'addr', 'show', 'dev', name],
      { timeout: FINGERPRINT_TIMEOUT_MS_MAX },
      (err, stdout) => {
        // No iproute2, or no such interface: the attribute is left out, as when there is no bridge.
        if (err !== null) return resolve(undefined);
        resolve(/\binet (\d+\.\d+\.\d+\.\d+)/.exec(stdout)?.[1]);
      },
    );
  });
}
