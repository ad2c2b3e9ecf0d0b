/**
 * Nomad's allocation directory layout:
 *   <allocDir>/<allocId>/alloc/{data,logs,tmp}     shared by the group's tasks
 *   <allocDir>/<allocId>/<task>/{local,secrets,tmp}
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
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

export function allocPaths(allocDir: string, allocId: string): AllocPaths {
  const root = join(allocDir, allocId);
  const shared = join(root, 'alloc');
  return { root, shared, data: join(shared, 'data'), logs: join(shared, 'logs'), tmp: join(shared, 'tmp') };
}

export function taskPaths(allocDir: string, allocId: string, task: string): TaskPaths {
  const dir = join(allocDir, allocId, task);
  return { dir, local: join(dir, 'local'), secrets: join(dir, 'secrets'), tmp: join(dir, 'tmp') };
}

/** Creates the shared directories. Idempotent. */
export function buildAllocDir(p: AllocPaths): void {
  for (const d of [p.data, p.logs, p.tmp]) mkdirSync(d, { recursive: true, mode: 0o777 });
  // Tasks running as other users share these, as in Nomad (sticky, world-writable tmp).
  chmodSync(p.tmp, 0o1777);
  chmodSync(p.data, 0o777);
  chmodSync(p.logs, 0o777);
}

/** Creates a task's directories. Idempotent. */
export function buildTaskDir(p: TaskPaths): void {
  mkdirSync(p.local, { recursive: true, mode: 0o777 });
  mkdirSync(p.secrets, { recursive: true, mode: 0o700 });
  mkdirSync(p.tmp, { recursive: true, mode: 0o777 });
  chmodSync(p.tmp, 0o1777);
}

export function destroyAllocDir(p: AllocPaths): void {
  rmSync(p.root, { recursive: true, force: true });
}
