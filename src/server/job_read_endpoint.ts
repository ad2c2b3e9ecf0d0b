/** Job reads (Nomad's Job.GetJob, List, GetJobVersions, Allocations, Evaluations, Summary, Deployments), all blocking queries. */
import { blockingQuery, watchItems, type StateSnapshot, type WatchItem } from '../state/index.ts';
import type { AllocListStub } from '../structs/allocation.ts';
import { allocListStub, jobListStub, type JobListStub } from '../structs/list_stubs.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { JobSummary } from '../structs/job_summary.ts';
import { namespaceOf, type EndpointDeps, type QueryOptions, type QueryResponse } from './endpoint_common.ts';

export { allocListStub, jobListStub, type JobListStub } from '../structs/list_stubs.ts';

/** The namespace wildcard of list queries. */
export const ALL_NAMESPACES = '*';

export class JobReadEndpoint {
  private readonly deps: EndpointDeps;

  constructor(deps: EndpointDeps) {
    this.deps = deps;
  }

  private query<T>(
    opts: QueryOptions,
    run: (s: StateSnapshot) => { index: number; value: T; items: WatchItem[] },
  ): Promise<QueryResponse<T>> {
    return blockingQuery(
      this.deps.store,
      { minIndex: opts.minIndex ?? 0, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) },
      run,
    );
  }

  /** The job, or null when there is none (the HTTP layer answers 404). */
  getJob(
    req: { namespace?: string; jobId: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<Job | null>> {
    const ns = namespaceOf(req.namespace);
    return this.query(opts, (s) => {
      const job = s.jobByID(ns, req.jobId) ?? null;
      return {
        index: job?.ModifyIndex ?? s.tableIndex('jobs'),
        value: job,
        items: [watchItems.job(ns, req.jobId)],
      };
    });
  }

  /** Jobs whose ID starts with prefix, in one namespace or all ("*"). */
  list(
    req: { namespace?: string; prefix?: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<JobListStub[]>> {
    const ns = namespaceOf(req.namespace);
    const prefix = req.prefix ?? '';
    return this.query(opts, (s) => {
      const jobs =
        ns === ALL_NAMESPACES
          ? s.jobs().filter((j) => j.ID.startsWith(prefix))
          : s.jobsByIDPrefix(ns, prefix);
      return {
        index: s.maxIndex('jobs', 'job_summary'),
        value: jobs.map((j) => jobListStub(j, s.jobSummaryByID(j.Namespace, j.ID), { meta: true })),
        items: [watchItems.table('jobs'), watchItems.table('job_summary')],
      };
    });
  }

  /** Tracked versions, newest first. */
  versions(
    req: { namespace?: string; jobId: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<Job[]>> {
    const ns = namespaceOf(req.namespace);
    return this.query(opts, (s) => {
      const versions = [...s.jobVersionsByID(ns, req.jobId)];
      return {
        index: versions.reduce((m, j) => Math.max(m, j.ModifyIndex), 0) || s.tableIndex('job_version'),
        value: versions,
        items: [watchItems.jobVersions(ns, req.jobId)],
      };
    });
  }

  allocations(
    req: { namespace?: string; jobId: string; all?: boolean },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<AllocListStub[]>> {
    const ns = namespaceOf(req.namespace);
    return this.query(opts, (s) => {
      const allocs = s.allocsByJob(ns, req.jobId, req.all === true);
      return {
        index: allocs.reduce((m, a) => Math.max(m, a.ModifyIndex), 0) || s.tableIndex('allocs'),
        value: allocs.map((a) => allocListStub(a)),
        items: [watchItems.allocsByJob(ns, req.jobId), watchItems.job(ns, req.jobId)],
      };
    });
  }

  evaluations(
    req: { namespace?: string; jobId: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<Evaluation[]>> {
    const ns = namespaceOf(req.namespace);
    return this.query(opts, (s) => {
      const evals = s.evalsByJob(ns, req.jobId);
      return {
        index: evals.reduce((m, e) => Math.max(m, e.ModifyIndex), 0) || s.tableIndex('evals'),
        value: evals,
        items: [watchItems.evalsByJob(ns, req.jobId)],
      };
    });
  }

  summary(
    req: { namespace?: string; jobId: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<JobSummary | null>> {
    const ns = namespaceOf(req.namespace);
    return this.query(opts, (s) => {
      const summary = s.jobSummaryByID(ns, req.jobId) ?? null;
      return {
        index: summary?.ModifyIndex ?? s.tableIndex('job_summary'),
        value: summary,
        items: [watchItems.jobSummary(ns, req.jobId)],
      };
    });
  }

  deployments(
    req: { namespace?: string; jobId: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<Deployment[]>> {
    const ns = namespaceOf(req.namespace);
    return this.query(opts, (s) => {
      const ds = s.deploymentsByJob(ns, req.jobId).sort((a, b) => b.CreateIndex - a.CreateIndex);
      return {
        index: ds.reduce((m, d) => Math.max(m, d.ModifyIndex), 0) || s.tableIndex('deployment'),
        value: ds,
        items: [watchItems.deploymentsByJob(ns, req.jobId)],
      };
    });
  }

  latestDeployment(
    req: { namespace?: string; jobId: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<Deployment | null>> {
    const ns = namespaceOf(req.namespace);
    return this.query(opts, (s) => {
      const d = s.latestDeploymentByJobID(ns, req.jobId) ?? null;
      return {
        index: d?.ModifyIndex ?? s.tableIndex('deployment'),
        value: d,
        items: [watchItems.deploymentsByJob(ns, req.jobId)],
      };
    });
  }
}
