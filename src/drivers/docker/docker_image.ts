/**
 * Making sure a task's image is on the engine: found locally, loaded from a tarball in the task dir
 * (`load`), or pulled, with progress reported to the task runner ("Downloading image") and the pull
 * bounded by image_pull_timeout.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DriverError } from '../driver.ts';
import { DockerApiError, isNotFound, readJsonMessages, type DockerApi } from './docker_api.ts';

/** Nomad's default image_pull_timeout. */
export const IMAGE_PULL_TIMEOUT_MS_DEFAULT = 5 * 60_000;
/** How often a long pull reports its progress as a task event. */
export const PULL_PROGRESS_REPORT_MS = 10_000;

export interface ImageRef {
  /** Repository, with registry host when given: "redis", "localhost:5000/team/app". */
  repo: string;
  tag: string;
  digest: string;
}

/** Splits "registry:5000/repo:tag@sha256:..." into its parts; the tag defaults to "latest". */
export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const slash = rest.lastIndexOf('/');
  let tag = '';
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repo: rest, tag: tag === '' && digest === '' ? 'latest' : tag, digest };
}

export function imageName(ref: ImageRef): string {
  const base = ref.tag === '' ? ref.repo : `${ref.repo}:${ref.tag}`;
  return ref.digest === '' ? base : `${base}@${ref.digest}`;
}

export interface RegistryAuth {
  username: string;
  password: string;
  email: string;
  serverAddress: string;
}

export interface EnsureImageOptions {
  image: string;
  forcePull: boolean;
  /** A tarball (relative to the task's local/ dir) to `docker load` instead of pulling. */
  load: string;
  taskDir: string;
  auth: RegistryAuth | undefined;
  pullTimeoutMs: number;
  /** Task events: "Downloading image", then progress. */
  onEvent: (message: string) => void;
}

/** Returns the image's ID once the engine has it. */
export async function ensureImage(api: DockerApi, opts: EnsureImageOptions): Promise<string> {
  const ref = parseImageRef(opts.image);
  const name = imageName(ref);
  if (opts.load !== '') {
    await loadImage(api, join(opts.taskDir, 'local', opts.load));
  } else if (!opts.forcePull) {
    const id = await inspectImage(api, name);
    if (id !== undefined) return id;
  }
  if (opts.load === '') await pullImage(api, ref, opts);
  const id = await inspectImage(api, name);
  if (id === undefined) {
    throw new DriverError(
      `Failed to find docker image "${name}" after ${opts.load !== '' ? 'loading' : 'pulling'} it`,
    );
  }
  return id;
}

async function inspectImage(api: DockerApi, name: string): Promise<string | undefined> {
  try {
    const img = await api.json<{ Id: string }>('GET', `/images/${encodeURIComponent(name)}/json`);
    return img.Id;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new DriverError(`Failed to inspect docker image "${name}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function loadImage(api: DockerApi, path: string): Promise<void> {
  if (!existsSync(path)) {
    throw new DriverError(`Failed to load docker image: "${path}" does not exist`, { recoverable: false });
  }
  try {
    const res = await api.stream('POST', '/images/load', {
      query: { quiet: 1 },
      headers: { 'content-type': 'application/x-tar' },
      upload: createReadStream(path),
      timeoutMs: 0,
    });
    await readJsonMessages(res, () => undefined);
  } catch (err) {
    throw new DriverError(`Failed to load docker image from "${path}": ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function pullImage(api: DockerApi, ref: ImageRef, opts: EnsureImageOptions): Promise<void> {
  const name = imageName(ref);
  opts.onEvent('Downloading image');
  const headers: Record<string, string> = {};
  if (opts.auth !== undefined) {
    const json = JSON.stringify({
      username: opts.auth.username,
      password: opts.auth.password,
      email: opts.auth.email,
      serveraddress: opts.auth.serverAddress,
    });
    headers['x-registry-auth'] = Buffer.from(json).toString('base64url');
  }
  const progress = new PullProgress();
  const report = setInterval(
    () => opts.onEvent(`Docker image pull progress: ${progress.summary()}`),
    PULL_PROGRESS_REPORT_MS,
  );
  report.unref();
  let timer: NodeJS.Timeout | undefined;
  try {
    const res = await api.stream('POST', '/images/create', {
      query: {
        fromImage: ref.digest === '' ? ref.repo : `${ref.repo}@${ref.digest}`,
        tag: ref.digest === '' ? ref.tag : undefined,
      },
      headers,
      timeoutMs: opts.pullTimeoutMs,
    });
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        res.destroy();
        reject(new Error(`timed out after ${opts.pullTimeoutMs} ms (image_pull_timeout)`));
      }, opts.pullTimeoutMs);
    });
    await Promise.race([readJsonMessages(res, (m) => progress.add(m)), timedOut]);
  } catch (err) {
    const reason = err instanceof DockerApiError || err instanceof Error ? err.message : String(err);
    throw new DriverError(`Failed to pull \`${name}\`: ${reason}`, { cause: err });
  } finally {
    clearInterval(report);
    clearTimeout(timer);
  }
}

/** Layer counts from a pull's progress messages, for the periodic progress event. */
class PullProgress {
  readonly #layers = new Map<string, string>();

  add(m: Record<string, unknown>): void {
    if (typeof m['id'] === 'string' && typeof m['status'] === 'string')
      this.#layers.set(m['id'], m['status']);
  }

  summary(): string {
    let done = 0;
    let pulling = 0;
    for (const s of this.#layers.values()) {
      if (/complete|already exists/i.test(s)) done += 1;
      else if (/download|extract|verif/i.test(s)) pulling += 1;
    }
    return `Pulled ${done}/${this.#layers.size} layers: ${pulling} pulling`;
  }
}
