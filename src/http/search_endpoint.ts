/** /v1/search: prefix search over jobs, evaluations, allocations, nodes, deployments and namespaces. */
import { badRequest } from '../lib/errors.ts';
import type { StateSnapshot } from '../state/index.ts';
import type { SearchResponse } from '../api/types.ts';
import { ApiContext, bodyObject, fieldString } from './api_context.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';

/** Matches returned per context, as Nomad's truncation limit. */
export const MAX_SEARCH_RESULTS = 20;

type Context = 'jobs' | 'evals' | 'allocs' | 'nodes' | 'deployment' | 'namespaces';
const ALL_CONTEXTS: readonly Context[] = ['jobs', 'evals', 'allocs', 'nodes', 'deployment', 'namespaces'];

export function registerSearchRoutes(api: ApiContext): void {
  api.route(['PUT', 'POST'], '/v1/search', async (req, res) => search(api, req, res));
}

function contextsOf(name: string): readonly Context[] {
  if (name === 'all') return ALL_CONTEXTS;
  if (name === 'deployments') return ['deployment'];
  if ((ALL_CONTEXTS as readonly string[]).includes(name)) return [name as Context];
  throw badRequest(`Context must be one of ${[...ALL_CONTEXTS, 'all'].join(', ')}: got "${name}"`);
}

function idsIn(snap: StateSnapshot, ctx: Context, prefix: string, namespace: string): string[] {
  const inNs = (ns: string): boolean => namespace === '*' || ns === namespace;
  switch (ctx) {
    case 'jobs':
      return snap
        .jobs()
        .filter((j) => inNs(j.Namespace) && j.ID.startsWith(prefix))
        .map((j) => j.ID);
    case 'evals':
      return snap
        .evalsByIDPrefix(prefix)
        .filter((e) => inNs(e.Namespace))
        .map((e) => e.ID);
    case 'allocs':
      return snap
        .allocsByIDPrefix(prefix)
        .filter((a) => inNs(a.Namespace))
        .map((a) => a.ID);
    case 'nodes':
      return snap.nodesByIDPrefix(prefix).map((n) => n.ID);
    case 'deployment':
      return snap
        .deploymentsByIDPrefix(prefix)
        .filter((d) => inNs(d.Namespace))
        .map((d) => d.ID);
    case 'namespaces':
      return snap
        .namespaces()
        .filter((n) => n.Name.startsWith(prefix))
        .map((n) => n.Name);
  }
}

function search(api: ApiContext, req: HttpRequest, res: HttpResponse): SearchResponse {
  const body = bodyObject(req);
  const prefix = fieldString(body, 'Prefix');
  const contexts = contextsOf(fieldString(body, 'Context'));
  const namespace = fieldString(body, 'Namespace') || req.namespace();
  const snap = api.server().store.snapshot();
  const out: SearchResponse = { Matches: {}, Truncations: {}, Index: 0 };
  for (const ctx of contexts) {
    const ids = idsIn(snap, ctx, prefix, namespace);
    out.Matches[ctx] = ids.slice(0, MAX_SEARCH_RESULTS);
    out.Truncations[ctx] = ids.length > MAX_SEARCH_RESULTS;
  }
  out.Index = Math.max(1, snap.latestIndex());
  res.setMeta({
    index: out.Index,
    knownLeader: api.server().cluster.leaderAddress() !== '',
    lastContactMs: api.server().cluster.lastContactMs(),
  });
  return out;
}
