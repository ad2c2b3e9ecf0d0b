/**
 * Nomad's sandboxing of the paths a job names for the client to read or write on the task's behalf
 * (template sources and destinations, artifact destinations). The agent reads and writes as its own
 * user (root, usually), so a path must stay inside the task's directory: "../" escapes, absolute
 * sources elsewhere on the host, and links a task planted that point outside are refused.
 *
 * Paths are interpolated with NOMAD_ALLOC_DIR, NOMAD_TASK_DIR and NOMAD_SECRETS_DIR as "alloc",
 * "local" and "secrets" (relative to the task dir, as Nomad does for containers), whatever the
 * driver, and "alloc/..." means the allocation's shared dir: under a chroot the task sees that dir at
 * /alloc, mounted in its own mount namespace only, so the host path <task>/alloc is not it.
 */
import {
  closeSync,
  existsSync,
  fchmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { interpolate } from './task_env.ts';

/** The directories a task's paths may reach: its own dir, and the allocation's shared dir. */
export interface TaskSandbox {
  taskDir: string;
  sharedAllocDir: string;
}

/** A path that leaves the task's sandbox. Never worth a retry: the job must change. */
export class SandboxEscapeError extends Error {
  override name = 'SandboxEscapeError';
  readonly path: string;
  constructor(what: string, path: string, resolved: string, sandbox: TaskSandbox) {
    super(`${what} "${path}" resolves to "${resolved}", outside the task directory "${sandbox.taskDir}"`);
    this.path = path;
  }
}

const PATH_DIRS = { NOMAD_ALLOC_DIR: 'alloc', NOMAD_TASK_DIR: 'local', NOMAD_SECRETS_DIR: 'secrets' };

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

function inSandbox(box: TaskSandbox, p: string): boolean {
  return within(box.taskDir, p) || within(box.sharedAllocDir, p);
}

/** <task>/alloc[/...] is the shared alloc dir; any other path is itself. */
function toShared(box: TaskSandbox, p: string): string {
  const alloc = join(box.taskDir, 'alloc');
  return within(alloc, p) ? join(box.sharedAllocDir, relative(alloc, p)) : p;
}

function interpolatePath(
  raw: string,
  env: Readonly<Record<string, string>>,
  vars: Readonly<Record<string, string>>,
): string {
  return interpolate(raw, { ...env, ...PATH_DIRS }, vars);
}

/**
 * A file the client reads (a template's source): relative to the task dir; an absolute path is taken
 * as it is and must lie inside the sandbox.
 */
export function resolveSandboxSource(
  box: TaskSandbox,
  raw: string,
  opts: { what: string; env: Readonly<Record<string, string>>; vars: Readonly<Record<string, string>> },
): string {
  const p = interpolatePath(raw, opts.env, opts.vars);
  const abs = toShared(box, isAbsolute(p) ? normalize(p) : join(box.taskDir, p));
  if (!inSandbox(box, abs)) throw new SandboxEscapeError(opts.what, raw, abs, box);
  return abs;
}

/**
 * A file the client writes (a template's or an artifact's destination): always inside the task dir,
 * as in Nomad, where "/local/x" means <task>/local/x; an absolute host path already inside the
 * sandbox is kept. Only "../" can escape, and is refused.
 */
export function resolveSandboxDestination(
  box: TaskSandbox,
  raw: string,
  opts: { what: string; env: Readonly<Record<string, string>>; vars: Readonly<Record<string, string>> },
): string {
  const p = interpolatePath(raw, opts.env, opts.vars);
  const inside = isAbsolute(p) && inSandbox(box, normalize(p));
  const abs = toShared(box, inside ? normalize(p) : join(box.taskDir, p));
  if (!inSandbox(box, abs)) throw new SandboxEscapeError(opts.what, raw, abs, box);
  return abs;
}

/** The real sandbox roots (the data dir itself may sit behind a link). */
function realSandbox(box: TaskSandbox): TaskSandbox {
  return { taskDir: realpathSync(box.taskDir), sharedAllocDir: realpathSync(box.sharedAllocDir) };
}

/** Refuses a path whose real location (links followed) is outside the sandbox. */
function assertRealInside(box: TaskSandbox, path: string, what: string, shown: string): void {
  const real = realpathSync(path);
  if (!inSandbox(realSandbox(box), real)) throw new SandboxEscapeError(what, shown, real, box);
}

/** Reads a file inside the sandbox, refusing one that is a link leading out of it (`shown` is the job's path). */
export function readSandboxFile(
  box: TaskSandbox,
  path: string,
  opts: { what: string; shown: string },
): string {
  assertRealInside(box, path, opts.what, opts.shown);
  return readFileSync(path, 'utf8');
}

/**
 * Writes a file inside the sandbox atomically (a fresh temporary file renamed over the target), with
 * `mode` whatever the umask. Directories on the way are created; one that leads out of the sandbox
 * through a link is refused, and the temporary file is created exclusively, so a link a task put in
 * its place is never followed.
 */
export function writeSandboxFile(
  box: TaskSandbox,
  dest: string,
  data: string | Buffer,
  opts: { mode: number; what: string },
): void {
  const dir = dirname(dest);
  let existing = dir;
  while (!existsSync(existing)) existing = dirname(existing);
  assertRealInside(box, existing, opts.what, dest);
  mkdirSync(dir, { recursive: true });
  assertRealInside(box, dir, opts.what, dest);
  const tmp = `${dest}.nomad-tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', opts.mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fchmodSync(fd, opts.mode);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, dest);
}
