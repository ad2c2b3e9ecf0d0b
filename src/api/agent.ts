/**
 * The agent and the cluster around it: /v1/agent/*, /v1/status/*, /v1/regions, /v1/namespaces,
 * /v1/search, /v1/metrics, /v1/operator/scheduler/configuration.
 */
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { HttpTransport, QueryMeta, QueryOptions, Response, WriteMeta, WriteOptions } from './client.ts';
import type {
  AgentHealthResponse,
  AutopilotConfiguration,
  OperatorHealthReply,
  RaftConfiguration,
  AgentSelf,
  JoinResponse,
  MetricsSummary,
  NamespaceInfo,
  SchedulerConfigurationResponse,
  SchedulerSetConfigurationResponse,
  SearchContext,
  SearchResponse,
  ServerMembers,
} from './types.ts';

type Q<T> = Promise<Response<T, QueryMeta>>;
type W<T> = Promise<Response<T, WriteMeta>>;

export class Agent {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  async self(opts: QueryOptions = {}): Promise<AgentSelf> {
    return (await this.#t.query<AgentSelf>('/v1/agent/self', opts)).data;
  }

  async members(opts: QueryOptions = {}): Promise<ServerMembers> {
    return (await this.#t.query<ServerMembers>('/v1/agent/members', opts)).data;
  }

  async health(opts: QueryOptions = {}): Promise<AgentHealthResponse> {
    return (await this.#t.query<AgentHealthResponse>('/v1/agent/health', opts)).data;
  }

  /** The servers a client agent knows, as "host:port". */
  async servers(opts: QueryOptions = {}): Promise<string[]> {
    return (await this.#t.query<string[]>('/v1/agent/servers', opts)).data;
  }

  async setServers(addresses: string[], opts: WriteOptions = {}): Promise<void> {
    const params = { ...opts.params, address: addresses };
    await this.#t.write('PUT', '/v1/agent/servers', undefined, { ...opts, params });
  }

  async join(addresses: string[], opts: WriteOptions = {}): Promise<JoinResponse> {
    const params = { ...opts.params, address: addresses };
    return (await this.#t.write<JoinResponse>('PUT', '/v1/agent/join', undefined, { ...opts, params })).data;
  }

  async forceLeave(node: string, prune = false, opts: WriteOptions = {}): Promise<void> {
    const params = { ...opts.params, node, ...(prune ? { prune: 'true' } : {}) };
    await this.#t.write('PUT', '/v1/agent/force-leave', undefined, { ...opts, params });
  }
}

export class Status {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  /** The leader's RPC address ("127.0.0.1:4647"), or "" when there is none. */
  async leader(opts: QueryOptions = {}): Promise<string> {
    return (await this.#t.query<string>('/v1/status/leader', opts)).data;
  }

  async peers(opts: QueryOptions = {}): Promise<string[]> {
    return (await this.#t.query<string[]>('/v1/status/peers', opts)).data;
  }

  async regions(opts: QueryOptions = {}): Promise<string[]> {
    return (await this.#t.query<string[]>('/v1/regions', opts)).data;
  }
}

export class Namespaces {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  list(opts: QueryOptions = {}): Q<NamespaceInfo[]> {
    return this.#t.query('/v1/namespaces', opts);
  }

  info(name: string, opts: QueryOptions = {}): Q<NamespaceInfo> {
    return this.#t.query(`/v1/namespace/${encodeURIComponent(name)}`, opts);
  }
}

export class Search {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  /** Prefix search over one context (or 'all'); at most 20 matches per context, as Nomad. */
  prefixSearch(prefix: string, context: SearchContext, opts: WriteOptions = {}): W<SearchResponse> {
    const body = { Prefix: prefix, Context: context, Namespace: opts.namespace ?? '' };
    return this.#t.write('PUT', '/v1/search', body, opts);
  }
}

export class Operator {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  schedulerGetConfiguration(opts: QueryOptions = {}): Q<SchedulerConfigurationResponse> {
    return this.#t.query('/v1/operator/scheduler/configuration', opts);
  }

  /** cas > 0 applies the change only if the configuration's ModifyIndex still equals it. */
  schedulerSetConfiguration(
    config: SchedulerConfiguration,
    opts: WriteOptions & { cas?: number } = {},
  ): W<SchedulerSetConfigurationResponse> {
    const params = { ...opts.params, ...(opts.cas === undefined ? {} : { cas: String(opts.cas) }) };
    return this.#t.write('PUT', '/v1/operator/scheduler/configuration', config, { ...opts, params });
  }

  /** The raft configuration: every server, voter or not, and which one leads. */
  raftGetConfiguration(opts: QueryOptions = {}): Q<RaftConfiguration> {
    return this.#t.query('/v1/operator/raft/configuration', opts);
  }

  /** Removes a server from raft by its ID. */
  async raftRemovePeerByID(id: string, opts: WriteOptions = {}): Promise<void> {
    await this.#t.write('DELETE', '/v1/operator/raft/peer', undefined, {
      ...opts,
      params: { ...opts.params, id },
    });
  }

  /** Hands leadership to the voter with this ID; resolves once it leads. */
  async raftTransferLeadershipByID(id: string, opts: WriteOptions = {}): Promise<void> {
    const params = { ...opts.params, id };
    await this.#t.write('PUT', '/v1/operator/raft/transfer-leadership', undefined, { ...opts, params });
  }

  autopilotGetConfiguration(opts: QueryOptions = {}): Q<AutopilotConfiguration> {
    return this.#t.query('/v1/operator/autopilot/configuration', opts);
  }

  /** Sets autopilot's configuration; with cas, only if its ModifyIndex still equals it. Resolves with whether it was set. */
  autopilotSetConfiguration(
    config: Partial<AutopilotConfiguration>,
    opts: WriteOptions & { cas?: number } = {},
  ): W<boolean> {
    const params = { ...opts.params, ...(opts.cas === undefined ? {} : { cas: String(opts.cas) }) };
    return this.#t.write('PUT', '/v1/operator/autopilot/configuration', config, { ...opts, params });
  }

  autopilotServerHealth(opts: QueryOptions = {}): Q<OperatorHealthReply> {
    return this.#t.query('/v1/operator/autopilot/health', opts);
  }

  /** The servers' whole state, as bytes to keep in a file. */
  snapshotSave(opts: QueryOptions = {}): Promise<Buffer> {
    return this.#t.raw('/v1/operator/snapshot', opts);
  }

  /** Replaces the servers' whole state with a saved snapshot. */
  async snapshotRestore(data: Buffer, opts: WriteOptions = {}): Promise<void> {
    await this.#t.write('PUT', '/v1/operator/snapshot', data, opts);
  }

  async metrics(opts: QueryOptions = {}): Promise<MetricsSummary> {
    return (await this.#t.query<MetricsSummary>('/v1/metrics', opts)).data;
  }

  /** The metrics in Prometheus' text format. */
  async metricsPrometheus(opts: QueryOptions = {}): Promise<string> {
    const params = { ...opts.params, format: 'prometheus' };
    return (await this.#t.raw('/v1/metrics', { ...opts, params })).toString('utf8');
  }
}
