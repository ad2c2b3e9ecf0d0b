/** Evaluation reads (Nomad's Eval.GetEval, List, Allocations). */
import { blockingQuery, watchItems } from '../state/index.ts';
import type { AllocListStub } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { namespaceOf, type EndpointDeps, type QueryOptions, type QueryResponse } from './endpoint_common.ts';
import { ALL_NAMESPACES, allocListStub } from './job_read_endpoint.ts';

export class EvalEndpoint {
  private readonly deps: EndpointDeps;

  constructor(deps: EndpointDeps) {
    this.deps = deps;
  }

  private opts(opts: QueryOptions): { minIndex: number; signal?: AbortSignal } {
    return { minIndex: opts.minIndex ?? 0, ...(opts.signal ? { signal: opts.signal } : {}) };
  }

  getEval(evalId: string, opts: QueryOptions = {}): Promise<QueryResponse<Evaluation | null>> {
    return blockingQuery(this.deps.store, this.opts(opts), (s) => {
      const e = s.evalByID(evalId) ?? null;
      return { index: e?.ModifyIndex ?? s.tableIndex('evals'), value: e, items: [watchItems.eval(evalId)] };
    });
  }

  /** Evaluations whose ID starts with prefix, optionally of one job, in one namespace or all ("*"). */
  list(
    req: { namespace?: string; prefix?: string; jobId?: string; status?: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<Evaluation[]>> {
    const ns = namespaceOf(req.namespace);
    return blockingQuery(this.deps.store, this.opts(opts), (s) => {
      const base =
        req.jobId !== undefined && ns !== ALL_NAMESPACES
          ? s.evalsByJob(ns, req.jobId)
          : s.evalsByIDPrefix(req.prefix ?? '');
      const value = base.filter(
        (e) =>
          (ns === ALL_NAMESPACES || e.Namespace === ns) &&
          e.ID.startsWith(req.prefix ?? '') &&
          (req.jobId === undefined || e.JobID === req.jobId) &&
          (req.status === undefined || e.Status === req.status),
      );
      return { index: s.tableIndex('evals'), value, items: [watchItems.table('evals')] };
    });
  }

  allocations(evalId: string, opts: QueryOptions = {}): Promise<QueryResponse<AllocListStub[]>> {
    return blockingQuery(this.deps.store, this.opts(opts), (s) => {
      const allocs = s.allocsByEval(evalId);
      return {
        index: allocs.reduce((m, a) => Math.max(m, a.ModifyIndex), 0) || s.tableIndex('allocs'),
        value: allocs.map((a) => allocListStub(a)),
        items: [watchItems.allocsByEval(evalId)],
      };
    });
  }
}
