/**
 * Job files: HCL2 (through HashiCorp's own parser, built to WebAssembly as @cdktf/hcl2json, plus
 * our evaluation of its expressions) and JSON (the API's `{"Job": ...}` shape, or HCL's JSON
 * syntax). parseJobFile() returns a canonical Job or throws a NomadError naming every problem,
 * with file:line:col where the source can tell.
 */
import { MultiError, NomadError } from '../lib/errors.ts';
import { canonicalizeJob } from '../structs/canonicalize.ts';
import type { JobInput } from '../structs/canonicalize.ts';
import type { Job } from '../structs/job.ts';
import { decodeApiJob, decodeApiJobRequest, isApiJobRequest } from '../structs/job_codec.ts';
import type { DecodeCtx } from './decode.ts';
import { decodeBody, report } from './decode.ts';
import { makeFunctions } from './functions.ts';
import { findBlock, positionAt } from './positions.ts';
import type { RawObject } from './raw.ts';
import { isRawObject } from './raw.ts';
import { JOB } from './schema_job.ts';
import type { VarFile } from './variables.ts';
import { buildScope } from './variables.ts';

export interface ParseJobOptions {
  filename: string;
  /** -var name=value flags. */
  vars?: Record<string, string> | undefined;
  /** -var-file files, already read (HCL, or JSON when the name ends in .json). */
  varFiles?: VarFile[] | undefined;
  /** The environment, for NOMAD_VAR_<name>. */
  env?: Record<string, string | undefined> | undefined;
  /** For file() and templatefile(); without it those functions fail. */
  readFile?: ((path: string) => string) | undefined;
  /** The directory relative paths in file functions start from. */
  cwd?: string | undefined;
}

/** Job files larger than this are refused before parsing. */
export const JOB_FILE_BYTES_MAX = 8 * 1024 * 1024;

type Hcl2Json = (filename: string, source: string) => Promise<Record<string, unknown>>;
let hcl2json: Promise<Hcl2Json> | null = null;

/** Loads the WebAssembly parser on first use: commands that parse no HCL never pay for it. */
function loadHcl2Json(): Promise<Hcl2Json> {
  hcl2json ??= import('@cdktf/hcl2json').then((m) => m.parse as Hcl2Json);
  return hcl2json;
}

const DIAGNOSTIC =
  /([^\s[\],]+):(\d+),(\d+)(?:-(?:\d+,)?\d+)?: ([^;\]]+?)(?:; ([^\]]*?))?(?=, [^\s[\],]+:\d+,\d+|\]|$)/g;

/** hcl2json's "parse config: [x.nomad:1,28-2,1: Summary; Detail]" becomes "x.nomad:1:28: Summary; Detail". */
export function formatHclError(message: string): string[] {
  const out: string[] = [];
  for (const m of message.matchAll(DIAGNOSTIC)) {
    out.push(`${m[1]}:${m[2]}:${m[3]}: ${m[4]!.trim()}${m[5] === undefined ? '' : `; ${m[5].trim()}`}`);
  }
  return out.length > 0 ? out : [message.replace(/^parse config: /, '')];
}

/** Parses HCL text into hcl2json's raw form; a syntax error throws with file:line:col. */
export async function parseHclRaw(filename: string, source: string): Promise<RawObject> {
  const parse = await loadHcl2Json();
  let out: unknown;
  try {
    out = await parse(filename, source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new MultiError(formatHclError(message), 'bad_request');
  }
  if (!isRawObject(out))
    throw new NomadError('bad_request', `${filename}: the parser returned no configuration`);
  return out;
}

function looksLikeJson(source: string, filename: string): boolean {
  return filename.endsWith('.json') || source.trimStart().startsWith('{');
}

function parseJson(source: string, filename: string): unknown {
  try {
    return JSON.parse(source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = /position (\d+)/.exec(message);
    const pos = positionAt(source, offset === null ? 0 : Number(offset[1]));
    throw new NomadError('bad_request', `${filename}:${pos.line}:${pos.column}: invalid JSON: ${message}`, {
      cause: err,
    });
  }
}

/** Parses a job file into the model's input shape, before defaults are filled in. */
export async function parseHclToJobInput(source: string, opts: ParseJobOptions): Promise<JobInput> {
  if (source.length > JOB_FILE_BYTES_MAX) {
    throw new NomadError(
      'too_large',
      `${opts.filename}: job file is larger than ${JOB_FILE_BYTES_MAX} bytes`,
    );
  }
  let root: RawObject;
  if (looksLikeJson(source, opts.filename)) {
    const value = parseJson(source, opts.filename);
    if (isApiJobRequest(value)) return decodeApiJobRequest(value);
    // HCL's JSON syntax ({"job": {"example": ...}}) goes through the HCL path; anything else is an API job.
    if (!isRawObject(value) || !('job' in value)) return decodeApiJob(value, 'Job');
    root = value;
  } else {
    root = await parseHclRaw(opts.filename, source);
  }
  return decodeRoot(root, source, opts);
}

async function decodeRoot(root: RawObject, source: string, opts: ParseJobOptions): Promise<JobInput> {
  const file = { filename: opts.filename, source };
  const functions = makeFunctions({ readFile: opts.readFile, cwd: opts.cwd ?? '/' });
  const { scope, errors } = await buildScope(root, file, {
    vars: opts.vars,
    varFiles: opts.varFiles,
    env: opts.env,
    functions,
    parseHcl: parseHclRaw,
  });
  if (errors.length > 0) throw new MultiError(errors, 'bad_request');
  const ctx: DecodeCtx = {
    file: opts.filename,
    source,
    errors,
    eval: { scope, bound: new Map() },
    path: '',
    offset: 0,
  };
  for (const key of Object.keys(root)) {
    if (key !== 'job' && key !== 'variable' && key !== 'locals')
      report(
        ctx,
        key,
        `unknown block ${JSON.stringify(key)}: a job file has job, variable and locals blocks`,
      );
  }
  const jobs = root['job'];
  const byLabel: RawObject = isRawObject(jobs) ? jobs : {};
  const labels = Object.keys(byLabel);
  const bodies = labels.flatMap((l) => {
    const v = byLabel[l];
    return Array.isArray(v) ? v.filter(isRawObject) : [];
  });
  if (labels.length !== 1 || bodies.length !== 1) {
    report(
      ctx,
      null,
      labels.length === 0
        ? 'missing job block: a job file needs job "<name>" { ... }'
        : `a job file has exactly one job block, found ${bodies.length}`,
    );
    throw new MultiError(ctx.errors, 'bad_request');
  }
  const id = labels[0]!;
  const offset = findBlock(source, 'job', id, 0) ?? 0;
  const job = decodeBody({ body: bodies[0]!, label: id, eval: ctx.eval }, JOB, {
    ...ctx,
    path: `job ${JSON.stringify(id)}`,
    offset,
  });
  if (ctx.errors.length > 0) throw new MultiError(ctx.errors, 'bad_request');
  job['ID'] ??= id;
  return job as JobInput;
}

/** Parses a job file (HCL or JSON) into a canonical Job; throws a NomadError naming every problem. */
export async function parseJobFile(source: string, opts: ParseJobOptions): Promise<Job> {
  return canonicalizeJob(await parseHclToJobInput(source, opts));
}
