/** Waiting for a container to stop, and reading how it ended (exit code, OOM kill, engine error). */
import type { ExitResult } from '../driver.ts';
import { isNotFound, readBody, type DockerApi } from './docker_api.ts';

/** Reconnects of a broken wait (say, the engine restarted) before reporting the exit as unknown. */
export const WAIT_RETRIES_MAX = 10;
const RETRY_DELAY_MS = 1_000;

interface ContainerState {
  State: { Running: boolean; ExitCode: number; OOMKilled: boolean; Error: string };
}

/** Resolves once, when the container is not running any more. Never rejects. */
export async function waitContainer(api: DockerApi, id: string): Promise<ExitResult> {
  let lastError = '';
  for (let attempt = 0; attempt <= WAIT_RETRIES_MAX; attempt += 1) {
    try {
      const res = await api.stream('POST', `/containers/${id}/wait`, {
        query: { condition: 'not-running' },
        timeoutMs: 0,
      });
      const body = JSON.parse(await readBody(res)) as { StatusCode?: number };
      return await exitOf(api, id, body.StatusCode ?? 0);
    } catch (err) {
      if (isNotFound(err)) {
        return { exitCode: 0, signal: 0, oomKilled: false, err: `Container ${id} no longer exists` };
      }
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
  }
  return {
    exitCode: 0,
    signal: 0,
    oomKilled: false,
    err: `Failed to wait for container ${id}: ${lastError}`,
  };
}

async function exitOf(api: DockerApi, id: string, statusCode: number): Promise<ExitResult> {
  try {
    const c = await api.json<ContainerState>('GET', `/containers/${id}/json`);
    const r: ExitResult = { exitCode: c.State.ExitCode, signal: 0, oomKilled: c.State.OOMKilled };
    if (c.State.Error !== '') r.err = c.State.Error;
    return r;
  } catch (err) {
    // Removed right after it stopped: the wait's status is all there is.
    if (isNotFound(err)) return { exitCode: statusCode, signal: 0, oomKilled: false };
    throw err;
  }
}
