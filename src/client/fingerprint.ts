/**
 * Fingerprinting: what this machine is, as Nomad's node attributes and NodeResources. Read once at
 * start (and again for storage figures when asked); the drivers add their own attributes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statfsSync, mkdirSync } from 'node:fs';
import {
  arch,
  hostname,
  networkInterfaces,
  platform,
  release,
  totalmem,
  type NetworkInterfaceInfo,
} from 'node:os';
import { hostCpu } from '../drivers/process/host_cpu.ts';
import type { Driver } from '../drivers/driver.ts';
import type { DriverInfo, Node, NodeResources, NodeReservedResources } from '../structs/node.ts';
import {
  DEFAULT_MAX_DYNAMIC_PORT,
  DEFAULT_MIN_DYNAMIC_PORT,
  NOMAD_REVISION,
  NOMAD_VERSION,
  type ClientConfig,
} from './config.ts';

const BYTES_PER_MB = 1024 * 1024;

export interface HostNetwork {
  device: string;
  ip: string;
  mac: string;
  cidr: string;
}

/** Go's GOARCH names, which constraints in job files use. */
function goArch(a: string): string {
  return (
    (
      { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[a] ?? a
  );
}

function osRelease(): { name: string; version: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (k: string): string => new RegExp(`^${k}=("?)(.*)\\1$`, 'm').exec(text)?.[2] ?? '';
    return { name: get('ID'), version: get('VERSION_ID') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { name: platform(), version: release() };
  }
}

/** The interface to advertise: the named one, else the first non-internal IPv4, else loopback. */
export function hostNetwork(preferred?: string, devMode = false): HostNetwork {
  const all = networkInterfaces();
  const pick = (name: string, infos: NetworkInterfaceInfo[] | undefined): HostNetwork | undefined => {
    const v4 = infos?.find((i) => i.family === 'IPv4');
    return v4 === undefined
      ? undefined
      : { device: name, ip: v4.address, mac: v4.mac, cidr: `${v4.address}/32` };
  };
  if (preferred !== undefined) {
    const n = pick(preferred, all[preferred]);
    if (n !== undefined) return n;
  }
  if (!devMode) {
    for (const [name, infos] of Object.entries(all)) {
      if (infos?.some((i) => !i.internal && i.family === 'IPv4')) return pick(name, infos)!;
    }
  }
  for (const [name, infos] of Object.entries(all)) {
    if (infos?.some((i) => i.internal && i.family === 'IPv4')) return pick(name, infos)!;
  }
  return { device: 'lo', ip: '127.0.0.1', mac: '00:00:00:00:00:00', cidr: '127.0.0.1/32' };
}

/** The mount point and device holding `dir`, from /proc/mounts (longest matching mount point). */
function storageVolume(dir: string): string {
  let text = '';
  try {
    text = readFileSync('/proc/mounts', 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let best = { mount: '', device: '' };
  for (const line of text.split('\n')) {
    const [device, mount] = line.split(' ');
    if (device === undefined || mount === undefined) continue;
    const inside = dir === mount || dir.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
    if (inside && mount.length > best.mount.length) best = { mount, device };
  }
  return best.device;
}

export function storageFigures(dir: string): { bytesFree: number; bytesTotal: number; volume: string } {
  mkdirSync(dir, { recursive: true });
  const s = statfsSync(dir);
  return { bytesFree: s.bavail * s.bsize, bytesTotal: s.blocks * s.bsize, volume: storageVolume(dir) };
}

export interface HostFingerprint {
  attributes: Record<string, string>;
  resources: NodeResources;
  network: HostNetwork;
}

export function fingerprintHost(config: ClientConfig, allocDir: string): HostFingerprint {
  const cpu = hostCpu();
  const os = osRelease();
  const net = hostNetwork(config.networkInterface, config.devMode === true);
  const disk = storageFigures(allocDir);
  const mem = totalmem();
  const attributes: Record<string, string> = {
    'kernel.name': platform(),
    'kernel.version': release().split('-')[0] ?? release(),
    'kernel.arch': arch() === 'x64' ? 'x86_64' : arch(),
    'os.name': os.name,
    'os.version': os.version,
    'cpu.arch': goArch(arch()),
    'cpu.numcores': String(cpu.numCores),
    'cpu.totalcompute': String(cpu.totalMhz),
    'cpu.frequency': String(cpu.mhzPerCore),
    'cpu.modelname': cpu.modelName,
    'cpu.reservablecores': String(cpu.numCores),
    'memory.totalbytes': String(mem),
    'unique.hostname': hostname(),
    'unique.network.ip-address': net.ip,
    'unique.storage.volume': disk.volume,
    'unique.storage.bytesfree': String(disk.bytesFree),
    'unique.storage.bytestotal': String(disk.bytesTotal),
    'nomad.version': config.version ?? NOMAD_VERSION,
    'nomad.revision': config.revision ?? NOMAD_REVISION,
    'nomad.advertise.address': config.httpAddr ?? `${net.ip}:4646`,
  };
  const resources: NodeResources = {
    Cpu: {
      CpuShares: cpu.totalMhz,
      TotalCpuCores: cpu.numCores,
      ReservableCpuCores: [...Array(cpu.numCores).keys()],
    },
    Memory: { MemoryMB: Math.floor(mem / BYTES_PER_MB) },
    Disk: { DiskMB: Math.floor(disk.bytesFree / BYTES_PER_MB) },
    Networks: [{ Mode: 'host', Device: net.device, CIDR: net.cidr, IP: net.ip, MBits: 1000 }],
    NodeNetworks: [
      {
        Mode: 'host',
        Device: net.device,
        MacAddress: net.mac,
        Speed: 1000,
        Addresses: [{ Family: 'ipv4', Alias: 'default', Address: net.ip, ReservedPorts: '', Gateway: '' }],
      },
    ],
    MinDynamicPort: config.minDynamicPort ?? DEFAULT_MIN_DYNAMIC_PORT,
    MaxDynamicPort: config.maxDynamicPort ?? DEFAULT_MAX_DYNAMIC_PORT,
  };
  return { attributes, resources, network: net };
}

/** Asks every driver for its fingerprint: driver.<name> = "1" for each detected one, plus its own attributes. */
export async function fingerprintDrivers(
  drivers: readonly Driver[],
  nowIso: string,
): Promise<{ attributes: Record<string, string>; infos: Record<string, DriverInfo> }> {
  const attributes: Record<string, string> = {};
  const infos: Record<string, DriverInfo> = {};
  for (const d of drivers) {
    const fp = await d.fingerprint();
    infos[d.name] = {
      Attributes: fp.detected ? { ...fp.attributes } : null,
      Detected: fp.detected,
      Healthy: fp.healthy,
      HealthDescription: fp.healthDescription,
      UpdateTime: nowIso,
    };
    if (!fp.detected) continue;
    Object.assign(attributes, fp.attributes);
    attributes[`driver.${d.name}`] = '1';
  }
  return { attributes, infos };
}

export function reservedResources(config: ClientConfig): NodeReservedResources {
  const r = config.reserved ?? {};
  return {
    Cpu: { CpuShares: r.cpuMhz ?? 0, ReservedCpuCores: null },
    Memory: { MemoryMB: r.memoryMb ?? 0 },
    Disk: { DiskMB: r.diskMb ?? 0 },
    Networks: { ReservedHostPorts: r.reservedPorts ?? '' },
  };
}

/** Nomad's computed class: a hash of what makes nodes interchangeable for feasibility (no unique.* attributes). */
export function computedClass(
  node: Pick<Node, 'Datacenter' | 'Attributes' | 'Meta' | 'NodeClass' | 'NodePool'>,
): string {
  const attrs = Object.entries(node.Attributes)
    .filter(([k]) => !k.startsWith('unique.'))
    .sort();
  const meta = Object.entries(node.Meta)
    .filter(([k]) => !k.startsWith('unique.'))
    .sort();
  const h = createHash('sha256')
    .update(JSON.stringify([node.Datacenter, node.NodeClass, node.NodePool, attrs, meta]))
    .digest('hex');
  return `v1:${BigInt(`0x${h.slice(0, 16)}`).toString()}`;
}
