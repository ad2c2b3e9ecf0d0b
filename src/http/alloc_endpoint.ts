/** /v1/allocations, /v1/allocation/:id (read, stop), and /v1/client/allocation/:id/{restart,signal,stats}. */
import { NomadError, badRequest } from '../lib/errors.ts';
import { watchItems } from '../state/index.ts';
import type { Allocation } from '../structs/allocation.ts';
import {
  ApiContext,
  bodyObject,
  fieldBool,
  fieldString,
  inNamespace,
  notFoundError,
  optionalBodyObject,
} from './api_context.ts';
import { paginate } from './pagination.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import { allocListStub } from './stubs.ts';

export function registerAllocRoutes(api: ApiContext): void {
  api.route('GET', '/v1/allocations', (req, res) => listAllocs(api, req, res));
  api.route('GET', '/v1/allocation/:id', (req, res) => readAlloc(api, req, res));
  api.route(['PUT', 'POST'], '/v1/allocation/:id/stop', (req, res) => stopAlloc(api, req, res));
  api.route(['PUT', 'POST'], '/v1/client/allocation/:id/restart', (req) => restartAlloc(api, req));
  api.route(['PUT', 'POST'], '/v1/client/allocation/:id/signal', (req) => signalAlloc(api, req));
  api.route('GET', '/v1/client/allocation/:id/stats', (req) => allocStats(api, req));
}

async function listAllocs(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const prefix = req.prefix();
  const opts = { resources: req.bool('resources'), taskStates: req.bool('task_states', true) };
  const page = req.page();
  const out = await api.query(req, res, (snap) => {
    const allocs = prefix === '' ? snap.allocs() : snap.allocsByIDPrefix(prefix);
    const stubs = inNamespace(allocs, ns).map((a) => allocListStub(a, opts));
    return {
      index: snap.tableIndex('allocs'),
      value: paginate(stubs, (s) => s.ID, page),
      items: [watchItems.table('allocs')],
    };
  });
  if (out.nextToken !== '') res.setHeader('X-Nomad-NextToken', out.nextToken);
  return out.items;
}

async function readAlloc(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<Allocation> {
  const id = req.param('id');
  const alloc = await api.query(req, res, (snap) => {
    const a = snap.allocByID(id);
    return { index: a?.ModifyIndex ?? snap.tableIndex('allocs'), value: a, items: [watchItems.alloc(id)] };
  });
  if (alloc === undefined) throw notFoundError('alloc');
  return alloc;
}

async function stopAlloc(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const id = req.param('id');
  const noShutdownDelay = req.bool('no_shutdown_delay');
  if (api.server().store.snapshot().allocByID(id) === undefined) throw notFoundError('alloc');
  return api.wrote(res, await api.server().endpoints.allocStop({ allocId: id, noShutdownDelay }));
}

/** The allocation, which must run on this agent's client: Nomad forwards otherwise; we refuse. */
function localAlloc(api: ApiContext, id: string): Allocation {
  const client = api.client();
  const alloc = api.backend.server?.store.snapshot().allocByID(id);
  if (api.backend.server !== undefined && alloc === undefined)
    throw new NomadError('not_found', `Unknown allocation "${id}"`);
  if (alloc !== undefined && alloc.NodeID !== client.nodeId()) {
    throw new NomadError(
      'bad_request',
      `Allocation "${id}" runs on node "${alloc.NodeID}", not on this agent's client`,
    );
  }
  if (alloc === undefined) throw new NomadError('not_found', `Unknown allocation "${id}"`);
  return alloc;
}

function checkTask(alloc: Allocation, task: string): void {
  if (task === '') return;
  const group = alloc.Job?.TaskGroups.find((tg) => tg.Name === alloc.TaskGroup);
  if (group !== undefined && !group.Tasks.some((t) => t.Name === task)) {
    throw badRequest(`Failed to find task "${task}" in allocation "${alloc.ID}"`);
  }
}

async function restartAlloc(api: ApiContext, req: HttpRequest): Promise<unknown> {
  const body = optionalBodyObject(req);
  const task = fieldString(body, 'TaskName');
  const allTasks = fieldBool(body, 'AllTasks');
  if (task !== '' && allTasks) throw badRequest('Cannot set both TaskName and AllTasks');
  const alloc = localAlloc(api, req.param('id'));
  checkTask(alloc, task);
  await api.client().restartAlloc(alloc.ID, task, allTasks);
  return {};
}

async function signalAlloc(api: ApiContext, req: HttpRequest): Promise<unknown> {
  const body = bodyObject(req);
  const task = fieldString(body, 'Task');
  const signal = fieldString(body, 'Signal');
  if (signal === '') throw badRequest('Signal must be specified');
  if (!/^SIG[A-Z0-9]+$/.test(signal))
    throw badRequest(`Signal must be a signal name such as "SIGHUP": got "${signal}"`);
  const alloc = localAlloc(api, req.param('id'));
  checkTask(alloc, task);
  await api.client().signalAlloc(alloc.ID, task, signal);
  return {};
}

async function allocStats(api: ApiContext, req: HttpRequest): Promise<unknown> {
  const alloc = localAlloc(api, req.param('id'));
  const task = req.str('task');
  checkTask(alloc, task);
  return api.client().allocStats(alloc.ID, task);
}
