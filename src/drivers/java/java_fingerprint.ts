/** Detecting a JVM: `java -version` prints its version, runtime and VM on stderr. */
import { execFile } from 'node:child_process';

/** How long `java -version` may take before the JVM counts as absent. */
export const JAVA_VERSION_TIMEOUT_MS_MAX = 10_000;

export interface JavaVersion {
  version: string;
  runtime: string;
  vm: string;
}

/** Parses `java -version` output (any vendor); undefined when it is not one. */
export function parseJavaVersion(text: string): JavaVersion | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Picked up '));
  const m = /^\S+ version "([^"]+)"/.exec(lines[0] ?? '');
  if (m === null) return undefined;
  return { version: m[1]!, runtime: lines[1] ?? '', vm: lines[2] ?? '' };
}

/** Runs `java -version`; resolves undefined (with the reason) when no JVM answers. */
export function probeJava(javaPath = 'java'): Promise<JavaVersion | string> {
  return new Promise((resolve) => {
    execFile(
      javaPath,
      ['-version'],
      { timeout: JAVA_VERSION_TIMEOUT_MS_MAX, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err !== null) {
          resolve(`Failed to run "${javaPath} -version": ${err.message}`);
          return;
        }
        const v = parseJavaVersion(stderr !== '' ? stderr : stdout);
        resolve(
          v ?? `Unrecognised output of "${javaPath} -version": ${JSON.stringify(stderr.slice(0, 200))}`,
        );
      },
    );
  });
}
