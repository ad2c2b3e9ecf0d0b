/** /v1/nodes and /v1/node/:id: list, read, allocations, drain, eligibility. */
import type { Allocation } from '../structs/allocation.ts';
import type { DrainSpec, Node } from '../structs/node.ts';
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
import type { HostStats, NodeListStub, NodeUpdateResponse } from './types.ts';

type Q<T> = Promise<Response<T, QueryMeta>>;
type W<T> = Promise<Response<T, WriteMeta>>;

export class Nodes {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  /** os=true adds the OS attributes to each stub, as `node status -os` needs. */
  list(opts: QueryOptions & { os?: boolean; resources?: boolean } = {}): Q<NodeListStub[]> {
    const params: QueryParams = { ...opts.params };
    if (opts.os) params['os'] = 'true';
    if (opts.resources) params['resources'] = 'true';
    return this.#t.query('/v1/nodes', { ...opts, params });
  }

  prefixList(prefix: string, opts: QueryOptions = {}): Q<NodeListStub[]> {
    return this.list({ ...opts, prefix });
  }

  info(nodeId: string, opts: QueryOptions = {}): Q<Node> {
    return this.#t.query(`/v1/node/${esc(nodeId)}`, opts);
  }

  allocations(nodeId: string, opts: QueryOptions = {}): Q<Allocation[]> {
    return this.#t.query(`/v1/node/${esc(nodeId)}/allocations`, opts);
  }

  /** Sets (spec) or clears (null) the drain; markEligible re-enables scheduling when clearing. */
  updateDrain(
    nodeId: string,
    spec: DrainSpec | null,
    markEligible: boolean,
    opts: WriteOptions & { meta?: Record<string, string> } = {},
  ): W<NodeUpdateResponse> {
    const body = { NodeID: nodeId, DrainSpec: spec, MarkEligible: markEligible, Meta: opts.meta ?? null };
    return this.#t.write('POST', `/v1/node/${esc(nodeId)}/drain`, body, opts);
  }

  toggleEligibility(nodeId: string, eligible: boolean, opts: WriteOptions = {}): W<NodeUpdateResponse> {
    const body = { NodeID: nodeId, Eligibility: eligible ? 'eligible' : 'ineligible' };
    return this.#t.write('POST', `/v1/node/${esc(nodeId)}/eligibility`, body, opts);
  }

  /** The client's host stats, from the agent answering the request. */
  stats(opts: QueryOptions = {}): Q<HostStats> {
    return this.#t.query('/v1/client/stats', opts);
  }
}
