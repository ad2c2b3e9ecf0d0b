/**
 * The whole /v1 API: every route, on one router, over one backend. newHttpApi() is what the agent
 * calls; tests call it too, with a backend over a real state store and server.
 */
import { registerAgentRoutes } from './agent_endpoint.ts';
import { registerAllocRoutes } from './alloc_endpoint.ts';
import { ApiContext } from './api_context.ts';
import type { HttpBackend } from './backend.ts';
import { registerDeploymentRoutes } from './deployment_endpoint.ts';
import { registerEvalRoutes } from './eval_endpoint.ts';
import { EventBuffer } from './event_buffer.ts';
import { registerEventRoutes } from './event_endpoint.ts';
import { registerFsRoutes } from './fs_endpoint.ts';
import { HttpServer } from './http_server.ts';
import type { Handler } from './http_server.ts';
import { registerJobRoutes } from './job_endpoint.ts';
import { registerJobWriteRoutes } from './job_write_endpoint.ts';
import { registerJobsRoutes } from './jobs_endpoint.ts';
import type { Logger } from './logger.ts';
import { registerMetricsRoutes } from './metrics_endpoint.ts';
import { registerNodeRoutes } from './node_endpoint.ts';
import { registerOperatorRoutes } from './operator_endpoint.ts';
import { Router } from './router.ts';
import { registerSearchRoutes } from './search_endpoint.ts';
import { NomadError } from '../lib/errors.ts';

export interface HttpApiOptions {
  backend: HttpBackend;
  logger: Logger;
  maxBodyBytes?: number;
  eventBufferSize?: number;
  /** Jitter source for blocking queries. */
  random?: () => number;
}

export interface HttpApi {
  server: HttpServer;
  router: Router<Handler>;
  /** Stops feeding the event stream; call after server.close(). */
  close(): void;
}

export function newHttpApi(opts: HttpApiOptions): HttpApi {
  const router = new Router<Handler>();
  const api = new ApiContext(opts.backend, router, opts.random);
  const store = opts.backend.server?.store;
  const events = store === undefined ? undefined : new EventBuffer(store, opts.eventBufferSize);
  registerJobsRoutes(api);
  registerJobRoutes(api);
  registerJobWriteRoutes(api);
  registerAllocRoutes(api);
  registerEvalRoutes(api);
  registerDeploymentRoutes(api);
  registerNodeRoutes(api);
  registerAgentRoutes(api);
  registerOperatorRoutes(api);
  registerSearchRoutes(api);
  registerFsRoutes(api);
  registerMetricsRoutes(api);
  registerEventRoutes(api, () => {
    if (events === undefined)
      throw new NomadError('unavailable', 'No event stream: this agent runs no server');
    return events;
  });
  const server = new HttpServer({
    router,
    logger: opts.logger,
    region: opts.backend.agent.region,
    ...(opts.backend.forward === undefined ? {} : { forward: opts.backend.forward }),
    ...(opts.maxBodyBytes === undefined ? {} : { maxBodyBytes: opts.maxBodyBytes }),
  });
  return { server, router, close: () => events?.close() };
}
