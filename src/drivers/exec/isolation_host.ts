/**
 * Whether this machine can isolate tasks as exec and java need: Linux, root, namespaces, util-linux's
 * unshare and setpriv, and a usable cgroup tree. Without any of them the drivers report themselves
 * undetected, with the reason, as Nomad's exec driver does.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_ROOT, cgroupProblem, detectCgroupVersion } from './cgroup.ts';
import { DEFAULT_CHROOT_ENV } from './launch_script.ts';
import type { IsolationHost } from './isolated_tasks.ts';

const BIN_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

export interface IsolationOptions {
  cgroupRoot?: string;
  /** Host directory -> path in the chroot; Nomad's default chroot_env when absent. */
  chrootEnv?: Readonly<Record<string, string>>;
}

function findBinary(name: string): string | undefined {
  for (const dir of BIN_DIRS) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch (err) {
      // Not in this directory: try the next one.
      void err;
    }
  }
  return undefined;
}

/** The host's isolation facilities, or the reason there are none. */
export function detectIsolation(opts: IsolationOptions = {}): IsolationHost | string {
  if (process.platform !== 'linux') return `Task isolation needs Linux, not "${process.platform}"`;
  if (process.getuid?.() !== 0) return 'Driver must run as root';
  for (const ns of ['pid', 'mnt', 'ipc', 'uts']) {
    if (!existsSync(`/proc/self/ns/${ns}`)) return `The kernel lacks ${ns} namespaces`;
  }
  const unsharePath = findBinary('unshare');
  const setprivPath = findBinary('setpriv');
  if (unsharePath === undefined || setprivPath === undefined) {
    return 'util-linux\'s "unshare" and "setpriv" are required';
  }
  const cgroupRoot = opts.cgroupRoot ?? CGROUP_ROOT;
  const cgroupVersion = detectCgroupVersion(cgroupRoot);
  const problem = cgroupProblem(cgroupVersion, cgroupRoot);
  if (problem !== undefined || cgroupVersion === undefined) return problem ?? 'No cgroups';
  const chrootEnv = opts.chrootEnv ?? DEFAULT_CHROOT_ENV;
  // setpriv runs inside the chroot, after it: it must be reachable there at the same path.
  const reachable = Object.entries(chrootEnv).some(
    ([src, dest]) => src === dest && (setprivPath.startsWith(`${src}/`) || realUnder(setprivPath, src)),
  );
  if (!reachable) return `"${setprivPath}" is not inside the chroot environment`;
  return { cgroupVersion, cgroupRoot, chrootEnv, unsharePath, setprivPath };
}

// /bin may be a symlink to /usr/bin (merged /usr): then /bin/setpriv is reachable through /usr.
function realUnder(path: string, dir: string): boolean {
  return path.startsWith('/usr/') && dir === '/usr';
}
