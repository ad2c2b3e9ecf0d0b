/**
 * Job writes (Nomad's Job.Register, Deregister, Evaluate, Revert, Stable, Scale): validate, then
 * propose one log entry carrying the job and its evaluation, with IDs and times from the injected
 * sources. Nothing is written unless every check passes.
 */
import { isDeepStrictEqual } from 'node:util';
import { MultiError, NomadError } from '../lib/errors.ts';
import { proposeOrThrow } from '../fsm/log.ts';
import type { LogEntry } from '../fsm/log_entry.ts';
import { JOB_MODIFY_INDEX_CONFLICT } from '../fsm/fsm_apply.ts';
import { jobIsParameterized, jobIsPeriodic } from '../state/index.ts';
import { canonicalizeJob, type JobInput } from '../structs/canonicalize.ts';
import type { Job } from '../structs/job.ts';
import { validateJob } from '../structs/validate.ts';
import { deploymentActive } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { namespaceOf, newJobEval, nowNs, requireId, type EndpointDeps } from './endpoint_common.ts';

export const ENFORCE_INDEX_ERR_PREFIX = 'Enforcing job modify index';
/** A scale that keeps losing the race against other writes to the job gives up after this many tries. */
export const SCALE_ATTEMPTS_MAX = 5;
export const JOB_REGISTRATION_DISABLED =
  'Job registration, dispatch, and scale are disabled by the scheduler configuration';

export interface JobRegisterRequest {
  job: JobInput;
  enforceIndex?: boolean;
  jobModifyIndex?: number;
  /** Keep the counts of groups that already exist (`job run -preserve-counts`). */
  preserveCounts?: boolean;
  evalPriority?: number;
}

export interface JobRegisterResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  Warnings: string;
  Index: number;
}

export interface JobDeregisterResponse {
  EvalID: string;
  EvalCreateIndex: number;
  JobModifyIndex: number;
  Index: number;
}

// Bookkeeping that changes on every write; a job differing only in these has not changed.
const NON_SPEC_FIELDS = [
  'Status',
  'StatusDescription',
  'Stable',
  'Version',
  'SubmitTime',
  'CreateIndex',
  'ModifyIndex',
  'JobModifyIndex',
] as const;

/** Whether the job's specification differs from the stored one (Nomad's Job.SpecChanged). */
export function jobSpecChanged(existing: Job, next: Job): boolean {
  const strip = (j: Job): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...j };
    for (const f of NON_SPEC_FIELDS) delete copy[f];
    return copy;
  };
  return !isDeepStrictEqual(strip(existing), strip(next));
}

/** Canonicalizes and validates a submitted job; every problem is reported, each named by its path. */
export function admitJob(input: JobInput): Job {
  let job: Job;
  try {
    job = canonicalizeJob(input);
  } catch (err) {
    if (err instanceof NomadError) throw err;
    throw new NomadError('bad_request', `Invalid job: ${String(err)}`, { cause: err });
  }
  const errors = validateJob(job);
  if (errors.length > 0) throw new MultiError(errors, 'validation');
  return job;
}

export function checkEnforceIndex(existing: Job | undefined, enforce: boolean, jmi: number): void {
  if (!enforce) return;
  if (existing !== undefined) {
    if (jmi === 0) throw new NomadError('conflict', `${ENFORCE_INDEX_ERR_PREFIX} 0: job already exists`);
    if (jmi !== existing.JobModifyIndex) {
      throw new NomadError(
        'conflict',
        `${ENFORCE_INDEX_ERR_PREFIX} ${jmi}: job exists with conflicting job modify index: ${existing.JobModifyIndex}`,
      );
    }
  } else if (jmi !== 0) {
    throw new NomadError('conflict', `${ENFORCE_INDEX_ERR_PREFIX} ${jmi}: job does not exist`);
  }
}

export function unknownJob(jobId: string, namespace: string): NomadError {
  return new NomadError('not_found', `job "${jobId}" in namespace "${namespace}" not found`);
}

export class JobEndpoint {
  private readonly deps: EndpointDeps;

  constructor(deps: EndpointDeps) {
    this.deps = deps;
  }

  private job(namespace: string | undefined, jobId: string | undefined): Job {
    const ns = namespaceOf(namespace);
    const id = requireId(jobId, 'Missing job ID');
    const job = this.deps.store.snapshot().jobByID(ns, id);
    if (job === undefined) throw unknownJob(id, ns);
    return job;
  }

  /** Job.Register: a new version only when the specification changed; an evaluation unless periodic or parameterized. */
  async register(req: JobRegisterRequest): Promise<JobRegisterResponse> {
    let job = admitJob(req.job);
    const snap = this.deps.store.snapshot();
    if (snap.schedulerConfig().RejectJobRegistration)
      throw new NomadError('bad_request', JOB_REGISTRATION_DISABLED);
    const existing = snap.jobByID(job.Namespace, job.ID);
    checkEnforceIndex(existing, req.enforceIndex === true, req.jobModifyIndex ?? 0);
    if (existing !== undefined && existing.ParentID === '' && job.ParentID !== '') {
      throw new NomadError('bad_request', `Job "${job.ID}" is not a child job: ParentID must be empty`);
    }
    if (req.preserveCounts === true && existing !== undefined) job = preserveCounts(job, existing);
    job = { ...job, SubmitTime: nowNs(this.deps.clock) };
    const wantsEval = !jobIsPeriodic(job) && !jobIsParameterized(job);
    const ev = wantsEval
      ? newJobEval(this.deps, job, {
          triggeredBy: 'job-register',
          ...(req.evalPriority !== undefined ? { priority: req.evalPriority } : {}),
        })
      : null;
    if (existing === undefined || jobSpecChanged(existing, job)) {
      // With enforceIndex the check is repeated when the entry applies: nothing may get in between.
      const { index } = await proposeOrThrow(this.deps.log, {
        type: 'JobRegister',
        job,
        eval: ev,
        ...(req.enforceIndex === true ? { expectedJobModifyIndex: req.jobModifyIndex ?? 0 } : {}),
      });
      return {
        EvalID: ev?.ID ?? '',
        EvalCreateIndex: ev === null ? 0 : index,
        JobModifyIndex: index,
        Warnings: '',
        Index: index,
      };
    }
    if (ev === null) {
      return {
        EvalID: '',
        EvalCreateIndex: 0,
        JobModifyIndex: existing.JobModifyIndex,
        Warnings: '',
        Index: snap.latestIndex(),
      };
    }
    const { index } = await proposeOrThrow(this.deps.log, {
      type: 'EvalUpdate',
      evals: [{ ...ev, JobModifyIndex: existing.JobModifyIndex }],
    });
    return {
      EvalID: ev.ID,
      EvalCreateIndex: index,
      JobModifyIndex: existing.JobModifyIndex,
      Warnings: '',
      Index: index,
    };
  }

  /** Job.Deregister: stops the job (a new, stopped version) or purges it, with an evaluation. */
  async deregister(req: {
    namespace?: string;
    jobId: string;
    purge?: boolean;
    evalPriority?: number;
  }): Promise<JobDeregisterResponse> {
    const job = this.job(req.namespace, req.jobId);
    const ev =
      jobIsPeriodic(job) || jobIsParameterized(job)
        ? null
        : newJobEval(this.deps, job, {
            triggeredBy: 'job-deregister',
            ...(req.evalPriority !== undefined ? { priority: req.evalPriority } : {}),
          });
    const { index } = await proposeOrThrow(this.deps.log, {
      type: 'JobDeregister',
      namespace: job.Namespace,
      jobId: job.ID,
      purge: req.purge === true,
      submitTime: nowNs(this.deps.clock),
      eval: ev,
    });
    return {
      EvalID: ev?.ID ?? '',
      EvalCreateIndex: ev === null ? 0 : index,
      JobModifyIndex: index,
      Index: index,
    };
  }

  /** Job.Evaluate: a new evaluation of the job as it is; with forceReschedule, failed allocations are rescheduled now. */
  async evaluate(req: {
    namespace?: string;
    jobId: string;
    forceReschedule?: boolean;
  }): Promise<JobDeregisterResponse> {
    const job = this.job(req.namespace, req.jobId);
    if (jobIsPeriodic(job)) throw new NomadError('bad_request', "can't evaluate periodic job");
    if (jobIsParameterized(job)) throw new NomadError('bad_request', "can't evaluate parameterized job");
    const ev = newJobEval(this.deps, job, { triggeredBy: 'job-register', jobModifyIndex: job.ModifyIndex });
    let entry: LogEntry = { type: 'EvalUpdate', evals: [ev] };
    if (req.forceReschedule === true) {
      const allocs: Record<string, { ForceReschedule: boolean }> = {};
      for (const a of this.deps.store.snapshot().allocsByJob(job.Namespace, job.ID, false)) {
        if (a.ClientStatus === 'failed' && a.DesiredStatus === 'run')
          allocs[a.ID] = { ForceReschedule: true };
      }
      entry = { type: 'AllocUpdateDesiredTransition', allocs, evals: [ev] };
    }
    const { index } = await proposeOrThrow(this.deps.log, entry);
    return { EvalID: ev.ID, EvalCreateIndex: index, JobModifyIndex: job.ModifyIndex, Index: index };
  }

  /** Job.Revert: registers an earlier version again (as a new version). */
  async revert(req: {
    namespace?: string;
    jobId: string;
    jobVersion: number;
    enforcePriorVersion?: number;
  }): Promise<JobRegisterResponse> {
    const ns = namespaceOf(req.namespace);
    const cur = this.job(ns, req.jobId);
    if (req.jobVersion === cur.Version)
      throw new NomadError('bad_request', "can't revert to current version");
    const version = this.deps.store.snapshot().jobByIDAndVersion(ns, cur.ID, req.jobVersion);
    if (version === undefined) {
      throw new NomadError(
        'not_found',
        `job "${cur.ID}" in namespace "${ns}" at version ${req.jobVersion} not found`,
      );
    }
    if (req.enforcePriorVersion !== undefined && cur.Version !== req.enforcePriorVersion) {
      throw new NomadError(
        'conflict',
        `Current job has version ${cur.Version}; enforcing version ${req.enforcePriorVersion}`,
      );
    }
    // The new version has not been deployed yet: it earns Stable by its own deployment, as in Nomad.
    return this.register({
      job: { ...version, Stable: false },
      ...(req.enforcePriorVersion !== undefined
        ? { enforceIndex: true, jobModifyIndex: cur.JobModifyIndex }
        : {}),
    });
  }

  /** Job.Stable: marks a version stable or not. */
  async stable(req: {
    namespace?: string;
    jobId: string;
    jobVersion: number;
    stable: boolean;
  }): Promise<{ Index: number }> {
    const job = this.job(req.namespace, req.jobId);
    if (this.deps.store.snapshot().jobByIDAndVersion(job.Namespace, job.ID, req.jobVersion) === undefined) {
      throw new NomadError(
        'not_found',
        `job "${job.ID}" in namespace "${job.Namespace}" at version ${req.jobVersion} not found`,
      );
    }
    const { index } = await proposeOrThrow(this.deps.log, {
      type: 'JobStability',
      namespace: job.Namespace,
      jobId: job.ID,
      version: req.jobVersion,
      stable: req.stable,
    });
    return { Index: index };
  }

  /**
   * Job.Scale: sets a group's count (within its scaling policy) and evaluates the job. The new
   * version is the stored job with one count changed, so it is proposed as a check-and-set on the
   * JobModifyIndex it was read at; if another write got in first, the scale starts over from it.
   */
  async scale(req: {
    namespace?: string;
    jobId: string;
    group: string;
    count: number | null;
    message?: string;
  }): Promise<JobRegisterResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.scaleOnce(req);
      } catch (err) {
        const raced = err instanceof NomadError && err.message.startsWith(JOB_MODIFY_INDEX_CONFLICT);
        if (!raced || attempt >= SCALE_ATTEMPTS_MAX) throw err;
      }
    }
  }

  private async scaleOnce(req: {
    namespace?: string;
    jobId: string;
    group: string;
    count: number | null;
  }): Promise<JobRegisterResponse> {
    const job = this.job(req.namespace, req.jobId);
    if (req.group === '') throw new NomadError('bad_request', 'missing task group name for scaling action');
    if (req.count !== null && req.count < 0)
      throw new NomadError('bad_request', "scaling action count can't be negative");
    if (this.deps.store.snapshot().schedulerConfig().RejectJobRegistration) {
      throw new NomadError('bad_request', JOB_REGISTRATION_DISABLED);
    }
    const group = job.TaskGroups.find((tg) => tg.Name === req.group);
    if (group === undefined) {
      throw new NomadError(
        'bad_request',
        `task group "${req.group}" specified for scaling does not exist in job`,
      );
    }
    if (req.count === null) {
      return {
        EvalID: '',
        EvalCreateIndex: 0,
        JobModifyIndex: job.JobModifyIndex,
        Warnings: '',
        Index: job.ModifyIndex,
      };
    }
    checkScalingBounds(group.Scaling, req.count);
    const deployment = this.deps.store.snapshot().latestDeploymentByJobID(job.Namespace, job.ID);
    if (
      deployment !== undefined &&
      deploymentActive(deployment) &&
      deployment.JobCreateIndex === job.CreateIndex
    ) {
      throw new NomadError('bad_request', 'job scaling blocked due to active deployment');
    }
    const scaled: Job = {
      ...job,
      TaskGroups: job.TaskGroups.map((tg) => (tg.Name === req.group ? { ...tg, Count: req.count! } : tg)),
      SubmitTime: nowNs(this.deps.clock),
    };
    const ev: Evaluation | null =
      jobIsPeriodic(job) || jobIsParameterized(job)
        ? null
        : newJobEval(this.deps, job, { triggeredBy: 'job-scaling' });
    const { index } = await proposeOrThrow(this.deps.log, {
      type: 'JobRegister',
      job: scaled,
      eval: ev,
      expectedJobModifyIndex: job.JobModifyIndex,
    });
    return {
      EvalID: ev?.ID ?? '',
      EvalCreateIndex: ev === null ? 0 : index,
      JobModifyIndex: index,
      Warnings: '',
      Index: index,
    };
  }
}

function checkScalingBounds(policy: Job['TaskGroups'][number]['Scaling'], count: number): void {
  if (policy === null) return;
  if (count < policy.Min) {
    throw new NomadError(
      'bad_request',
      `group count was less than scaling policy minimum: ${count} < ${policy.Min}`,
    );
  }
  if (policy.Max < count) {
    throw new NomadError(
      'bad_request',
      `group count was greater than scaling policy maximum: ${count} > ${policy.Max}`,
    );
  }
}

function preserveCounts(job: Job, existing: Job): Job {
  const counts = new Map(existing.TaskGroups.map((tg) => [tg.Name, tg.Count]));
  return {
    ...job,
    TaskGroups: job.TaskGroups.map((tg) => ({ ...tg, Count: counts.get(tg.Name) ?? tg.Count })),
  };
}
