/** /v1/jobs (list, register), /v1/jobs/parse, /v1/validate/job. */
import { MultiError, badRequest } from '../lib/errors.ts';
import { canonicalizeJob } from '../structs/canonicalize.ts';
import { decodeApiJob } from '../structs/job_codec.ts';
import type { Job } from '../structs/job.ts';
import { watchItems } from '../state/index.ts';
import type { JobValidateResponse } from '../api/types.ts';
import { ApiContext, bodyObject, fieldBool, fieldInt, fieldString, inNamespace } from './api_context.ts';
import type { Body } from './api_context.ts';
import { paginate } from './pagination.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import { jobListStub } from './stubs.ts';

export function registerJobsRoutes(api: ApiContext): void {
  api.route('GET', '/v1/jobs', (req, res) => listJobs(api, req, res));
  api.route(['PUT', 'POST'], '/v1/jobs', (req, res) => registerJob(api, req, res, ''));
  api.route(['PUT', 'POST'], '/v1/jobs/parse', (req) => parseJob(api, req));
  api.route(['PUT', 'POST'], '/v1/validate/job', async (req) => validateJob(api, req));
}

async function listJobs(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const namespace = req.namespace();
  const prefix = req.prefix();
  const withMeta = req.bool('meta');
  const page = req.page();
  const out = await api.query(req, res, (snap) => {
    const jobs = inNamespace(snap.jobs(), namespace).filter((j) => j.ID.startsWith(prefix));
    const stubs = jobs.map((j) => jobListStub(j, snap.jobSummaryByID(j.Namespace, j.ID), { meta: withMeta }));
    return {
      index: snap.maxIndex('jobs', 'job_summary'),
      value: paginate(stubs, (s) => `${s.Namespace}.${s.ID}`, page),
      items: [watchItems.table('jobs'), watchItems.table('job_summary')],
    };
  });
  if (out.nextToken !== '') res.setHeader('X-Nomad-NextToken', out.nextToken);
  return out.items;
}

/**
 * The job of a register, update, plan or validate body: type-checked field by field, then
 * canonicalized (Nomad's defaults filled in), with the request's namespace and region when the job
 * names none.
 */
export function jobFromBody(req: HttpRequest, body: Body, key = 'Job'): Job {
  const raw = body[key];
  if (raw === undefined || raw === null) throw badRequest('Job must be specified');
  const input: Record<string, unknown> = { ...(decodeApiJob(raw, key) as Record<string, unknown>) };
  if (typeof input['Namespace'] !== 'string' || input['Namespace'] === '')
    input['Namespace'] = req.namespace();
  if (typeof input['Region'] !== 'string' || input['Region'] === '') input['Region'] = req.region();
  const job = canonicalizeJob(input as Parameters<typeof canonicalizeJob>[0]);
  if (job.ID === '') throw badRequest("Job ID hasn't been provided");
  return job;
}

/** PUT /v1/jobs, and POST /v1/job/:id (update) with the path's ID. */
export async function registerJob(
  api: ApiContext,
  req: HttpRequest,
  res: HttpResponse,
  pathId: string,
): Promise<unknown> {
  const body = bodyObject(req);
  const job = jobFromBody(req, body);
  if (pathId !== '' && job.ID !== pathId) throw badRequest('Job ID does not match name');
  const checked = api.backend.validateJob(job);
  if (checked.errors.length > 0) throw new MultiError(checked.errors);
  const evalPriority = fieldInt(body, 'EvalPriority');
  if (evalPriority !== 0 && (evalPriority < 1 || evalPriority > 100)) {
    throw badRequest('Eval priority must be between 1 and 100 inclusively');
  }
  const out = await api.server().endpoints.jobRegister({
    job: checked.job,
    enforceIndex: fieldBool(body, 'EnforceIndex'),
    jobModifyIndex: fieldInt(body, 'JobModifyIndex'),
    policyOverride: fieldBool(body, 'PolicyOverride'),
    preserveCounts: fieldBool(body, 'PreserveCounts'),
    evalPriority,
  });
  if (checked.warnings.length > 0 && out.Warnings === '') out.Warnings = MultiError.format(checked.warnings);
  return api.wrote(res, out);
}

async function parseJob(api: ApiContext, req: HttpRequest): Promise<Job> {
  const body = bodyObject(req);
  const hcl = fieldString(body, 'JobHCL');
  if (hcl === '') throw badRequest('Job spec is empty');
  return api.backend.parseJob(hcl, {
    variables: fieldString(body, 'Variables'),
    canonicalize: fieldBool(body, 'Canonicalize'),
  });
}

function validateJob(api: ApiContext, req: HttpRequest): JobValidateResponse {
  const body = bodyObject(req);
  const job = jobFromBody(req, body);
  const checked = api.backend.validateJob(job);
  return {
    DriverConfigValidated: false,
    ValidationErrors: checked.errors,
    Error: checked.errors.length > 0 ? MultiError.format(checked.errors) : '',
    Warnings: checked.warnings.length > 0 ? MultiError.format(checked.warnings) : '',
  };
}
