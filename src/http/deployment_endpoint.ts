/** /v1/deployments and /v1/deployment/...: read, allocations, promote, fail, pause/resume. */
import { watchItems } from '../state/index.ts';
import type { Deployment } from '../structs/deployment.ts';
import {
  ApiContext,
  bodyObject,
  fieldBool,
  fieldString,
  fieldStrings,
  inNamespace,
  notFoundError,
  optionalBodyObject,
} from './api_context.ts';
import type { Body } from './api_context.ts';
import { badRequest } from '../lib/errors.ts';
import { paginate } from './pagination.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import { allocListStub } from './stubs.ts';

export function registerDeploymentRoutes(api: ApiContext): void {
  api.route('GET', '/v1/deployments', (req, res) => listDeployments(api, req, res));
  api.route('GET', '/v1/deployment/:id', (req, res) => readDeployment(api, req, res));
  api.route('GET', '/v1/deployment/allocations/:id', (req, res) => deploymentAllocs(api, req, res));
  api.route(['PUT', 'POST'], '/v1/deployment/promote/:id', (req, res) => promote(api, req, res));
  api.route(['PUT', 'POST'], '/v1/deployment/fail/:id', (req, res) => fail(api, req, res));
  api.route(['PUT', 'POST'], '/v1/deployment/pause/:id', (req, res) => pause(api, req, res));
}

async function listDeployments(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const prefix = req.prefix();
  const page = req.page();
  const out = await api.query(req, res, (snap) => {
    const list = inNamespace(prefix === '' ? snap.deployments() : snap.deploymentsByIDPrefix(prefix), ns);
    return {
      index: snap.tableIndex('deployment'),
      value: paginate(list, (d) => d.ID, page),
      items: [watchItems.table('deployment')],
    };
  });
  if (out.nextToken !== '') res.setHeader('X-Nomad-NextToken', out.nextToken);
  return out.items;
}

async function readDeployment(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<Deployment> {
  const id = req.param('id');
  const d = await api.query(req, res, (snap) => {
    const dep = snap.deploymentByID(id);
    return {
      index: dep?.ModifyIndex ?? snap.tableIndex('deployment'),
      value: dep,
      items: [watchItems.deployment(id)],
    };
  });
  if (d === undefined) throw notFoundError('deployment');
  return d;
}

function deploymentAllocs(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const id = req.param('id');
  const opts = { resources: false, taskStates: true };
  return api.query(req, res, (snap) => {
    if (snap.deploymentByID(id) === undefined) throw notFoundError('deployment');
    return {
      index: snap.tableIndex('allocs'),
      value: snap.allocsByDeployment(id).map((a) => allocListStub(a, opts)),
      items: [watchItems.allocsByDeployment(id), watchItems.deployment(id)],
    };
  });
}

/** The path's deployment, which must exist; a body naming another deployment is refused. */
function existing(api: ApiContext, req: HttpRequest, body: Body): string {
  const id = req.param('id');
  const given = fieldString(body, 'DeploymentID');
  if (given !== '' && given !== id) throw badRequest('Deployment ID does not match');
  if (api.server().store.snapshot().deploymentByID(id) === undefined) throw notFoundError('deployment');
  return id;
}

async function promote(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  const all = fieldBool(body, 'All');
  const groups = fieldStrings(body, 'Groups');
  if (!all && groups.length === 0) throw badRequest('Must specify either All or Groups to promote');
  const deploymentId = existing(api, req, body);
  return api.wrote(res, await api.server().endpoints.deploymentPromote({ deploymentId, all, groups }));
}

async function fail(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const deploymentId = existing(api, req, optionalBodyObject(req));
  return api.wrote(res, await api.server().endpoints.deploymentFail({ deploymentId }));
}

async function pause(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const body = bodyObject(req);
  if (typeof body['Pause'] !== 'boolean')
    throw badRequest(`Pause must be a boolean: got ${JSON.stringify(body['Pause'])}`);
  const deploymentId = existing(api, req, body);
  return api.wrote(
    res,
    await api.server().endpoints.deploymentPause({ deploymentId, pause: fieldBool(body, 'Pause') }),
  );
}
