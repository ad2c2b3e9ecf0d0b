/**
 * Nomad's allocation directory layout:
 *   <allocDir>/<allocId>/alloc/{data,logs,tmp}     shared by the group's tasks
 *   <allocDir>/<allocId>/<task>/{local,secrets,tmp}
 *
 * Permissions are set with chmod after mkdir, so they do not depend on the agent's umask. Tasks may
 * run as users other than the agent's (exec and java run as `nobody` by default):
 * - alloc/ is 1777 and alloc/tmp, alloc/logs 1777: every task can write, as in Nomad, and the sticky
 *   bit keeps a task from replacing files it does not own (the agent's log files: the kernel's
 *   protected_symlinks then also refuses to follow a link a task planted there). alloc/data is 0777.
 * - The task dir is 0755 and owned by the agent: a task cannot swap its local/ or secrets/ for a link.
 * - local/ is 0777 and tmp/ 1777, owned by the task's user; secrets/ is 0700, owned by the task's
 *   user, so no other user of the host reads it.
 */
import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface AllocPaths {
  root: string;
  shared: string;
  data: string;
  logs: string;
  tmp: string;
}

export interface TaskPaths {
  dir: string;
  local: string;
  secrets: string;
  tmp: string;
}

/** Who owns a task's local/, secrets/ and tmp/. */
export interface TaskDirOwner {
  uid: number;
  gid: number;
}

export const ALLOC_ROOT_MODE = 0o755;
export const SHARED_DIR_MODE = 0o1777;
export const SHARED_DATA_MODE = 0o777;
export const SHARED_LOGS_MODE = 0o1777;
export const SHARED_TMP_MODE = 0o1777;
export const TASK_DIR_MODE = 0o755;
export const TASK_LOCAL_MODE = 0o777;
export const TASK_TMP_MODE = 0o1777;
export const TASK_SECRETS_MODE = 0o700;
/** secrets/ of a task whose user the host cannot name (a docker image's own user): readable as in Nomad. */
export const TASK_SECRETS_MODE_UNKNOWN_USER = 0o777;

export function allocPaths(allocDir: string, allocId: string): AllocPaths {
  const root = join(allocDir, allocId);
  const shared = join(root, 'alloc');
  return { root, shared, data: join(shared, 'data'), logs: join(shared, 'logs'), tmp: join(shared, 'tmp') };
}

export function taskPaths(allocDir: string, allocId: string, task: string): TaskPaths {
  const dir = join(allocDir, allocId, task);
  return { dir, local: join(dir, 'local'), secrets: join(dir, 'secrets'), tmp: join(dir, 'tmp') };
}

function makeDir(path: string, mode: number, owner?: TaskDirOwner): void {
  mkdirSync(path, { recursive: true, mode });
  if (owner !== undefined) chownSync(path, owner.uid, owner.gid);
  // After chown, which may clear mode bits, and independent of the umask mkdir applied.
  chmodSync(path, mode);
}

/** Creates the shared directories. Idempotent. */
export function buildAllocDir(p: AllocPaths): void {
  makeDir(p.root, ALLOC_ROOT_MODE);
  makeDir(p.shared, SHARED_DIR_MODE);
  makeDir(p.data, SHARED_DATA_MODE);
  makeDir(p.logs, SHARED_LOGS_MODE);
  makeDir(p.tmp, SHARED_TMP_MODE);
}

/**
 * Creates a task's directories, owned by `owner` (the task's user) when given, else by the agent.
 * `secretsMode` is TASK_SECRETS_MODE unless the task's user is unknown to the host. Idempotent.
 */
export function buildTaskDir(p: TaskPaths, opts: { owner?: TaskDirOwner; secretsMode?: number } = {}): void {
  makeDir(p.dir, TASK_DIR_MODE);
  makeDir(p.local, TASK_LOCAL_MODE, opts.owner);
  makeDir(p.tmp, TASK_TMP_MODE, opts.owner);
  makeDir(p.secrets, opts.secretsMode ?? TASK_SECRETS_MODE, opts.owner);
}

export function destroyAllocDir(p: AllocPaths): void {
  rmSync(p.root, { recursive: true, force: true });
}
