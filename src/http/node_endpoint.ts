/** /v1/nodes and /v1/node/:id (read, allocations, drain, eligibility). */
import { badRequest } from '../lib/errors.ts';
import { watchItems } from '../state/index.ts';
import type { DrainSpec, Node } from '../structs/node.ts';
import {
  ApiContext,
  bodyObject,
  fieldBool,
  fieldInt,
  fieldObject,
  fieldString,
  fieldStringMap,
  notFoundError,
} from './api_context.ts';
import { paginate } from './pagination.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import { nodeListStub } from './stubs.ts';

export function registerNodeRoutes(api: ApiContext): void {
  api.route('GET', '/v1/nodes', (req, res) => listNodes(api, req, res));
  api.route('GET', '/v1/node/:id', (req, res) => readNode(api, req, res));
  api.route('GET', '/v1/node/:id/allocations', (req, res) => nodeAllocs(api, req, res));
  api.route(['PUT', 'POST'], '/v1/node/:id/drain', (req, res) => drain(api, req, res));
  api.route(['PUT', 'POST'], '/v1/node/:id/eligibility', (req, res) => eligibility(api, req, res));
}

async function listNodes(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const prefix = req.prefix();
  const opts = { os: req.bool('os'), resources: req.bool('resources') };
  const page = req.page();
  const out = await api.query(req, res, (snap) => {
    const nodes = prefix === '' ? snap.nodes() : snap.nodesByIDPrefix(prefix);
    const stubs = nodes.map((n) => nodeListStub(n, opts));
    return {
      index: snap.tableIndex('nodes'),
      value: paginate(stubs, (s) => s.ID, page),
      items: [watchItems.table('nodes')],
    };
  });
  if (out.nextToken !== '') res.setHeader('X-Nomad-NextToken', out.nextToken);
  return out.items;
}

/** A node as the API shows it: never its SecretID. */
function publicNode(n: Node): Node {
  return { ...n, SecretID: '' };
}

async function readNode(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<Node> {
  const id = req.param('id');
  const node = await api.query(req, res, (snap) => {
    const n = snap.nodeByID(id);
    return { index: n?.ModifyIndex ?? snap.tableIndex('nodes'), value: n, items: [watchItems.node(id)] };
  });
  if (node === undefined) throw notFoundError('node');
  return publicNode(node);
}

function nodeAllocs(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const id = req.param('id');
  return api.query(req, res, (snap) => {
    if (snap.nodeByID(id) === undefined) throw notFoundError('node');
    return {
      index: snap.tableIndex('allocs'),
      value: snap.allocsByNode(id),
      items: [watchItems.allocsByNode(id), watchItems.node(id)],
    };
  });
}

function existingNode(api: ApiContext, req: HttpRequest, body: Record<string, unknown>): string {
  const id = req.param('id');
  const given = fieldString(body, 'NodeID');
  if (given !== '' && given !== id) throw badRequest('Node ID does not match');
  if (api.server().store.snapshot().nodeByID(id) === undefined) throw notFoundError('node');
  return id;
}

async function drain(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  const spec = fieldObject(body, 'DrainSpec');
  let drainSpec: DrainSpec | null = null;
  if (spec !== null) {
    drainSpec = {
      Deadline: fieldInt(spec, 'Deadline'),
      IgnoreSystemJobs: fieldBool(spec, 'IgnoreSystemJobs'),
    };
    if (drainSpec.Deadline < -1)
      throw badRequest(`DrainSpec.Deadline must be >= -1: got ${drainSpec.Deadline}`);
  }
  const markEligible = fieldBool(body, 'MarkEligible');
  const meta = fieldStringMap(body, 'Meta');
  const nodeId = existingNode(api, req, body);
  return api.wrote(
    res,
    await api.server().endpoints.nodeUpdateDrain({ nodeId, drainSpec, markEligible, meta }),
  );
}

async function eligibility(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  const value = fieldString(body, 'Eligibility');
  if (value !== 'eligible' && value !== 'ineligible') {
    throw badRequest(
      `Eligibility must be "eligible" or "ineligible": got ${JSON.stringify(body['Eligibility'] ?? '')}`,
    );
  }
  const nodeId = existingNode(api, req, body);
  return api.wrote(res, await api.server().endpoints.nodeUpdateEligibility({ nodeId, eligibility: value }));
}
