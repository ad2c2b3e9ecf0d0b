/**
 * The agent and the cluster: /v1/agent/{self,members,health,servers,join,force-leave},
 * /v1/status/{leader,peers}, /v1/regions, /v1/namespaces, /v1/namespace/:name,
 * /v1/operator/scheduler/configuration.
 */
import { NomadError, badRequest } from '../lib/errors.ts';
import { watchItems } from '../state/index.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { JoinResponse, SchedulerConfigurationResponse, ServerMembers } from '../api/types.ts';
import { ApiContext, bodyObject, fieldBool, fieldObject, fieldString, notFoundError } from './api_context.ts';
import type { Body } from './api_context.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';

/** The most addresses one join or servers update may name. */
export const MAX_JOIN_ADDRESSES = 64;

export function registerAgentRoutes(api: ApiContext): void {
  api.route('GET', '/v1/agent/self', async () => agentSelf(api));
  api.route('GET', '/v1/agent/members', async () => members(api));
  api.route('GET', '/v1/agent/health', async (_req, res) => health(api, res));
  api.route('GET', '/v1/agent/servers', async () => api.client().servers());
  api.route(['PUT', 'POST'], '/v1/agent/servers', async (req) => setServers(api, req));
  api.route(['PUT', 'POST'], '/v1/agent/join', (req) => join(api, req));
  api.route(['PUT', 'POST'], '/v1/agent/force-leave', (req) => forceLeave(api, req));
  api.route('GET', '/v1/status/leader', async () => api.server().cluster.leaderAddress());
  api.route('GET', '/v1/status/peers', async () => api.server().cluster.peers());
  api.route('GET', '/v1/regions', async () => [api.backend.agent.region]);
  api.route('GET', '/v1/namespaces', (req, res) => namespaces(api, req, res));
  api.route('GET', '/v1/namespace/:name', (req, res) => namespace(api, req, res));
  api.route('GET', '/v1/operator/scheduler/configuration', (req, res) => schedulerConfig(api, req, res));
  api.route(['PUT', 'POST'], '/v1/operator/scheduler/configuration', (req, res) =>
    setSchedulerConfig(api, req, res),
  );
}

function agentSelf(api: ApiContext): unknown {
  const a = api.backend.agent;
  const self = api.backend.server?.cluster.members().find((m) => m.Name === `${a.name}.${a.region}`) ?? null;
  const stats: Record<string, Record<string, string>> = {
    nomad: { server: String(api.backend.server !== undefined), leader: String(isLeader(api)) },
    client: api.backend.client === undefined ? {} : { node_id: api.backend.client.nodeId() },
  };
  return { config: a.selfConfig(), member: self, stats };
}

function isLeader(api: ApiContext): boolean {
  const s = api.backend.server;
  return s !== undefined && s.cluster.leaderAddress() !== '' && s.cluster.lastContactMs() === 0;
}

function members(api: ApiContext): ServerMembers {
  const a = api.backend.agent;
  return {
    ServerName: a.name,
    ServerRegion: a.region,
    ServerDC: a.datacenter,
    Members: api.server().cluster.members(),
  };
}

function health(api: ApiContext, res: HttpResponse): unknown {
  const h = api.backend.agent.health();
  const bad = (h.server !== undefined && !h.server.ok) || (h.client !== undefined && !h.client.ok);
  if (bad) res.raw.statusCode = 500;
  return h;
}

function addresses(req: HttpRequest): string[] {
  const list = req.query.getAll('address').filter((a) => a !== '');
  if (list.length === 0) throw badRequest('Missing address: give one or more ?address=host:port');
  if (list.length > MAX_JOIN_ADDRESSES) throw badRequest(`Too many addresses: at most ${MAX_JOIN_ADDRESSES}`);
  return list;
}

function setServers(api: ApiContext, req: HttpRequest): null {
  api.client().setServers(addresses(req));
  return null;
}

async function join(api: ApiContext, req: HttpRequest): Promise<JoinResponse> {
  const list = addresses(req);
  try {
    return { num_joined: await api.server().cluster.join(list), error: '' };
  } catch (err) {
    if (err instanceof NomadError && err.kind !== 'internal') throw err;
    return { num_joined: 0, error: (err as Error).message };
  }
}

async function forceLeave(api: ApiContext, req: HttpRequest): Promise<null> {
  const node = req.str('node');
  if (node === '') throw badRequest('Missing node to force leave');
  await api.server().cluster.forceLeave(node, req.bool('prune'));
  return null;
}

function namespaces(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const prefix = req.prefix();
  return api.query(req, res, (snap) => ({
    index: Math.max(1, snap.tableIndex('namespaces')),
    value: snap.namespaces().filter((n) => n.Name.startsWith(prefix)),
    items: [watchItems.table('namespaces')],
  }));
}

async function namespace(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const name = req.param('name');
  const ns = await api.query(req, res, (snap) => ({
    index: Math.max(1, snap.tableIndex('namespaces')),
    value: snap.namespaceByName(name),
    items: [watchItems.table('namespaces')],
  }));
  if (ns === undefined) throw notFoundError('namespace');
  return ns;
}

async function schedulerConfig(
  api: ApiContext,
  req: HttpRequest,
  res: HttpResponse,
): Promise<SchedulerConfigurationResponse> {
  const config = await api.query(req, res, (snap) => ({
    index: snap.tableIndex('scheduler_config'),
    value: snap.schedulerConfig(),
    items: [watchItems.table('scheduler_config')],
  }));
  return { SchedulerConfig: config, Index: Math.max(1, config.ModifyIndex) };
}

/** The body of a scheduler configuration update, each field checked and named when wrong. */
export function schedulerConfigFromBody(body: Body, current: SchedulerConfiguration): SchedulerConfiguration {
  const algorithm = fieldString(body, 'SchedulerAlgorithm', current.SchedulerAlgorithm);
  if (algorithm !== 'binpack' && algorithm !== 'spread') {
    throw badRequest(
      `invalid scheduler algorithm: "${algorithm}": SchedulerAlgorithm must be "binpack" or "spread"`,
    );
  }
  const p = fieldObject(body, 'PreemptionConfig') ?? {};
  const cur = current.PreemptionConfig;
  return {
    ...current,
    SchedulerAlgorithm: algorithm,
    PreemptionConfig: {
      SystemSchedulerEnabled: fieldBool(p, 'SystemSchedulerEnabled', cur.SystemSchedulerEnabled),
      SysBatchSchedulerEnabled: fieldBool(p, 'SysBatchSchedulerEnabled', cur.SysBatchSchedulerEnabled),
      BatchSchedulerEnabled: fieldBool(p, 'BatchSchedulerEnabled', cur.BatchSchedulerEnabled),
      ServiceSchedulerEnabled: fieldBool(p, 'ServiceSchedulerEnabled', cur.ServiceSchedulerEnabled),
    },
    MemoryOversubscriptionEnabled: fieldBool(
      body,
      'MemoryOversubscriptionEnabled',
      current.MemoryOversubscriptionEnabled,
    ),
    RejectJobRegistration: fieldBool(body, 'RejectJobRegistration', current.RejectJobRegistration),
    PauseEvalBroker: fieldBool(body, 'PauseEvalBroker', current.PauseEvalBroker),
  };
}

async function setSchedulerConfig(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  const current = api.server().store.snapshot().schedulerConfig();
  const config = schedulerConfigFromBody(body, current);
  const cas = req.query.has('cas') ? req.int('cas') : null;
  return api.wrote(res, await api.server().endpoints.schedulerSetConfiguration({ config, cas }));
}
