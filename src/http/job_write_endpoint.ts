/** Writes on one job: stop or purge, plan, evaluate, revert, stable, scale, dispatch, periodic force. */
import { badRequest } from '../lib/errors.ts';
import type { ScalingRequest } from '../api/types.ts';
import {
  ApiContext,
  bodyObject,
  fieldBool,
  fieldInt,
  fieldObject,
  fieldString,
  fieldStringMap,
  mustJob,
  optionalBodyObject,
} from './api_context.ts';
import { jobFromBody } from './jobs_endpoint.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';

/** The largest dispatch payload, as Nomad's DispatchPayloadSizeLimit: 16 KiB. */
export const MAX_DISPATCH_PAYLOAD_BYTES = 16 * 1024;

export function registerJobWriteRoutes(api: ApiContext): void {
  api.route('DELETE', '/v1/job/*id', (req, res) => deregister(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id/plan', (req, res) => plan(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id/evaluate', (req, res) => evaluate(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id/revert', (req, res) => revert(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id/stable', (req, res) => stable(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id/scale', (req, res) => scale(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id/dispatch', (req, res) => dispatch(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id/periodic/force', (req, res) => periodicForce(api, req, res));
}

/** 404 before any write when the job does not exist, so a bad request never proposes anything. */
function existingJob(api: ApiContext, req: HttpRequest): { namespace: string; jobId: string } {
  const namespace = req.namespace();
  const jobId = req.param('id');
  mustJob(api.server().store.snapshot(), namespace, jobId);
  return { namespace, jobId };
}

function checkBodyJobId(body: Record<string, unknown>, jobId: string, message: string): void {
  const given = fieldString(body, 'JobID');
  if (given !== '' && given !== jobId) throw badRequest(message);
}

async function deregister(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const evalPriority = req.int('eval_priority');
  if (evalPriority !== 0 && (evalPriority < 1 || evalPriority > 100)) {
    throw badRequest('Eval priority must be between 1 and 100 inclusively');
  }
  const args = {
    purge: req.bool('purge'),
    global: req.bool('global'),
    evalPriority,
    noShutdownDelay: req.bool('no_shutdown_delay'),
  };
  const { namespace, jobId } = existingJob(api, req);
  return api.wrote(res, await api.server().endpoints.jobDeregister({ namespace, jobId, ...args }));
}

async function plan(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  const job = jobFromBody(req, body);
  if (job.ID !== req.param('id')) throw badRequest('Job ID does not match');
  const diff = fieldBool(body, 'Diff');
  const policyOverride = fieldBool(body, 'PolicyOverride');
  const checked = api.backend.validateJob(job);
  if (checked.errors.length > 0) throw badRequest(checked.errors.join('\n'));
  return api.wrote(res, await api.server().endpoints.jobPlan({ job: checked.job, diff, policyOverride }));
}

async function evaluate(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = optionalBodyObject(req);
  const { namespace, jobId } = existingJob(api, req);
  checkBodyJobId(body, jobId, 'JobID not same as job name');
  const opts = fieldObject(body, 'EvalOptions') ?? {};
  const forceReschedule = fieldBool(opts, 'ForceReschedule');
  return api.wrote(res, await api.server().endpoints.jobEvaluate({ namespace, jobId, forceReschedule }));
}

async function revert(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  if (fieldString(body, 'JobID') === '') throw badRequest('JobID must be specified');
  checkBodyJobId(body, req.param('id'), 'Job ID does not match');
  if (body['JobVersion'] === undefined) throw badRequest('JobVersion must be specified');
  const jobVersion = fieldInt(body, 'JobVersion');
  const prior = body['EnforcePriorVersion'];
  const enforcePriorVersion =
    prior === undefined || prior === null ? null : fieldInt(body, 'EnforcePriorVersion');
  const { namespace, jobId } = existingJob(api, req);
  const out = await api.server().endpoints.jobRevert({ namespace, jobId, jobVersion, enforcePriorVersion });
  return api.wrote(res, out);
}

async function stable(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  if (fieldString(body, 'JobID') === '') throw badRequest('JobID must be specified');
  checkBodyJobId(body, req.param('id'), 'Job ID does not match');
  const jobVersion = fieldInt(body, 'JobVersion');
  const isStable = fieldBool(body, 'Stable');
  const { namespace, jobId } = existingJob(api, req);
  const out = await api.server().endpoints.jobStable({ namespace, jobId, jobVersion, stable: isStable });
  return api.wrote(res, out);
}

async function scale(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  const target = fieldStringMap(body, 'Target');
  const group = target['Group'] ?? '';
  if (group === '') throw badRequest('Target.Group must be specified');
  const count = body['Count'] === undefined || body['Count'] === null ? null : fieldInt(body, 'Count');
  if (count !== null && count < 0) throw badRequest(`Count must be >= 0: got ${count}`);
  const request: ScalingRequest = {
    Count: count,
    Target: target,
    Message: fieldString(body, 'Message'),
    Error: fieldBool(body, 'Error'),
    Meta: fieldObject(body, 'Meta'),
    PolicyOverride: fieldBool(body, 'PolicyOverride'),
  };
  const { namespace, jobId } = existingJob(api, req);
  const job = api.server().store.snapshot().jobByID(namespace, jobId);
  if (job !== undefined && !job.TaskGroups.some((tg) => tg.Name === group)) {
    throw badRequest(`Task group "${group}" not found in job "${jobId}"`);
  }
  return api.wrote(res, await api.server().endpoints.jobScale({ namespace, jobId, request }));
}

async function dispatch(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = optionalBodyObject(req);
  checkBodyJobId(body, req.param('id'), 'job ID in payload did not match URL');
  const encoded = fieldString(body, 'Payload');
  if (encoded !== '' && !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw badRequest('Payload must be base64');
  const payload = Buffer.from(encoded, 'base64');
  if (payload.length > MAX_DISPATCH_PAYLOAD_BYTES) {
    throw badRequest(`Payload exceeds maximum size; ${payload.length} > ${MAX_DISPATCH_PAYLOAD_BYTES}`);
  }
  const meta = fieldStringMap(body, 'Meta');
  const idPrefixTemplate = fieldString(body, 'IdPrefixTemplate');
  const priority = fieldInt(body, 'Priority');
  const { namespace, jobId } = existingJob(api, req);
  const out = await api
    .server()
    .endpoints.jobDispatch({ namespace, jobId, payload, meta, idPrefixTemplate, priority });
  return api.wrote(res, out);
}

async function periodicForce(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const { namespace, jobId } = existingJob(api, req);
  return api.wrote(res, await api.server().endpoints.periodicForce({ namespace, jobId }));
}
