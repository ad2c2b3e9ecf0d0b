/**
 * Downloads the task's artifacts into its directory before the first start: http, https and file
 * sources, no archive unpacking, with checksum verification (options.checksum = "sha256:<hex>" or
 * "md5:<hex>", also as a ?checksum= query parameter). Nomad's go-getter does much more; this is
 * the part jobs use most.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskArtifact } from '../../structs/job.ts';
import { interpolate } from './task_env.ts';
import { TaskHookError, type TaskHookContext, type TaskPrestartHook } from './hooks.ts';
import { newTaskEvent, TaskEventType } from './task_events.ts';
import {
  resolveSandboxDestination,
  SandboxEscapeError,
  writeSandboxFile,
  type TaskSandbox,
} from './sandbox_path.ts';

/** Largest artifact fetched; a bigger one fails the download. */
export const ARTIFACT_SIZE_MAX_BYTES = 1024 * 1024 * 1024;
export const ARTIFACT_TIMEOUT_MS = 30 * 60 * 1000;

export class ArtifactHook implements TaskPrestartHook {
  readonly name = 'artifacts';
  #done = false;

  async prestart(ctx: TaskHookContext): Promise<void> {
    const artifacts = ctx.task.Artifacts ?? [];
    if (this.#done || artifacts.length === 0 || ctx.restored) return;
    ctx.emit(newTaskEvent(TaskEventType.DownloadingArtifacts, ctx.clock.nowMs()));
    for (const a of artifacts) {
      try {
        await fetchArtifact(a, ctx);
      } catch (err) {
        const msg = `failed to download artifact "${a.GetterSource}": ${(err as Error).message}`;
        // A destination outside the task dir needs a change to the job, not another attempt.
        const escape = err instanceof SandboxEscapeError;
        throw new TaskHookError(msg, {
          recoverable: !escape,
          cause: err,
          event: newTaskEvent(TaskEventType.ArtifactDownloadFailed, ctx.clock.nowMs(), {
            DownloadError: msg,
            FailsTask: escape,
          }),
        });
      }
    }
    this.#done = true;
  }
}

export async function fetchArtifact(a: TaskArtifact, ctx: TaskHookContext): Promise<string> {
  const src = interpolate(a.GetterSource, ctx.env, ctx.nodeVars);
  const url = new URL(src.includes('://') ? src : `file://${resolve(ctx.taskPaths.dir, src)}`);
  const opts: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.GetterOptions ?? {})) opts[k] = interpolate(v, ctx.env, ctx.nodeVars);
  const checksum = opts['checksum'] ?? url.searchParams.get('checksum') ?? '';
  url.searchParams.delete('checksum');
  const box: TaskSandbox = { taskDir: ctx.taskPaths.dir, sharedAllocDir: ctx.allocPaths.shared };
  const destDir = resolveSandboxDestination(box, a.RelativeDest === '' ? 'local/' : a.RelativeDest, {
    what: 'artifact destination',
    env: ctx.env,
    vars: ctx.nodeVars,
  });
  const target = a.GetterMode === 'file' ? destDir : join(destDir, basename(url.pathname) || 'artifact');
  let body: Buffer;
  if (url.protocol === 'file:') {
    body = readFileSync(fileURLToPath(url));
  } else if (url.protocol === 'http:' || url.protocol === 'https:') {
    body = await download(url, a.GetterHeaders ?? {});
  } else {
    throw new Error(`unsupported artifact source scheme "${url.protocol.replace(':', '')}"`);
  }
  if (checksum !== '') verifyChecksum(body, checksum);
  writeSandboxFile(box, target, body, { mode: 0o644, what: 'artifact destination' });
  return target;
}

async function download(url: URL, headers: Record<string, string>): Promise<Buffer> {
  const res = await fetch(url, {
    headers,
    redirect: 'follow',
    signal: AbortSignal.timeout(ARTIFACT_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`bad response code: ${res.status}`);
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > ARTIFACT_SIZE_MAX_BYTES)
    throw new Error(`artifact is larger than ${ARTIFACT_SIZE_MAX_BYTES} bytes`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > ARTIFACT_SIZE_MAX_BYTES)
    throw new Error(`artifact is larger than ${ARTIFACT_SIZE_MAX_BYTES} bytes`);
  return buf;
}

export function verifyChecksum(body: Buffer, spec: string): void {
  const i = spec.indexOf(':');
  const algo = i < 0 ? '' : spec.slice(0, i).toLowerCase();
  const want = spec.slice(i + 1).toLowerCase();
  if (!['md5', 'sha1', 'sha256', 'sha512'].includes(algo))
    throw new Error(`unsupported checksum type "${algo}"`);
  const got = createHash(algo).update(body).digest('hex');
  if (got !== want) throw new Error(`checksums did not match: expected ${want}, got ${got}`);
}
