/**
 * An HTTP API on a free loopback port over a real state store, FSM, single-voter log and the
 * server's real endpoints, for the API's tests. No scheduler runs: evaluations stay pending, which
 * is what endpoint tests want (the state changes only by what the request itself wrote).
 */
import { randomUUID } from 'node:crypto';
import { NomadClient } from '../../api/nomad_client.ts';
import { FSM } from '../../fsm/fsm.ts';
import { newHttpApi } from '../../http/routes.ts';
import type { HttpBackend } from '../../http/backend.ts';
import { NomadError } from '../../lib/errors.ts';
import { AllocEndpoint } from '../../server/alloc_endpoint.ts';
import type { EndpointDeps } from '../../server/endpoint_common.ts';
import { InmemLog } from '../../server/inmem_log.ts';
import { JobDispatchEndpoint } from '../../server/job_dispatch.ts';
import { JobEndpoint } from '../../server/job_endpoint.ts';
import { JobPlanEndpoint } from '../../server/job_plan.ts';
import { NodeDrainEndpoint } from '../../server/node_drain_endpoint.ts';
import { StateStore } from '../../state/index.ts';
import type { Clock } from '../../lib/clock.ts';
import { checkJob, parseJobSource } from '../job_checks.ts';
import { localCluster } from '../local_cluster.ts';
import { AgentLogger } from '../logger.ts';
import { AgentMetrics } from '../metrics.ts';
import { operatorWrites } from '../operator_writes.ts';
import { adaptServerEndpoints } from '../server_adapter.ts';

export interface TestApi {
  base: string;
  client: NomadClient;
  store: StateStore;
  deps: EndpointDeps;
  backend: HttpBackend;
  close(): Promise<void>;
}

const clock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (ms, fn) => setTimeout(fn, ms) as unknown as ReturnType<Clock['setTimer']>,
  clearTimer: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
};

export async function startTestApi(opts: { maxBodyBytes?: number } = {}): Promise<TestApi> {
  const store = new StateStore();
  const log = new InmemLog(new FSM(store));
  const deps: EndpointDeps = { log, store, clock, ids: { uuid: () => randomUUID() } };
  const endpoints = adaptServerEndpoints({
    job: new JobEndpoint(deps),
    plan: new JobPlanEndpoint(deps, async () => {
      throw new NomadError('unavailable', 'No scheduler runs in the HTTP test harness');
    }),
    dispatch: new JobDispatchEndpoint(deps),
    alloc: new AllocEndpoint(deps),
    nodeDrain: new NodeDrainEndpoint(deps),
    operator: operatorWrites(deps),
  });
  const cluster = localCluster({
    name: 'test',
    region: 'global',
    datacenter: 'dc1',
    rpcAddr: { host: '127.0.0.1', port: 4647 },
    serfAddr: { host: '127.0.0.1', port: 4648 },
    version: '0.1.0',
    bootstrapExpect: 1,
    isLeader: () => true,
  });
  const backend: HttpBackend = {
    agent: {
      name: 'test',
      region: 'global',
      datacenter: 'dc1',
      version: '0.1.0',
      selfConfig: () => ({ Region: 'global', Datacenter: 'dc1', NodeName: 'test' }),
      health: () => ({ server: { ok: true, message: 'ok' } }),
    },
    server: { store, endpoints, cluster },
    metrics: new AgentMetrics({ prometheusEnabled: true, hostname: 'test', store }),
    parseJob: parseJobSource,
    validateJob: checkJob,
  };
  const logger = new AgentLogger({
    level: (process.env['NOMAD_TEST_LOG'] ?? 'OFF') as 'OFF',
    json: false,
    sink: { write: (l) => void process.stderr.write(l) },
  });
  const api = newHttpApi({
    backend,
    logger,
    ...(opts.maxBodyBytes === undefined ? {} : { maxBodyBytes: opts.maxBodyBytes }),
  });
  const { port } = await api.server.listen('127.0.0.1', 0);
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    client: new NomadClient({ address: base, token: '', region: '', namespace: '' }),
    store,
    deps,
    backend,
    close: async () => {
      await api.server.close();
      api.close();
      log.close();
    },
  };
}
