/**
 * What a test needs from the machine: root, a Docker engine, Chromium. On a user's machine a
 * missing requirement skips the test with the reason; under CI (NOMAD_TEST_REQUIRE_ALL=1) it fails.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { request } from 'node:http';
import type { TestContext } from 'node:test';

export const requireAll = process.env['NOMAD_TEST_REQUIRE_ALL'] === '1';

export const isRoot = (): boolean => process.getuid?.() === 0;

export const DOCKER_SOCKET = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';

let dockerAnswer: Promise<boolean> | undefined;
/** Whether a Docker engine answers on its socket (asked once per process). */
export function dockerAvailable(): Promise<boolean> {
  dockerAnswer ??= new Promise((resolve) => {
    try {
      accessSync(DOCKER_SOCKET, constants.W_OK);
    } catch {
      resolve(false);
      return;
    }
    const req = request({ socketPath: DOCKER_SOCKET, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
  return dockerAnswer;
}

export const chromiumPath = (): string | undefined =>
  ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/**
 * Skips the test (or fails it under CI) when a requirement is missing. Returns true when the test
 * may go on: `if (!(await needs(t, { docker: true }))) return;`
 */
export async function needs(
  t: TestContext,
  req: { root?: boolean; docker?: boolean; chromium?: boolean },
): Promise<boolean> {
  const missing: string[] = [];
  if (req.root === true && !isRoot()) missing.push('root');
  if (req.docker === true && !(await dockerAvailable())) missing.push(`a Docker engine at ${DOCKER_SOCKET}`);
  if (req.chromium === true && chromiumPath() === undefined) missing.push('Chromium');
  if (missing.length === 0) return true;
  const reason = `needs ${missing.join(' and ')}`;
  if (requireAll) throw new Error(`${reason} (NOMAD_TEST_REQUIRE_ALL=1 makes this a failure)`);
  t.skip(reason);
  return false;
}
