/**
 * Reading a job file for `job run`, `job plan` and `job validate`: HCL2 or JSON through src/jobspec,
 * with -var, -var-file and NOMAD_VAR_* in Nomad's order of precedence. "-" reads stdin.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Job } from '../structs/job.ts';
import type { FlagSpecs } from './flags.ts';
import type { CliIO } from './ui.ts';

/** The most a job file may hold: a bound on what we read into memory. */
export const JOB_FILE_BYTES_MAX = 16 * 1024 * 1024;

export const JOB_FILE_FLAGS = {
  var: { kind: 'list' },
  'var-file': { kind: 'list' },
  json: { kind: 'bool' },
  'hcl2-strict': { kind: 'bool', default: true },
} as const satisfies FlagSpecs;

export const JOB_FILE_OPTIONS: readonly [string, string][] = [
  ["-var 'key=value'", 'Sets a variable of the job file. Repeat it for more variables.'],
  ['-var-file=path', 'Reads variables from an HCL file. Repeat it for more files.'],
  ['-json', 'Reads the job file as JSON, whatever its name.'],
];

export interface JobFileOptions {
  vars: readonly string[];
  varFiles: readonly string[];
  json: boolean;
}

export class JobFileError extends Error {
  override name = 'JobFileError';
}

function readSource(path: string, io: CliIO): string {
  if (path === '-') return readFileSync(0, 'utf8');
  const full = resolve(io.cwd, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new JobFileError(`Error getting jobfile from "${path}": file "${path}" does not exist`);
    throw new JobFileError(`Error reading job file from ${path}: ${(err as Error).message}`);
  }
  if (text.length > JOB_FILE_BYTES_MAX)
    throw new JobFileError(`Job file "${path}" is larger than ${JOB_FILE_BYTES_MAX} bytes`);
  return text;
}

/** -var flags ("name=value") as the parser takes them. */
export function parseVarFlags(vars: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of vars) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new JobFileError(`Error parsing -var "${v}": it must be name=value`);
    out[v.slice(0, eq).trim()] = v.slice(eq + 1);
  }
  return out;
}

/** Parses the job file into the model; errors carry the parser's file:line:col message. */
export async function loadJobFile(path: string, opts: JobFileOptions, io: CliIO): Promise<Job> {
  const source = readSource(path, io);
  const vars = parseVarFlags(opts.vars);
  const varFiles = opts.varFiles.map((f) => ({ filename: f, source: readSource(f, io) }));
  const { parseJobFile } = await import('../jobspec/parse.ts');
  const filename =
    path === '-'
      ? opts.json
        ? 'stdin.json'
        : 'stdin.hcl'
      : opts.json && !path.endsWith('.json')
        ? `${path}.json`
        : path;
  try {
    return await parseJobFile(source, {
      filename,
      vars,
      varFiles,
      env: io.env,
      cwd: io.cwd,
      readFile: (p: string) => readFileSync(resolve(io.cwd, p), 'utf8'),
    });
  } catch (err) {
    throw new JobFileError(`Error getting job struct: ${(err as Error).message}`, { cause: err });
  }
}
