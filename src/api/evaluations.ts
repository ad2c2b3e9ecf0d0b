/** /v1/evaluations and /v1/evaluation/:id. */
import type { AllocListStub } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { esc } from './client.ts';
import type { HttpTransport, QueryMeta, QueryOptions, QueryParams, Response } from './client.ts';

type Q<T> = Promise<Response<T, QueryMeta>>;

export class Evaluations {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  list(opts: QueryOptions & { status?: string; job?: string } = {}): Q<Evaluation[]> {
    const params: QueryParams = { ...opts.params };
    if (opts.status) params['status'] = opts.status;
    if (opts.job) params['job'] = opts.job;
    return this.#t.query('/v1/evaluations', { ...opts, params });
  }

  prefixList(prefix: string, opts: QueryOptions = {}): Q<Evaluation[]> {
    return this.list({ ...opts, prefix });
  }

  info(evalId: string, opts: QueryOptions = {}): Q<Evaluation> {
    return this.#t.query(`/v1/evaluation/${esc(evalId)}`, opts);
  }

  allocations(evalId: string, opts: QueryOptions = {}): Q<AllocListStub[]> {
    return this.#t.query(`/v1/evaluation/${esc(evalId)}/allocations`, opts);
  }
}
