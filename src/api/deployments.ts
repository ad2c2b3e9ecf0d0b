/** /v1/deployments and /v1/deployment/...: read, promote, fail, pause and resume. */
import type { AllocListStub } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import { esc } from './client.ts';
import type { HttpTransport, QueryMeta, QueryOptions, Response, WriteMeta, WriteOptions } from './client.ts';
import type { DeploymentUpdateResponse } from './types.ts';

type Q<T> = Promise<Response<T, QueryMeta>>;
type W<T> = Promise<Response<T, WriteMeta>>;

export class Deployments {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  list(opts: QueryOptions = {}): Q<Deployment[]> {
    return this.#t.query('/v1/deployments', opts);
  }

  prefixList(prefix: string, opts: QueryOptions = {}): Q<Deployment[]> {
    return this.list({ ...opts, prefix });
  }

  info(deploymentId: string, opts: QueryOptions = {}): Q<Deployment> {
    return this.#t.query(`/v1/deployment/${esc(deploymentId)}`, opts);
  }

  allocations(deploymentId: string, opts: QueryOptions = {}): Q<AllocListStub[]> {
    return this.#t.query(`/v1/deployment/allocations/${esc(deploymentId)}`, opts);
  }

  /** Promotes every group's canaries. */
  promoteAll(deploymentId: string, opts: WriteOptions = {}): W<DeploymentUpdateResponse> {
    const body = { DeploymentID: deploymentId, All: true, Groups: null };
    return this.#t.write('POST', `/v1/deployment/promote/${esc(deploymentId)}`, body, opts);
  }

  promoteGroups(
    deploymentId: string,
    groups: string[],
    opts: WriteOptions = {},
  ): W<DeploymentUpdateResponse> {
    const body = { DeploymentID: deploymentId, All: false, Groups: groups };
    return this.#t.write('POST', `/v1/deployment/promote/${esc(deploymentId)}`, body, opts);
  }

  fail(deploymentId: string, opts: WriteOptions = {}): W<DeploymentUpdateResponse> {
    return this.#t.write(
      'POST',
      `/v1/deployment/fail/${esc(deploymentId)}`,
      { DeploymentID: deploymentId },
      opts,
    );
  }

  /** pause=true pauses, pause=false resumes. */
  pause(deploymentId: string, pause: boolean, opts: WriteOptions = {}): W<DeploymentUpdateResponse> {
    const body = { DeploymentID: deploymentId, Pause: pause };
    return this.#t.write('POST', `/v1/deployment/pause/${esc(deploymentId)}`, body, opts);
  }
}
