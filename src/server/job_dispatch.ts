/** Job.Dispatch (parameterized jobs) and Job.PeriodicForce (periodic jobs). */
import { NomadError } from '../lib/errors.ts';
import { proposeOrThrow } from '../fsm/log.ts';
import { DISPATCH_LAUNCH_SUFFIX } from '../fsm/fsm_apply.ts';
import { jobIsParameterized, jobIsPeriodic } from '../state/index.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import { namespaceOf, newJobEval, nowNs, requireId, type EndpointDeps } from './endpoint_common.ts';
import { unknownJob } from './job_endpoint.ts';

/** Largest dispatch payload accepted, decoded (Nomad's DispatchPayloadSizeLimit). */
export const DISPATCH_PAYLOAD_SIZE_MAX = 16 * 1024;

export interface JobDispatchRequest {
  namespace?: string;
  jobId: string;
  /** Base64, as the API carries bytes. */
  payload?: string;
  meta?: Record<string, string>;
  idempotencyToken?: string;
}

export interface JobDispatchResponse {
  DispatchedJobID: string;
  EvalID: string;
  EvalCreateIndex: number;
  JobCreateIndex: number;
  Index: number;
}

/** Launches periodic jobs now: implemented by the periodic dispatcher (leader). */
export interface PeriodicForcer {
  /** Launches a child of the periodic job now and returns the child's evaluation. */
  forceLaunch(namespace: string, jobId: string): Promise<Evaluation | null>;
}

function checkDispatch(req: JobDispatchRequest, job: Job): void {
  const cfg = job.ParameterizedJob!;
  const payload = req.payload ?? '';
  const size = Buffer.from(payload, 'base64').length;
  if (cfg.Payload === 'required' && size === 0) {
    throw new NomadError('bad_request', 'Payload is not provided but required by parameterized job');
  }
  if (cfg.Payload === 'forbidden' && size > 0) {
    throw new NomadError('bad_request', 'Payload provided but forbidden by parameterized job');
  }
  if (size > DISPATCH_PAYLOAD_SIZE_MAX) {
    throw new NomadError('too_large', `Payload exceeds maximum size; ${size} > ${DISPATCH_PAYLOAD_SIZE_MAX}`);
  }
  const keys = Object.keys(req.meta ?? {}).sort();
  const required = cfg.MetaRequired ?? [];
  const optional = cfg.MetaOptional ?? [];
  const unpermitted = keys.filter((k) => !required.includes(k) && !optional.includes(k));
  if (unpermitted.length > 0) {
    throw new NomadError(
      'bad_request',
      `Dispatch request included unpermitted metadata keys: [${unpermitted.join(' ')}]`,
    );
  }
  const missing = required.filter((k) => !keys.includes(k)).sort();
  if (missing.length > 0) {
    throw new NomadError(
      'bad_request',
      `Dispatch did not provide required meta keys: [${missing.join(' ')}]`,
    );
  }
}

export class JobDispatchEndpoint {
  private readonly deps: EndpointDeps;
  private readonly periodic: PeriodicForcer | undefined;

  constructor(deps: EndpointDeps, periodic?: PeriodicForcer) {
    this.deps = deps;
    this.periodic = periodic;
  }

  /** Job.Dispatch: registers a child of a parameterized job with the payload and meta, and evaluates it. */
  async dispatch(req: JobDispatchRequest): Promise<JobDispatchResponse> {
    const ns = namespaceOf(req.namespace);
    const id = requireId(req.jobId, 'Missing parameterized job ID');
    const snap = this.deps.store.snapshot();
    const parent = snap.jobByID(ns, id);
    if (parent === undefined) throw new NomadError('not_found', `parameterized job "${id}" not found`);
    if (!jobIsParameterized(parent))
      throw new NomadError('bad_request', `Specified job "${id}" is not a parameterized job`);
    if (parent.Stop) throw new NomadError('bad_request', `Specified job "${id}" is stopped`);
    checkDispatch(req, parent);
    const token = req.idempotencyToken ?? '';
    if (token !== '') {
      const same = snap
        .jobsByParent(ns, id)
        .find((j) => j.DispatchIdempotencyToken === token && j.Status !== 'dead');
      if (same !== undefined) {
        return {
          DispatchedJobID: same.ID,
          EvalID: '',
          EvalCreateIndex: 0,
          JobCreateIndex: same.CreateIndex,
          Index: same.ModifyIndex,
        };
      }
    }
    const now = nowNs(this.deps.clock);
    const childId = `${parent.ID}${DISPATCH_LAUNCH_SUFFIX}${Math.floor(now / 1e9)}-${this.deps.ids.uuid().slice(0, 8)}`;
    const child: Job = {
      ...parent,
      ID: childId,
      Name: childId,
      ParentID: parent.ID,
      Dispatched: true,
      Status: 'pending',
      StatusDescription: '',
      DispatchIdempotencyToken: token,
      Meta: { ...(parent.Meta ?? {}), ...(req.meta ?? {}) },
      Payload: req.payload === undefined || req.payload === '' ? null : req.payload,
      SubmitTime: now,
      Version: 0,
      Stable: false,
    };
    const ev = jobIsPeriodic(child) ? null : newJobEval(this.deps, child, { triggeredBy: 'job-register' });
    const { index } = await proposeOrThrow(this.deps.log, { type: 'JobRegister', job: child, eval: ev });
    return {
      DispatchedJobID: childId,
      EvalID: ev?.ID ?? '',
      EvalCreateIndex: ev === null ? 0 : index,
      JobCreateIndex: index,
      Index: index,
    };
  }

  /** Job.PeriodicForce: launches a periodic job now. */
  async periodicForce(req: {
    namespace?: string;
    jobId: string;
  }): Promise<{ EvalID: string; EvalCreateIndex: number; Index: number }> {
    const ns = namespaceOf(req.namespace);
    const id = requireId(req.jobId, 'Missing job ID');
    const job = this.deps.store.snapshot().jobByID(ns, id);
    if (job === undefined) throw unknownJob(id, ns);
    if (!jobIsPeriodic(job)) throw new NomadError('bad_request', "can't force launch non-periodic job");
    if (this.periodic === undefined)
      throw new NomadError('unavailable', 'The periodic dispatcher is not running on this server');
    const ev = await this.periodic.forceLaunch(ns, id);
    const index = this.deps.store.latestIndex();
    return { EvalID: ev?.ID ?? '', EvalCreateIndex: ev?.CreateIndex ?? 0, Index: index };
  }
}
