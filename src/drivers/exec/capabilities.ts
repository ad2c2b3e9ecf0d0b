/**
 * Linux capabilities for isolated tasks: Nomad's default set for exec and java, adjusted by the task's
 * cap_add and cap_drop ("all" allowed in either). Names are accepted as "net_raw" or "CAP_NET_RAW".
 */

export const LINUX_CAPABILITIES: readonly string[] = [
  'audit_control',
  'audit_read',
  'audit_write',
  'block_suspend',
  'bpf',
  'checkpoint_restore',
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'ipc_lock',
  'ipc_owner',
  'kill',
  'lease',
  'linux_immutable',
  'mac_admin',
  'mac_override',
  'mknod',
  'net_admin',
  'net_bind_service',
  'net_broadcast',
  'net_raw',
  'perfmon',
  'setfcap',
  'setgid',
  'setpcap',
  'setuid',
  'sys_admin',
  'sys_boot',
  'sys_chroot',
  'sys_module',
  'sys_nice',
  'sys_pacct',
  'sys_ptrace',
  'sys_rawio',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'syslog',
  'wake_alarm',
];

/** Nomad's default capabilities for exec and java tasks (the same set Docker grants). */
export const DEFAULT_TASK_CAPABILITIES: readonly string[] = [
  'audit_write',
  'chown',
  'dac_override',
  'fowner',
  'fsetid',
  'kill',
  'mknod',
  'net_bind_service',
  'setfcap',
  'setgid',
  'setpcap',
  'setuid',
  'sys_chroot',
];

export function normalizeCapability(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.startsWith('cap_') ? lower.slice(4) : lower;
}

/** The names in `names` that are not capabilities (nor "all"), as written. */
export function unknownCapabilities(names: readonly string[]): string[] {
  return names.filter((n) => {
    const c = normalizeCapability(n);
    return c !== 'all' && !LINUX_CAPABILITIES.includes(c);
  });
}

/** The task's capability set: defaults, minus cap_drop, plus cap_add (sorted). */
export function taskCapabilities(capAdd: readonly string[], capDrop: readonly string[]): string[] {
  const add = capAdd.map(normalizeCapability);
  const drop = capDrop.map(normalizeCapability);
  let set = new Set(DEFAULT_TASK_CAPABILITIES);
  if (drop.includes('all')) set = new Set();
  for (const c of drop) set.delete(c);
  if (add.includes('all')) set = new Set(LINUX_CAPABILITIES);
  for (const c of add) if (c !== 'all') set.add(c);
  return [...set].sort();
}
