/** /v1/job/:id and its reads: the job, versions, allocations, evaluations, deployments, summary, scale. */
import { watchItems } from '../state/index.ts';
import { diffJobs } from '../structs/diff.ts';
import type { JobDiff } from '../structs/diff.ts';
import type { Job } from '../structs/job.ts';
import type { JobScaleStatusResponse, JobVersionsResponse, TaskGroupScaleStatus } from '../api/types.ts';
import { ApiContext, mustJob, notFoundError } from './api_context.ts';
import { registerJob } from './jobs_endpoint.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import { allocListStub } from './stubs.ts';

export function registerJobRoutes(api: ApiContext): void {
  api.route('GET', '/v1/job/*id', (req, res) => readJob(api, req, res));
  api.route(['PUT', 'POST'], '/v1/job/*id', (req, res) => registerJob(api, req, res, req.param('id')));
  api.route('GET', '/v1/job/*id/versions', (req, res) => jobVersions(api, req, res));
  api.route('GET', '/v1/job/*id/allocations', (req, res) => jobAllocations(api, req, res));
  api.route('GET', '/v1/job/*id/evaluations', (req, res) => jobEvaluations(api, req, res));
  api.route('GET', '/v1/job/*id/deployments', (req, res) => jobDeployments(api, req, res));
  api.route('GET', '/v1/job/*id/deployment', (req, res) => latestDeployment(api, req, res));
  api.route('GET', '/v1/job/*id/summary', (req, res) => jobSummary(api, req, res));
  api.route('GET', '/v1/job/*id/scale', (req, res) => scaleStatus(api, req, res));
}

function readJob(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<Job> {
  const ns = req.namespace();
  const id = req.param('id');
  return api
    .query(req, res, (snap) => {
      const job = snap.jobByID(ns, id);
      return {
        index: job?.ModifyIndex ?? snap.tableIndex('jobs'),
        value: job,
        items: [watchItems.job(ns, id)],
      };
    })
    .then((job) => job ?? Promise.reject(notFoundError('job')));
}

async function jobVersions(
  api: ApiContext,
  req: HttpRequest,
  res: HttpResponse,
): Promise<JobVersionsResponse> {
  const ns = req.namespace();
  const id = req.param('id');
  const withDiffs = req.bool('diffs');
  const versions = await api.query(req, res, (snap) => ({
    index: snap.tableIndex('job_version'),
    value: snap.jobVersionsByID(ns, id),
    items: [watchItems.jobVersions(ns, id)],
  }));
  if (versions.length === 0) throw notFoundError('job versions');
  const diffs: JobDiff[] = [];
  if (withDiffs) {
    for (let i = 0; i + 1 < versions.length; i++) {
      diffs.push(diffJobs(versions[i + 1]!, versions[i]!, { contextual: true }));
    }
  }
  return { Versions: [...versions], Diffs: withDiffs ? diffs : null };
}

async function jobAllocations(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const id = req.param('id');
  const all = req.bool('all');
  const opts = { resources: req.bool('resources'), taskStates: req.bool('task_states', true) };
  return api.query(req, res, (snap) => {
    mustJob(snap, ns, id);
    const allocs = snap.allocsByJob(ns, id, all);
    return {
      index: snap.tableIndex('allocs'),
      value: allocs.map((a) => allocListStub(a, opts)),
      items: [watchItems.allocsByJob(ns, id), watchItems.job(ns, id)],
    };
  });
}

function jobEvaluations(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const id = req.param('id');
  return api.query(req, res, (snap) => {
    mustJob(snap, ns, id);
    return {
      index: snap.tableIndex('evals'),
      value: snap.evalsByJob(ns, id),
      items: [watchItems.evalsByJob(ns, id), watchItems.job(ns, id)],
    };
  });
}

function jobDeployments(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const id = req.param('id');
  const all = req.bool('all');
  return api.query(req, res, (snap) => {
    const job = mustJob(snap, ns, id);
    const list = snap.deploymentsByJob(ns, id).filter((d) => all || d.JobCreateIndex === job.CreateIndex);
    list.sort((a, b) => b.CreateIndex - a.CreateIndex);
    return {
      index: snap.tableIndex('deployment'),
      value: list,
      items: [watchItems.deploymentsByJob(ns, id), watchItems.job(ns, id)],
    };
  });
}

function latestDeployment(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const id = req.param('id');
  return api.query(req, res, (snap) => {
    mustJob(snap, ns, id);
    const d = snap.latestDeploymentByJobID(ns, id);
    return {
      index: d?.ModifyIndex ?? snap.tableIndex('deployment'),
      value: d ?? null,
      items: [watchItems.deploymentsByJob(ns, id), watchItems.job(ns, id)],
    };
  });
}

function jobSummary(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const id = req.param('id');
  return api.query(req, res, (snap) => {
    const summary = snap.jobSummaryByID(ns, id);
    if (summary === undefined) throw notFoundError('job');
    return { index: summary.ModifyIndex, value: summary, items: [watchItems.jobSummary(ns, id)] };
  });
}

function scaleStatus(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<JobScaleStatusResponse> {
  const ns = req.namespace();
  const id = req.param('id');
  return api.query(req, res, (snap) => {
    const job = mustJob(snap, ns, id);
    const deployment = snap.latestDeploymentByJobID(ns, id);
    const groups: Record<string, TaskGroupScaleStatus> = {};
    for (const tg of job.TaskGroups) {
      const ds = deployment?.TaskGroups[tg.Name];
      groups[tg.Name] = {
        Desired: tg.Count,
        Placed: ds?.PlacedAllocs ?? 0,
        Running: 0,
        Healthy: ds?.HealthyAllocs ?? 0,
        Unhealthy: ds?.UnhealthyAllocs ?? 0,
        Events: null,
      };
    }
    for (const a of snap.allocsByJob(ns, id, false)) {
      const g = groups[a.TaskGroup];
      if (g !== undefined && a.ClientStatus === 'running') g.Running++;
    }
    const value: JobScaleStatusResponse = {
      JobID: job.ID,
      Namespace: job.Namespace,
      JobCreateIndex: job.CreateIndex,
      JobModifyIndex: job.JobModifyIndex,
      JobStopped: job.Stop,
      TaskGroups: groups,
    };
    return {
      index: snap.maxIndex('jobs', 'allocs', 'deployment'),
      value,
      items: [watchItems.job(ns, id), watchItems.allocsByJob(ns, id), watchItems.deploymentsByJob(ns, id)],
    };
  });
}
