/**
 * Jobs in Nomad's API JSON: `{"Job": {...}}` request bodies and bare jobs. decodeApiJob() checks
 * a parsed body against the Job's shape and refuses unknown fields and wrong types, naming each
 * by its path (`Job.TaskGroups[0].Count: expected a number, got "3"`); encodeApiJob() writes a
 * job as the API shows it. The model already uses the API's field names, so both are close to the
 * identity: the value of this file is in the checking.
 */
import { MultiError } from '../lib/errors.ts';
import type { JobInput } from './canonicalize.ts';
import type { Job } from './job.ts';
import type { Shape } from './job_shape.ts';
import { IGNORED_WHEN_EMPTY, JOB_SHAPE } from './job_shape.ts';

/** A body nesting deeper than this is refused (a job is about 8 levels deep). */
export const API_JSON_DEPTH_MAX = 64;
export const API_JSON_ERRORS_MAX = 100;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function expected(shape: Shape): string {
  if (shape === 'string') return 'a string';
  if (shape === 'number') return 'a number';
  if (shape === 'bool') return 'a bool';
  if (shape === 'any') return 'a value';
  if ('list' in shape) return 'a list';
  return 'an object';
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

function check(v: unknown, shape: Shape, path: string, errors: string[], depth: number): unknown {
  if (errors.length >= API_JSON_ERRORS_MAX) return undefined;
  if (depth > API_JSON_DEPTH_MAX) {
    errors.push(`${path}: nests deeper than ${API_JSON_DEPTH_MAX} levels`);
    return undefined;
  }
  // Nomad's JSON writes null for an unset pointer, slice or map: the same as leaving it out.
  if (v === null || v === undefined) return v;
  const fail = () => {
    errors.push(`${path}: expected ${expected(shape)}, got ${describe(v)}`);
    return undefined;
  };
  if (shape === 'any') return v;
  if (shape === 'string') return typeof v === 'string' ? v : fail();
  if (shape === 'number') return typeof v === 'number' && Number.isFinite(v) ? v : fail();
  if (shape === 'bool') return typeof v === 'boolean' ? v : fail();
  if ('list' in shape) {
    if (!Array.isArray(v)) return fail();
    return v.map((x, i) => check(x, shape.list, `${path}[${i}]`, errors, depth + 1));
  }
  if (typeof v !== 'object' || Array.isArray(v)) return fail();
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if ('map' in shape) out[k] = check(x, shape.map, `${path}[${JSON.stringify(k)}]`, errors, depth + 1);
    else if (k in shape.obj) out[k] = check(x, shape.obj[k]!, `${path}.${k}`, errors, depth + 1);
    else if ((IGNORED_WHEN_EMPTY[shape.name] ?? []).includes(k)) {
      if (!isEmpty(x)) errors.push(`${path}.${k}: is not supported by nomad-ts`);
    } else errors.push(`${path}.${k}: unknown field in ${shape.name}`);
  }
  return out;
}

/**
 * Reads a job in the API's JSON shape (a bare job; see decodeApiJobRequest for `{"Job": ...}`).
 * Throws a bad_request MultiError naming every problem.
 */
export function decodeApiJob(value: unknown, path = 'Job'): JobInput {
  const errors: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${path}: expected an object, got ${describe(value)}`);
  }
  const out = errors.length === 0 ? check(value, JOB_SHAPE, path, errors, 0) : undefined;
  if (errors.length > 0) throw new MultiError(errors, 'bad_request');
  return out as JobInput;
}

/** Reads a register request body, `{"Job": {...}}`, as PUT /v1/jobs takes it. */
export function decodeApiJobRequest(value: unknown): JobInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MultiError([`request body: expected an object, got ${describe(value)}`], 'bad_request');
  }
  const body = value as Record<string, unknown>;
  if (!('Job' in body)) throw new MultiError(['request body: missing field "Job"'], 'bad_request');
  return decodeApiJob(body['Job'], 'Job');
}

/** True when a parsed JSON object is a register request (`{"Job": ...}`) rather than a bare job. */
export function isApiJobRequest(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'Job' in value;
}

/** The job as the API's JSON shows it: the model's own fields, as plain JSON. */
export function encodeApiJob(job: Job): Record<string, unknown> {
  return JSON.parse(JSON.stringify(job)) as Record<string, unknown>;
}
