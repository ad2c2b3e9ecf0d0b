/** /v1/evaluations and /v1/evaluation/:id (read, allocations). */
import { watchItems } from '../state/index.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { ApiContext, inNamespace, notFoundError } from './api_context.ts';
import { paginate } from './pagination.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import { allocListStub } from './stubs.ts';

export function registerEvalRoutes(api: ApiContext): void {
  api.route('GET', '/v1/evaluations', (req, res) => listEvals(api, req, res));
  api.route('GET', '/v1/evaluation/:id', (req, res) => readEval(api, req, res));
  api.route('GET', '/v1/evaluation/:id/allocations', (req, res) => evalAllocs(api, req, res));
}

async function listEvals(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const ns = req.namespace();
  const prefix = req.prefix();
  const status = req.str('status');
  const job = req.str('job');
  const page = req.page();
  const out = await api.query(req, res, (snap) => {
    const evals = inNamespace(prefix === '' ? snap.evals() : snap.evalsByIDPrefix(prefix), ns).filter(
      (e) => (status === '' || e.Status === status) && (job === '' || e.JobID === job),
    );
    return {
      index: snap.tableIndex('evals'),
      value: paginate(evals, (e) => e.ID, page),
      items: [watchItems.table('evals')],
    };
  });
  if (out.nextToken !== '') res.setHeader('X-Nomad-NextToken', out.nextToken);
  return out.items;
}

async function readEval(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<Evaluation> {
  const id = req.param('id');
  const ev = await api.query(req, res, (snap) => {
    const e = snap.evalByID(id);
    return { index: e?.ModifyIndex ?? snap.tableIndex('evals'), value: e, items: [watchItems.eval(id)] };
  });
  if (ev === undefined) throw notFoundError('eval');
  return ev;
}

function evalAllocs(api: ApiContext, req: HttpRequest, res: HttpResponse): Promise<unknown> {
  const id = req.param('id');
  const opts = { resources: false, taskStates: true };
  return api.query(req, res, (snap) => {
    if (snap.evalByID(id) === undefined) throw notFoundError('eval');
    return {
      index: snap.tableIndex('allocs'),
      value: snap.allocsByEval(id).map((a) => allocListStub(a, opts)),
      items: [watchItems.allocsByEval(id), watchItems.eval(id)],
    };
  });
}
