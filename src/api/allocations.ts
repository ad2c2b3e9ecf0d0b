/** /v1/allocations, /v1/allocation/:id, and the client-side lifecycle calls (restart, signal, stats). */
import type { Allocation, AllocListStub } from '../structs/allocation.ts';
import { esc } from './client.ts';
import type {
  HttpTransport,
  QueryMeta,
  QueryOptions,
  QueryParams,
  Response,
  WriteMeta,
  WriteOptions,
} from './client.ts';
import type { AllocResourceUsage, AllocStopResponse } from './types.ts';

type Q<T> = Promise<Response<T, QueryMeta>>;
type W<T> = Promise<Response<T, WriteMeta>>;

export class Allocations {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  list(opts: QueryOptions & { resources?: boolean; taskStates?: boolean } = {}): Q<AllocListStub[]> {
    const params: QueryParams = { ...opts.params };
    if (opts.resources) params['resources'] = 'true';
    if (opts.taskStates === false) params['task_states'] = 'false';
    return this.#t.query('/v1/allocations', { ...opts, params });
  }

  prefixList(prefix: string, opts: QueryOptions = {}): Q<AllocListStub[]> {
    return this.list({ ...opts, prefix });
  }

  info(allocId: string, opts: QueryOptions = {}): Q<Allocation> {
    return this.#t.query(`/v1/allocation/${esc(allocId)}`, opts);
  }

  /** Stops the allocation; the scheduler replaces it. noShutdownDelay skips the group's shutdown_delay. */
  stop(allocId: string, opts: WriteOptions & { noShutdownDelay?: boolean } = {}): W<AllocStopResponse> {
    const params = { ...opts.params, ...(opts.noShutdownDelay ? { no_shutdown_delay: 'true' } : {}) };
    return this.#t.write('POST', `/v1/allocation/${esc(allocId)}/stop`, undefined, { ...opts, params });
  }

  /** Restarts one task ('' = every running task, or all tasks with allTasks). */
  async restart(allocId: string, taskName: string, allTasks = false, opts: WriteOptions = {}): Promise<void> {
    const body = { TaskName: taskName, AllTasks: allTasks };
    await this.#t.write('POST', `/v1/client/allocation/${esc(allocId)}/restart`, body, opts);
  }

  /** Sends a signal to one task ('' = every task). */
  async signal(allocId: string, task: string, signal: string, opts: WriteOptions = {}): Promise<void> {
    await this.#t.write(
      'POST',
      `/v1/client/allocation/${esc(allocId)}/signal`,
      { Task: task, Signal: signal },
      opts,
    );
  }

  stats(allocId: string, opts: QueryOptions = {}): Q<AllocResourceUsage> {
    return this.#t.query(`/v1/client/allocation/${esc(allocId)}/stats`, opts);
  }
}
