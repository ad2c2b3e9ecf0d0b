/** /v1/jobs and /v1/job/:id: register, read, plan, stop, history, scale, dispatch. */
import type { AllocListStub } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { JobSummary } from '../structs/job_summary.ts';
import { esc } from './client.ts';
import type {
  HttpTransport,
  QueryMeta,
  QueryOptions,
  QueryParams,
  Response,
  WriteMeta,
  WriteOptions,
} from './client.ts';
import type {
  JobDeregisterResponse,
  JobDispatchRequest,
  JobDispatchResponse,
  JobEvaluateResponse,
  JobListStub,
  JobPlanResponse,
  JobRegisterResponse,
  JobScaleStatusResponse,
  JobsParseRequest,
  JobStabilityResponse,
  JobValidateResponse,
  JobVersionsResponse,
  PeriodicForceResponse,
  ScalingRequest,
} from './types.ts';

export interface RegisterOptions {
  /** Register only if the job's JobModifyIndex equals modifyIndex (0 = the job must not exist). */
  enforceIndex?: boolean;
  modifyIndex?: number;
  policyOverride?: boolean;
  preserveCounts?: boolean;
  preserveResources?: boolean;
  evalPriority?: number;
  submission?: unknown;
}

export interface DeregisterOptions {
  purge?: boolean;
  global?: boolean;
  evalPriority?: number;
  noShutdownDelay?: boolean;
}

type Q<T> = Promise<Response<T, QueryMeta>>;
type W<T> = Promise<Response<T, WriteMeta>>;

export class Jobs {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  list(opts: QueryOptions & { meta?: boolean } = {}): Q<JobListStub[]> {
    const params = { ...opts.params, ...(opts.meta ? { meta: 'true' } : {}) };
    return this.#t.query('/v1/jobs', { ...opts, params });
  }

  prefixList(prefix: string, opts: QueryOptions = {}): Q<JobListStub[]> {
    return this.list({ ...opts, prefix });
  }

  info(jobId: string, opts: QueryOptions = {}): Q<Job> {
    return this.#t.query(`/v1/job/${esc(jobId)}`, opts);
  }

  /** HCL (or HCL-in-JSON) job file text -> the job as JSON, parsed by the agent. */
  async parseHCL(req: JobsParseRequest, opts: WriteOptions = {}): Promise<Job> {
    return (await this.#t.write<Job>('POST', '/v1/jobs/parse', req, opts)).data;
  }

  validate(job: Job, opts: WriteOptions = {}): W<JobValidateResponse> {
    return this.#t.write('POST', '/v1/validate/job', { Job: job }, opts);
  }

  register(job: Job, reg: RegisterOptions = {}, opts: WriteOptions = {}): W<JobRegisterResponse> {
    const body = {
      Job: job,
      EnforceIndex: reg.enforceIndex ?? false,
      JobModifyIndex: reg.modifyIndex ?? 0,
      PolicyOverride: reg.policyOverride ?? false,
      PreserveCounts: reg.preserveCounts ?? false,
      PreserveResources: reg.preserveResources ?? false,
      EvalPriority: reg.evalPriority ?? 0,
      ...(reg.submission === undefined ? {} : { Submission: reg.submission }),
    };
    return this.#t.write('PUT', '/v1/jobs', body, opts);
  }

  deregister(
    jobId: string,
    dereg: DeregisterOptions = {},
    opts: WriteOptions = {},
  ): W<JobDeregisterResponse> {
    const params: QueryParams = { ...opts.params, purge: String(dereg.purge ?? false) };
    if (dereg.global) params['global'] = 'true';
    if (dereg.evalPriority) params['eval_priority'] = String(dereg.evalPriority);
    if (dereg.noShutdownDelay) params['no_shutdown_delay'] = 'true';
    return this.#t.write('DELETE', `/v1/job/${esc(jobId)}`, undefined, { ...opts, params });
  }

  plan(job: Job, diff: boolean, opts: WriteOptions & { policyOverride?: boolean } = {}): W<JobPlanResponse> {
    const body = { Job: job, Diff: diff, PolicyOverride: opts.policyOverride ?? false };
    return this.#t.write('PUT', `/v1/job/${esc(job.ID)}/plan`, body, opts);
  }

  versions(jobId: string, diffs: boolean, opts: QueryOptions = {}): Q<JobVersionsResponse> {
    const params = { ...opts.params, diffs: String(diffs) };
    return this.#t.query(`/v1/job/${esc(jobId)}/versions`, { ...opts, params });
  }

  allocations(jobId: string, all: boolean, opts: QueryOptions = {}): Q<AllocListStub[]> {
    const params = { ...opts.params, all: String(all) };
    return this.#t.query(`/v1/job/${esc(jobId)}/allocations`, { ...opts, params });
  }

  evaluations(jobId: string, opts: QueryOptions = {}): Q<Evaluation[]> {
    return this.#t.query(`/v1/job/${esc(jobId)}/evaluations`, opts);
  }

  deployments(jobId: string, all: boolean, opts: QueryOptions = {}): Q<Deployment[]> {
    const params = { ...opts.params, all: String(all) };
    return this.#t.query(`/v1/job/${esc(jobId)}/deployments`, { ...opts, params });
  }

  /** The job's latest deployment, or null when it has none. */
  latestDeployment(jobId: string, opts: QueryOptions = {}): Q<Deployment | null> {
    return this.#t.query(`/v1/job/${esc(jobId)}/deployment`, opts);
  }

  summary(jobId: string, opts: QueryOptions = {}): Q<JobSummary> {
    return this.#t.query(`/v1/job/${esc(jobId)}/summary`, opts);
  }

  forceEvaluate(jobId: string, forceReschedule = false, opts: WriteOptions = {}): W<JobEvaluateResponse> {
    const body = { JobID: jobId, EvalOptions: { ForceReschedule: forceReschedule } };
    return this.#t.write('POST', `/v1/job/${esc(jobId)}/evaluate`, body, opts);
  }

  periodicForce(jobId: string, opts: WriteOptions = {}): W<PeriodicForceResponse> {
    return this.#t.write('POST', `/v1/job/${esc(jobId)}/periodic/force`, undefined, opts);
  }

  dispatch(jobId: string, req: JobDispatchRequest, opts: WriteOptions = {}): W<JobDispatchResponse> {
    return this.#t.write('POST', `/v1/job/${esc(jobId)}/dispatch`, { ...req, JobID: jobId }, opts);
  }

  /** Reverts to jobVersion; enforcePriorVersion makes it conditional on the current version. */
  revert(
    jobId: string,
    jobVersion: number,
    enforcePriorVersion: number | null,
    opts: WriteOptions = {},
  ): W<JobRegisterResponse> {
    const body = { JobID: jobId, JobVersion: jobVersion, EnforcePriorVersion: enforcePriorVersion };
    return this.#t.write('POST', `/v1/job/${esc(jobId)}/revert`, body, opts);
  }

  stable(
    jobId: string,
    jobVersion: number,
    stable: boolean,
    opts: WriteOptions = {},
  ): W<JobStabilityResponse> {
    const body = { JobID: jobId, JobVersion: jobVersion, Stable: stable };
    return this.#t.write('POST', `/v1/job/${esc(jobId)}/stable`, body, opts);
  }

  scaleStatus(jobId: string, opts: QueryOptions = {}): Q<JobScaleStatusResponse> {
    return this.#t.query(`/v1/job/${esc(jobId)}/scale`, opts);
  }

  scale(jobId: string, req: ScalingRequest, opts: WriteOptions = {}): W<JobRegisterResponse> {
    return this.#t.write('POST', `/v1/job/${esc(jobId)}/scale`, req, opts);
  }
}
