/**
 * The agent: a server, a client, or both (-dev), and the HTTP API in front of them, built from an
 * AgentConfig. start() brings them up in Nomad's order (server, client, HTTP); shutdown() takes
 * them down in reverse. In -dev the client destroys its allocations on shutdown, as Nomad's
 * client does in dev mode (client/client.go Shutdown); otherwise tasks keep running and the next
 * agent reattaches to them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../client/client.ts';
import { defaultDrivers, realClock } from '../client/config.ts';
import type { Driver } from '../drivers/driver.ts';
import { DockerDriver } from '../drivers/docker/docker_driver.ts';
import { ExecDriver } from '../drivers/exec/exec_driver.ts';
import { JavaDriver } from '../drivers/java/java_driver.ts';
import type { HttpBackend } from '../http/backend.ts';
import { newHttpApi } from '../http/routes.ts';
import type { HttpApi } from '../http/routes.ts';
import { NomadError } from '../lib/errors.ts';
import { Server } from '../server/server.ts';
import { adaptClient } from './client_adapter.ts';
import type { AgentConfig } from './config.ts';
import { checkJob, parseJobSource } from './job_checks.ts';
import { localCluster } from './local_cluster.ts';
import { localServerRpc } from './local_rpc.ts';
import type { AgentLogger } from './logger.ts';
import { AgentMetrics } from './metrics.ts';
import { operatorWrites } from './operator_writes.ts';
import { adaptServerEndpoints } from './server_adapter.ts';

/** The version the agent reports (banner, members, node attributes). */
export const AGENT_VERSION = '0.1.0';

type Addr = { host: string; port: number };

export class Agent {
  readonly config: AgentConfig;
  readonly logger: AgentLogger;
  readonly serverNodeId = randomUUID();
  server: Server | undefined;
  client: Client | undefined;
  http: HttpApi | undefined;
  httpAddr: Addr = { host: '', port: 0 };
  #tempDataDir = '';
  #clientServers: string[] = [];

  constructor(config: AgentConfig, logger: AgentLogger) {
    this.config = config;
    this.logger = logger;
  }

  get rpcAddr(): Addr {
    return { host: this.config.addresses.rpc, port: this.config.ports.rpc };
  }

  get serfAddr(): Addr {
    return { host: this.config.addresses.serf, port: this.config.ports.serf };
  }

  async start(): Promise<void> {
    const c = this.config;
    if (c.client.enabled && !c.server.enabled) {
      throw new NomadError(
        'bad_request',
        'A client-only agent needs the RPC transport to its servers, which this build does not wire yet: run -dev or server and client together',
      );
    }
    if (c.server.enabled) await this.#startServer();
    if (c.client.enabled) await this.#startClient();
    await this.#startHttp();
  }

  async #startServer(): Promise<void> {
    const c = this.config;
    const logger = this.logger.named('nomad');
    this.server = new Server({
      region: c.region,
      datacenter: c.datacenter,
      numSchedulers: Math.min(c.server.numSchedulers, 64),
      clock: realClock,
      ids: { uuid: () => randomUUID() },
      logger,
      heartbeat: { graceMs: c.server.heartbeatGraceMs, minTtlMs: c.server.minHeartbeatTtlMs },
    });
    await this.server.start();
    logger.info('cluster leadership acquired');
  }

  #drivers(): Driver[] {
    const c = this.config;
    const plugin = (name: string): Record<string, unknown> =>
      c.plugins.find((p) => p.name === name)?.config ?? {};
    const rawExec = plugin('raw_exec');
    const docker = plugin('docker');
    const volumes = docker['volumes'] as Record<string, unknown> | undefined;
    return [
      ...defaultDrivers({
        devMode: c.devMode,
        options: c.client.options,
        rawExecPluginEnabled: rawExec['enabled'] === true,
        clock: realClock,
      }),
      new DockerDriver({
        volumesEnabled: volumes?.['enabled'] === true || c.client.options['driver.docker.volumes'] === 'true',
        allowPrivileged: docker['allow_privileged'] === true,
      }),
      new ExecDriver(),
      new JavaDriver(),
    ];
  }

  async #startClient(): Promise<void> {
    const c = this.config;
    const server = this.server!;
    let dataDir = c.dataDir;
    if (dataDir === '') {
      // Nomad's dev client keeps its allocations in a temporary directory, removed at shutdown.
      dataDir = this.#tempDataDir = await mkdtemp(join(tmpdir(), 'NomadClient'));
    }
    this.logger.named('client').info('using alloc directory', { alloc_dir: join(dataDir, 'alloc') });
    this.#clientServers = [`${this.rpcAddr.host}:${this.rpcAddr.port}`];
    this.client = new Client({
      dataDir,
      ...(c.client.allocDir === '' ? {} : { allocDir: c.client.allocDir }),
      servers: localServerRpc(server.nodes, server.allocs),
      drivers: this.#drivers(),
      devMode: c.devMode,
      region: c.region,
      datacenter: c.datacenter,
      nodeName: c.name,
      ...(c.client.nodeClass === '' ? {} : { nodeClass: c.client.nodeClass }),
      nodePool: c.client.nodePool,
      meta: c.client.meta,
      reserved: {
        cpuMhz: c.client.reserved.cpuMhz,
        memoryMb: c.client.reserved.memoryMb,
        diskMb: c.client.reserved.diskMb,
        reservedPorts: c.client.reserved.reservedPorts,
      },
      options: c.client.options,
      hostVolumes: c.client.hostVolumes,
      httpAddr: `${c.addresses.http === '0.0.0.0' ? '127.0.0.1' : c.addresses.http}:${c.ports.http}`,
      ...(c.client.networkInterface === ''
        ? c.devMode
          ? { networkInterface: 'lo' }
          : {}
        : { networkInterface: c.client.networkInterface }),
      minDynamicPort: c.client.minDynamicPort,
      maxDynamicPort: c.client.maxDynamicPort,
      clock: realClock,
      ids: { uuid: () => randomUUID() },
      logger: this.logger.named('client'),
      version: AGENT_VERSION,
    });
    await this.client.start();
  }

  #backend(): HttpBackend {
    const c = this.config;
    const server = this.server;
    const client = this.client;
    const backend: HttpBackend = {
      agent: {
        name: c.name,
        region: c.region,
        datacenter: c.datacenter,
        version: AGENT_VERSION,
        selfConfig: () => selfConfig(c, this),
        health: () => ({
          ...(server === undefined
            ? {}
            : { server: { ok: server.isLeader(), message: server.isLeader() ? 'ok' : 'No cluster leader' } }),
          ...(client === undefined
            ? {}
            : { client: { ok: client.registered, message: client.registered ? 'ok' : 'not registered' } }),
        }),
      },
      metrics: new AgentMetrics({
        prometheusEnabled: c.telemetry.prometheusMetrics,
        hostname: c.telemetry.disableHostname ? '' : c.name,
        ...(server === undefined ? {} : { store: server.state }),
        ...(client === undefined ? {} : { clientAllocs: () => clientAllocCounts(client) }),
      }),
      parseJob: parseJobSource,
      validateJob: checkJob,
    };
    if (server !== undefined) {
      backend.server = {
        store: server.state,
        endpoints: adaptServerEndpoints({
          job: server.jobs,
          plan: server.jobPlan,
          dispatch: server.jobDispatch,
          alloc: server.allocs,
          nodeDrain: server.nodeDrain,
          deployment: server.deployments,
          operator: operatorWrites({ log: server.log, store: server.state }),
        }),
        cluster: localCluster({
          name: c.name,
          region: c.region,
          datacenter: c.datacenter,
          rpcAddr: this.rpcAddr,
          serfAddr: this.serfAddr,
          version: AGENT_VERSION,
          bootstrapExpect: c.server.bootstrapExpect,
          isLeader: () => server.isLeader(),
        }),
      };
    }
    if (client !== undefined) {
      backend.client = adaptClient(client, {
        servers: () => [...this.#clientServers],
        setServers: (list) => void (this.#clientServers = [...list]),
      });
    }
    return backend;
  }

  async #startHttp(): Promise<void> {
    const c = this.config;
    this.http = newHttpApi({ backend: this.#backend(), logger: this.logger.named('http') });
    this.httpAddr = await this.http.server.listen(c.addresses.http, c.ports.http);
  }

  /** Stops HTTP, then the client (destroying its allocations in -dev), then the server. */
  async shutdown(): Promise<void> {
    const log = this.logger.named('agent');
    log.info('requesting shutdown');
    if (this.http !== undefined) {
      await this.http.server.close();
      this.http.close();
    }
    if (this.client !== undefined) {
      log.info('shutting down client');
      await this.client.shutdown({ destroyAllocs: this.config.devMode });
    }
    if (this.server !== undefined) {
      log.info('shutting down server');
      await this.server.shutdown();
    }
    if (this.#tempDataDir !== '') await rm(this.#tempDataDir, { recursive: true, force: true });
    log.info('shutdown complete');
  }
}

function clientAllocCounts(client: Client): Record<string, number> {
  const out: Record<string, number> = {};
  for (const ar of client.allocRunners()) {
    const status = ar.clientUpdate().ClientStatus;
    out[status] = (out[status] ?? 0) + 1;
  }
  return out;
}

function selfConfig(c: AgentConfig, agent: Agent): Record<string, unknown> {
  return {
    Region: c.region,
    Datacenter: c.datacenter,
    NodeName: c.name,
    DataDir: c.dataDir,
    LogLevel: c.logLevel,
    BindAddr: c.bindAddr,
    Ports: { HTTP: agent.httpAddr.port, RPC: c.ports.rpc, Serf: c.ports.serf },
    Server: {
      Enabled: c.server.enabled,
      BootstrapExpect: c.server.bootstrapExpect,
      NumSchedulers: c.server.numSchedulers,
    },
    Client: {
      Enabled: c.client.enabled,
      NodeClass: c.client.nodeClass,
      NodePool: c.client.nodePool,
      Meta: c.client.meta,
    },
    Version: { Version: AGENT_VERSION },
    DevMode: c.devMode,
  };
}
