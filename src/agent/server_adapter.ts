/**
 * The HTTP API's view of the server's write endpoints (src/http/backend.ts ServerEndpoints), over
 * the server's endpoint classes. The shapes differ only in naming (the classes return some fields
 * in camelCase); this is the one place that converts.
 */
import type { JobEndpoint } from '../server/job_endpoint.ts';
import type { JobPlanEndpoint } from '../server/job_plan.ts';
import type { JobDispatchEndpoint } from '../server/job_dispatch.ts';
import type { AllocEndpoint } from '../server/alloc_endpoint.ts';
import type { NodeDrainEndpoint } from '../server/node_drain_endpoint.ts';
import type { ServerEndpoints } from '../http/backend.ts';
import { NomadError } from '../lib/errors.ts';
import type { DeploymentUpdateResponse } from '../api/types.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';

/** Deployment writes (Deployment.Promote, Fail, Pause) as the server's deployment endpoint offers them. */
export interface DeploymentWrites {
  promote(req: { deploymentId: string; all: boolean; groups: string[] }): Promise<DeploymentUpdateResponse>;
  fail(req: { deploymentId: string }): Promise<DeploymentUpdateResponse>;
  pause(req: { deploymentId: string; pause: boolean }): Promise<DeploymentUpdateResponse>;
}

/** Operator.SchedulerSetConfiguration. */
export interface OperatorWrites {
  setSchedulerConfiguration(req: {
    config: SchedulerConfiguration;
    cas: number | null;
  }): Promise<{ Updated: boolean; Index: number }>;
}

export interface ServerEndpointParts {
  job: JobEndpoint;
  plan: JobPlanEndpoint;
  dispatch: JobDispatchEndpoint;
  alloc: AllocEndpoint;
  nodeDrain: NodeDrainEndpoint;
  /** The deployment watcher's writes; without it (a server not yet leading), they are unavailable. */
  deployment?: DeploymentWrites;
  operator: OperatorWrites;
}

function noDeployments(): never {
  throw new NomadError(
    'unavailable',
    "Deployment changes need the leader's deployment watcher, which is not running",
  );
}

export function adaptServerEndpoints(p: ServerEndpointParts): ServerEndpoints {
  return {
    jobRegister: (a) =>
      p.job.register({
        job: a.job,
        enforceIndex: a.enforceIndex,
        jobModifyIndex: a.jobModifyIndex,
        preserveCounts: a.preserveCounts,
        ...(a.evalPriority > 0 ? { evalPriority: a.evalPriority } : {}),
      }),
    jobDeregister: (a) =>
      p.job.deregister({
        namespace: a.namespace,
        jobId: a.jobId,
        purge: a.purge,
        ...(a.evalPriority > 0 ? { evalPriority: a.evalPriority } : {}),
      }),
    jobPlan: async (a) => {
      const out = await p.plan.plan({ job: a.job, diff: a.diff });
      return { ...out, NextPeriodicLaunch: out.NextPeriodicLaunch ?? '0001-01-01T00:00:00Z' };
    },
    jobEvaluate: (a) => p.job.evaluate(a),
    jobRevert: (a) =>
      p.job.revert({
        namespace: a.namespace,
        jobId: a.jobId,
        jobVersion: a.jobVersion,
        ...(a.enforcePriorVersion === null ? {} : { enforcePriorVersion: a.enforcePriorVersion }),
      }),
    jobStable: async (a) => {
      const out = await p.job.stable(a);
      return { JobModifyIndex: out.Index, Index: out.Index };
    },
    jobScale: (a) =>
      p.job.scale({
        namespace: a.namespace,
        jobId: a.jobId,
        group: a.request.Target['Group'] ?? '',
        count: a.request.Count ?? null,
        ...(a.request.Message === undefined ? {} : { message: a.request.Message }),
      }),
    jobDispatch: (a) =>
      p.dispatch.dispatch({
        namespace: a.namespace,
        jobId: a.jobId,
        payload: a.payload.toString('base64'),
        meta: a.meta,
      }),
    periodicForce: (a) => p.dispatch.periodicForce(a),
    allocStop: (a) => p.alloc.stop(a),
    nodeUpdateDrain: async (a) =>
      nodeResponse(
        await p.nodeDrain.updateDrain({
          nodeId: a.nodeId,
          drainSpec: a.drainSpec,
          markEligible: a.markEligible,
        }),
      ),
    nodeUpdateEligibility: async (a) => nodeResponse(await p.nodeDrain.updateEligibility(a)),
    deploymentPromote: async (a) => (p.deployment ?? noDeployments()).promote(a),
    deploymentFail: async (a) => (p.deployment ?? noDeployments()).fail(a),
    deploymentPause: async (a) => (p.deployment ?? noDeployments()).pause(a),
    schedulerSetConfiguration: (a) => p.operator.setSchedulerConfiguration(a),
  };
}

function nodeResponse(r: {
  nodeModifyIndex: number;
  evalIds: string[];
  evalCreateIndex: number;
  index: number;
}) {
  return {
    NodeModifyIndex: r.nodeModifyIndex,
    EvalIDs: r.evalIds,
    EvalCreateIndex: r.evalCreateIndex,
    Index: r.index,
  };
}
