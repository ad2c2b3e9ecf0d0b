/**
 * The shell scripts that start an isolated task with util-linux's `unshare` and `setpriv`, so no
 * helper process of ours stays beside the task:
 *
 *   /bin/sh (launcher, on the host: waits, then records the exit status in a file for reattaching)
 *    └ unshare --pid --fork --mount --ipc --uts (waits for the namespace's pid 1)
 *       └ /bin/sh setup -> exec unshare --root --wd -> exec setpriv -> exec <command>   (pid 1)
 *
 * The setup step joins the task's cgroup, bind-mounts the chroot environment read-only into the task
 * dir, mounts /proc, a small /dev and the shared alloc dir, checks the command and work dir, writes
 * "ok" (or the reason it cannot start) to fd 3, and replaces itself with the task.
 */

/** Nomad's default chroot_env: host directory -> path inside the task's chroot. */
export const DEFAULT_CHROOT_ENV: Readonly<Record<string, string>> = {
  '/bin': '/bin',
  '/etc': '/etc',
  '/lib': '/lib',
  '/lib32': '/lib32',
  '/lib64': '/lib64',
  '/run/resolvconf': '/run/resolvconf',
  '/sbin': '/sbin',
  '/usr': '/usr',
};

/** PATH a task gets when its env has none (as Nomad's executor does). */
export const DEFAULT_TASK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Exit status of the setup step when the task cannot start; the reason goes to fd 3. */
export const SETUP_FAILED_EXIT = 125;

const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

export interface LaunchSpec {
  /** The chroot: the task dir. */
  rootDir: string;
  /** The allocation's shared dir, mounted at /alloc. */
  sharedAllocDir: string;
  chrootEnv: Readonly<Record<string, string>>;
  /** cgroup.procs files the task joins. */
  procsFiles: string[];
  /** Where the launcher records the exit status. */
  statusFile: string;
  workDir: string;
  uid: number;
  gid: number;
  /** Capabilities left in the bounding set, lower case without "cap_". */
  capabilities: string[];
  pidMode: 'private' | 'host';
  ipcMode: 'private' | 'host';
  /** PATH used to find a bare command name inside the chroot. */
  searchPath: string;
  setprivPath: string;
  unsharePath: string;
}

/** Where the launcher's unshare writes its own errors. */
export const launcherErrorFile = (statusFile: string): string => `${statusFile}.err`;

/** Quotes a string for POSIX sh: the result is one literal word. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The launcher: run with `/bin/sh -c <script> nomad-task <command> <args...>`. */
export function launcherScript(spec: LaunchSpec): string {
  const flags = ['--fork', '--kill-child', '--mount', '--uts', '--propagation', 'private'];
  if (spec.pidMode === 'private') flags.unshift('--pid');
  if (spec.ipcMode === 'private') flags.push('--ipc');
  const status = shQuote(spec.statusFile);
  const statusTmp = shQuote(`${spec.statusFile}.tmp`);
  return [
    // unshare's own complaints go to a file beside the status (they are not the task's output); the
    // task's stderr travels to the setup step on fd 4.
    `${shQuote(spec.unsharePath)} ${flags.join(' ')} -- /bin/sh -c ${shQuote(setupScript(spec))} nomad-setup "$@" 4>&2 2>${shQuote(launcherErrorFile(spec.statusFile))}`,
    's=$?',
    `echo "$s" > ${statusTmp} && mv -f ${statusTmp} ${status}`,
    'exit "$s"',
  ].join('\n');
}

function setupScript(spec: LaunchSpec): string {
  const r = shQuote(spec.rootDir);
  const lines = [
    'exec 2>&4 4>&-',
    'fail() { echo "$*" >&3; exit ' + SETUP_FAILED_EXIT + '; }',
    `R=${r}`,
    ...spec.procsFiles.map(
      (f) => `echo 0 > ${shQuote(f)} || fail ${shQuote(`Failed to join cgroup "${f}"`)}`,
    ),
    ...Object.entries(spec.chrootEnv).map(([src, dest]) => mountChrootEntry(src, dest)),
    'mkdir -p "$R/proc" "$R/dev" "$R/alloc" "$R/tmp" || fail "Failed to make mount points in the task dir"',
    'mount -t proc proc "$R/proc" || fail "Failed to mount /proc"',
    'mount -t tmpfs -o mode=755,size=65536k,nosuid tmpfs "$R/dev" || fail "Failed to mount /dev"',
    `for n in ${DEVICES.join(' ')}; do`,
    '  [ -e "/dev/$n" ] || continue',
    '  : > "$R/dev/$n" && mount --bind "/dev/$n" "$R/dev/$n" || fail "Failed to bind /dev/$n"',
    'done',
    'mkdir -p "$R/dev/shm" && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"',
    'ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"',
    'ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
    `mount --bind ${shQuote(spec.sharedAllocDir)} "$R/alloc" || fail "Failed to mount the alloc dir"`,
    ...commandChecks(spec),
    'echo ok >&3',
    'exec 3>&-',
    `exec ${shQuote(spec.unsharePath)} --root="$R" --wd=${shQuote(spec.workDir)} -- ${setprivCommand(spec)} -- "$@"`,
  ];
  return lines.join('\n');
}

/** A symlink in the host stays a symlink (usr-merged /bin -> usr/bin); a directory is bound read-only. */
function mountChrootEntry(src: string, dest: string): string {
  const s = shQuote(src);
  const d = `"$R"${shQuote(dest)}`;
  const failure = shQuote(`Failed to mount "${src}" into the chroot`);
  return [
    `if [ -L ${s} ]; then`,
    `  [ -e ${d} ] || [ -L ${d} ] || { mkdir -p "$(dirname ${d})" && ln -s "$(readlink ${s})" ${d}; } || fail ${failure}`,
    `elif [ -d ${s} ]; then`,
    `  mkdir -p ${d} && mount --bind ${s} ${d} && mount -o remount,bind,ro ${d} || fail ${failure}`,
    'fi',
  ].join('\n');
}

function commandChecks(spec: LaunchSpec): string[] {
  const wd = shQuote(spec.workDir);
  return [
    `[ -d "$R"${wd} ] || fail ${shQuote(`Work dir "${spec.workDir}" does not exist in the task's chroot`)}`,
    `[ -x "$R${spec.setprivPath}" ] || fail ${shQuote(`"${spec.setprivPath}" is missing from the task's chroot`)}`,
    'cmd=$1',
    'case "$cmd" in',
    `  /*) [ -f "$R$cmd" ] && [ -x "$R$cmd" ] || fail "Command \\"$cmd\\" is not an executable file in the task's chroot" ;;`,
    `  */*) [ -f "$R"${wd}"/$cmd" ] && [ -x "$R"${wd}"/$cmd" ] || fail "Command \\"$cmd\\" is not an executable file in the task's chroot" ;;`,
    '  *) found=',
    `     P=${shQuote(spec.searchPath)}; IFS=:; for d in $P; do [ -f "$R$d/$cmd" ] && [ -x "$R$d/$cmd" ] && found=1 && break; done; unset IFS`,
    `     [ -n "$found" ] || fail "Command \\"$cmd\\" was not found in the task's PATH (${spec.searchPath.replaceAll("'", '')})" ;;`,
    'esac',
  ];
}

function setprivCommand(spec: LaunchSpec): string {
  const bounding = ['-all', ...spec.capabilities.map((c) => `+${c}`)].join(',');
  return [
    shQuote(spec.setprivPath),
    `--reuid=${spec.uid}`,
    `--regid=${spec.gid}`,
    '--clear-groups',
    `--bounding-set=${bounding}`,
    `--inh-caps=-all`,
  ].join(' ');
}
