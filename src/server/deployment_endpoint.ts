/**
 * Deployment endpoints (Nomad's Deployment.List, GetDeployment, Allocations, Promote, Fail, Pause,
 * SetAllocHealth), with Nomad's error texts. Writes go through the leader's deployment watcher,
 * which creates the evaluation that moves the deployment on.
 */
import { NomadError } from '../lib/errors.ts';
import { blockingQuery, watchItems, type StateSnapshot } from '../state/index.ts';
import type { AllocListStub } from '../structs/allocation.ts';
import { deploymentActive, type Deployment } from '../structs/deployment.ts';
import { namespaceOf, type EndpointDeps, type QueryOptions, type QueryResponse } from './endpoint_common.ts';
import type { DeploymentUpdateResponse, DeploymentWatcher } from './deployment_watcher.ts';
import { ALL_NAMESPACES, allocListStub } from './job_read_endpoint.ts';

export const ERR_DEPLOYMENT_TERMINAL_NO_FAIL = "can't fail terminal deployment";
export const ERR_DEPLOYMENT_TERMINAL_NO_PAUSE = "can't pause terminal deployment";
export const ERR_DEPLOYMENT_TERMINAL_NO_RESUME = "can't resume terminal deployment";
export const ERR_DEPLOYMENT_TERMINAL_NO_PROMOTE = "can't promote terminal deployment";
export const ERR_DEPLOYMENT_TERMINAL_NO_SET_HEALTH =
  "can't set health of allocations for a terminal deployment";

function blockingOpts(opts: QueryOptions): { minIndex: number; signal?: AbortSignal } {
  return { minIndex: opts.minIndex ?? 0, ...(opts.signal === undefined ? {} : { signal: opts.signal }) };
}

export class DeploymentEndpoint {
  readonly #deps: EndpointDeps;
  readonly #watcher: DeploymentWatcher;

  constructor(deps: EndpointDeps, watcher: DeploymentWatcher) {
    this.#deps = deps;
    this.#watcher = watcher;
  }

  /** Deployment.List: by namespace ("*" for all) and ID prefix, newest first as Nomad lists them. */
  list(
    req: { namespace?: string; prefix?: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<Deployment[]>> {
    const ns = req.namespace === ALL_NAMESPACES ? ALL_NAMESPACES : namespaceOf(req.namespace);
    return blockingQuery(this.#deps.store, blockingOpts(opts), (s) => ({
      index: s.tableIndex('deployment'),
      value: s
        .deploymentsByIDPrefix(req.prefix ?? '')
        .filter((d) => ns === ALL_NAMESPACES || d.Namespace === ns)
        .sort((a, b) => b.CreateIndex - a.CreateIndex),
      items: [watchItems.table('deployment')],
    }));
  }

  /** Deployment.GetDeployment: the deployment, or null. */
  get(deploymentId: string, opts: QueryOptions = {}): Promise<QueryResponse<Deployment | null>> {
    requireDeploymentId(deploymentId);
    return blockingQuery(this.#deps.store, blockingOpts(opts), (s) => {
      const d = s.deploymentByID(deploymentId);
      return {
        index: d?.ModifyIndex ?? s.tableIndex('deployment'),
        value: d ?? null,
        items: [watchItems.deployment(deploymentId)],
      };
    });
  }

  /** Deployment.Allocations: the deployment's allocations as list stubs. */
  allocations(deploymentId: string, opts: QueryOptions = {}): Promise<QueryResponse<AllocListStub[]>> {
    requireDeploymentId(deploymentId);
    return blockingQuery(this.#deps.store, blockingOpts(opts), (s) => {
      const allocs = s.allocsByDeployment(deploymentId);
      const index = allocs.reduce((m, a) => Math.max(m, a.ModifyIndex), 0);
      return {
        index: index === 0 ? s.tableIndex('allocs') : index,
        value: allocs.map((a) => allocListStub(a)),
        items: [watchItems.allocsByDeployment(deploymentId)],
      };
    });
  }

  /** Deployment.Promote: all groups, or the named ones. */
  async promote(req: {
    deploymentId: string;
    all?: boolean;
    groups?: readonly string[];
  }): Promise<DeploymentUpdateResponse> {
    this.#active(req.deploymentId, ERR_DEPLOYMENT_TERMINAL_NO_PROMOTE);
    const groups = req.groups ?? [];
    return await this.#watcher.promote(req.deploymentId, {
      all: req.all === true || groups.length === 0,
      groups,
    });
  }

  /** Deployment.Fail. */
  async fail(req: { deploymentId: string }): Promise<DeploymentUpdateResponse> {
    this.#active(req.deploymentId, ERR_DEPLOYMENT_TERMINAL_NO_FAIL);
    return await this.#watcher.fail(req.deploymentId);
  }

  /** Deployment.Pause: pause true pauses, false resumes. */
  async pause(req: { deploymentId: string; pause: boolean }): Promise<DeploymentUpdateResponse> {
    this.#active(
      req.deploymentId,
      req.pause ? ERR_DEPLOYMENT_TERMINAL_NO_PAUSE : ERR_DEPLOYMENT_TERMINAL_NO_RESUME,
    );
    return await this.#watcher.pause(req.deploymentId, req.pause);
  }

  /** Deployment.SetAllocHealth: marks allocations healthy or unhealthy by hand. */
  async setAllocHealth(req: {
    deploymentId: string;
    healthyAllocationIds?: readonly string[];
    unhealthyAllocationIds?: readonly string[];
  }): Promise<DeploymentUpdateResponse> {
    requireDeploymentId(req.deploymentId);
    const healthy = req.healthyAllocationIds ?? [];
    const unhealthy = req.unhealthyAllocationIds ?? [];
    if (healthy.length + unhealthy.length === 0) {
      throw new NomadError('bad_request', 'must specify at least one healthy/unhealthy allocation ID');
    }
    this.#active(req.deploymentId, ERR_DEPLOYMENT_TERMINAL_NO_SET_HEALTH);
    return await this.#watcher.setAllocHealth(req.deploymentId, { healthy, unhealthy });
  }

  #active(deploymentId: string, terminalMessage: string): Deployment {
    requireDeploymentId(deploymentId);
    if (!this.#watcher.enabled()) throw new NomadError('unavailable', 'No cluster leader');
    const d = deploymentOrThrow(this.#deps.store.snapshot(), deploymentId);
    if (!deploymentActive(d)) throw new NomadError('bad_request', terminalMessage);
    return d;
  }
}

function requireDeploymentId(id: string): void {
  if (id === '') throw new NomadError('bad_request', 'missing deployment ID');
}

function deploymentOrThrow(snap: StateSnapshot, id: string): Deployment {
  const d = snap.deploymentByID(id);
  if (d === undefined) throw new NomadError('not_found', 'deployment not found');
  return d;
}
