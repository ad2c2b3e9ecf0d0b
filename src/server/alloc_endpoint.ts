/** Allocation endpoints (Nomad's Alloc.Stop, GetAlloc, GetAllocs, List). */
import { NomadError } from '../lib/errors.ts';
import { proposeOrThrow } from '../fsm/log.ts';
import { blockingQuery, watchItems } from '../state/index.ts';
import type { AllocListStub, Allocation } from '../structs/allocation.ts';
import {
  namespaceOf,
  newJobEval,
  requireId,
  type EndpointDeps,
  type QueryOptions,
  type QueryResponse,
} from './endpoint_common.ts';
import { ALL_NAMESPACES, allocListStub } from './job_read_endpoint.ts';

export class AllocEndpoint {
  private readonly deps: EndpointDeps;

  constructor(deps: EndpointDeps) {
    this.deps = deps;
  }

  /** Alloc.Stop: marks the allocation to migrate and evaluates its job, which replaces it. */
  async stop(req: {
    allocId: string;
    noShutdownDelay?: boolean;
  }): Promise<{ EvalID: string; Index: number }> {
    const id = requireId(req.allocId, 'missing allocation ID');
    const alloc = this.deps.store.snapshot().allocByID(id);
    if (alloc === undefined || alloc.Job === null)
      throw new NomadError('not_found', `Unknown allocation "${id}"`);
    const ev = newJobEval(
      this.deps,
      { ...alloc.Job, ID: alloc.JobID, Namespace: alloc.Namespace },
      {
        triggeredBy: 'alloc-stop',
        jobModifyIndex: alloc.Job.ModifyIndex,
      },
    );
    const { index } = await proposeOrThrow(this.deps.log, {
      type: 'AllocUpdateDesiredTransition',
      allocs: { [id]: { Migrate: true, NoShutdownDelay: req.noShutdownDelay === true } },
      evals: [ev],
    });
    return { EvalID: ev.ID, Index: index };
  }

  /** The allocation (with its job), or null. */
  getAlloc(allocId: string, opts: QueryOptions = {}): Promise<QueryResponse<Allocation | null>> {
    return blockingQuery(
      this.deps.store,
      { minIndex: opts.minIndex ?? 0, ...(opts.signal ? { signal: opts.signal } : {}) },
      (s) => {
        const a = s.allocByID(allocId) ?? null;
        return {
          index: a?.ModifyIndex ?? s.tableIndex('allocs'),
          value: a,
          items: [watchItems.alloc(allocId)],
        };
      },
    );
  }

  /** The allocations that exist among the IDs, in the order asked. */
  getAllocs(ids: readonly string[]): QueryResponse<Allocation[]> {
    const s = this.deps.store.snapshot();
    const out: Allocation[] = [];
    for (const id of ids) {
      const a = s.allocByID(id);
      if (a !== undefined) out.push(a);
    }
    return { index: s.tableIndex('allocs'), value: out };
  }

  /** Allocations whose ID starts with prefix, in one namespace or all ("*"). */
  list(
    req: { namespace?: string; prefix?: string },
    opts: QueryOptions = {},
  ): Promise<QueryResponse<AllocListStub[]>> {
    const ns = namespaceOf(req.namespace);
    return blockingQuery(
      this.deps.store,
      { minIndex: opts.minIndex ?? 0, ...(opts.signal ? { signal: opts.signal } : {}) },
      (s) => ({
        index: s.tableIndex('allocs'),
        value: s
          .allocsByIDPrefix(req.prefix ?? '')
          .filter((a) => ns === ALL_NAMESPACES || a.Namespace === ns)
          .map((a) => allocListStub(a)),
        items: [watchItems.table('allocs')],
      }),
    );
  }
}
