/**
 * Parses agent configuration HCL in a short-lived child process. HashiCorp's HCL parser is a Go
 * program built to WebAssembly; once loaded, its memory (about 40 MB) stays with the process that
 * loaded it (a worker thread gives back only part of it). The agent parses its configuration once,
 * at start-up, so it lets a child process pay that and exit.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

// Reads the file's text on stdin, prints the parsed tree as JSON on stdout, or the error on stderr.
const CHILD_SOURCE = `
const { parse } = require(process.argv[1]);
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (text += d));
process.stdin.on('end', () => {
  parse(process.argv[2], text).then(
    (value) => process.stdout.write(JSON.stringify(value)),
    (err) => {
      process.stderr.write(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
});
`;

/** How long a parse may take before it is abandoned (the parser's own start-up is about a second). */
export const HCL_PARSE_TIMEOUT_MS = 30_000;
/** The parsed tree of a configuration file, at most. */
const HCL_OUTPUT_BYTES_MAX = 16 * 1024 * 1024;

export function parseHclInChild(file: string, text: string): Promise<unknown> {
  const modulePath = createRequire(import.meta.url).resolve('@cdktf/hcl2json');
  return new Promise<unknown>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-e', CHILD_SOURCE, modulePath, file],
      { timeout: HCL_PARSE_TIMEOUT_MS, maxBuffer: HCL_OUTPUT_BYTES_MAX },
      (err, stdout, stderr) => {
        if (err !== null) {
          reject(new Error(stderr.trim() !== '' ? stderr.trim() : err.message));
          return;
        }
        try {
          resolve(JSON.parse(stdout));
        } catch (parseErr) {
          reject(new Error(`the HCL parser's output is not JSON: ${(parseErr as Error).message}`));
        }
      },
    );
    child.stdin?.end(text);
  });
}
