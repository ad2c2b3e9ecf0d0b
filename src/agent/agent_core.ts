/**
 * The agent: a server, a client, or both (-dev), and the HTTP API in front of them, built from an
 * AgentConfig. start() brings them up in Nomad's order (server, client, HTTP); shutdown() takes
 * them down in reverse. In -dev the client destroys its allocations on shutdown, as Nomad's
 * client does in dev mode (client/client.go Shutdown); otherwise tasks keep running and the next
 * agent reattaches to them.
 *
 * A server runs on raft (src/server/cluster.ts): its state in <data_dir>/server/raft, raft and
 * client RPCs on the rpc port, gossip on the serf port. -dev is a single voter with the log in
 * memory, and its client calls the server in-process. Any other client talks RPC to its servers
 * (its own server first, when it has one), learning and failing over between all of them.
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
import { RemoteServers } from '../client/remote_servers.ts';
import type { ServerRpc } from '../client/server_rpc.ts';
import { advertiseHost, ServerCluster } from '../server/cluster.ts';
import { ClusterOperator } from '../server/cluster_operator.ts';
import { loadOrCreateNodeId } from '../server/cluster_raft.ts';
import type { Server } from '../server/server.ts';
import { adaptClient } from './client_adapter.ts';
import {
  clientForwarding,
  clusterInfo,
  operatorEndpoints,
  remoteServerList,
  serverForwarding,
} from './cluster_adapter.ts';
import type { AgentConfig } from './config.ts';
import { checkJob, parseJobSource } from './job_checks.ts';
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
  serverNodeId = '';
  server: Server | undefined;
  cluster: ServerCluster | undefined;
  client: Client | undefined;
  http: HttpApi | undefined;
  httpAddr: Addr = { host: '', port: 0 };
  #tempDataDir = '';
  #remote: RemoteServers | undefined;

  constructor(config: AgentConfig, logger: AgentLogger) {
    this.config = config;
    this.logger = logger;
  }

  get rpcAddr(): Addr {
    const port = this.cluster === undefined ? this.config.ports.rpc : portOf(this.cluster.rpcAddr);
    return { host: this.config.addresses.rpc, port };
  }

  get serfAddr(): Addr {
    const port = this.cluster === undefined ? this.config.ports.serf : this.cluster.gossip.local().port;
    return { host: this.config.addresses.serf, port };
  }

  async start(): Promise<void> {
    const c = this.config;
    if (c.server.enabled) await this.#startServer();
    if (c.client.enabled) await this.#startClient();
    await this.#startHttp();
  }

  async #startServer(): Promise<void> {
    const c = this.config;
    const logger = this.logger.named('nomad');
    // -dev keeps its state in memory, as Nomad's dev agent does; so does a server without a data_dir.
    const dataDir = c.devMode ? '' : c.dataDir;
    if (dataDir === '' && !c.devMode) logger.warn('raft: no data_dir: server state is kept in memory only');
    this.serverNodeId = loadOrCreateNodeId(dataDir);
    const threshold = c.server.extra['raft_snapshot_threshold'];
    this.cluster = await ServerCluster.create({
      server: {
        region: c.region,
        datacenter: c.datacenter,
        numSchedulers: Math.min(c.server.numSchedulers, 64),
        clock: realClock,
        ids: { uuid: () => randomUUID() },
        logger,
        heartbeat: { graceMs: c.server.heartbeatGraceMs, minTtlMs: c.server.minHeartbeatTtlMs },
      },
      name: c.name,
      dataDir,
      nodeId: this.serverNodeId,
      bootstrapExpect: c.server.bootstrapExpect,
      devMode: c.devMode,
      rpc: {
        bind: c.addresses.rpc,
        port: c.ports.rpc,
        advertise: advertised(c.advertise.rpc, c.addresses.rpc),
      },
      serf: {
        bind: c.addresses.serf,
        port: c.ports.serf,
        advertise: advertised(c.advertise.serf, c.addresses.serf),
      },
      join: {
        addresses: c.server.join,
        retryMax: c.server.retryMax,
        retryIntervalMs: c.server.retryIntervalMs,
      },
      autopilot: c.autopilot,
      build: AGENT_VERSION,
      logger,
      ...(typeof threshold === 'number' && threshold > 0 ? { snapshotThreshold: threshold } : {}),
    });
    this.server = this.cluster.server;
    await this.cluster.start();
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

  /** -dev calls its server in-process; any other client talks RPC to its servers. */
  #serverRpc(): ServerRpc {
    const c = this.config;
    if (c.devMode && this.server !== undefined) return localServerRpc(this.server.nodes, this.server.allocs);
    const own = this.cluster === undefined ? [] : [this.cluster.rpcAddr];
    const configured = c.client.servers.map((s) => (/:\d+$/.test(s) ? s : `${s}:4647`));
    this.#remote = new RemoteServers([...own, ...configured]);
    return this.#remote;
  }

  async #startClient(): Promise<void> {
    const c = this.config;
    let dataDir = c.dataDir;
    if (dataDir === '') {
      // Nomad's dev client keeps its allocations in a temporary directory, removed at shutdown.
      dataDir = this.#tempDataDir = await mkdtemp(join(tmpdir(), 'NomadClient'));
    }
    this.logger.named('client').info('using alloc directory', { alloc_dir: join(dataDir, 'alloc') });
    const servers = this.#serverRpc();
    this.client = new Client({
      dataDir,
      ...(c.client.allocDir === '' ? {} : { allocDir: c.client.allocDir }),
      servers,
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
    const cluster = this.cluster;
    const client = this.client;
    const hasLeader = (): boolean => cluster !== undefined && cluster.leaderRpcAddr() !== '';
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
            : { server: { ok: hasLeader(), message: hasLeader() ? 'ok' : 'No cluster leader' } }),
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
        cluster: clusterInfo(cluster!),
        operator: operatorEndpoints(new ClusterOperator(cluster!)),
      };
      // -dev is its own leader, always: nothing to forward.
      if (!c.devMode) backend.forward = serverForwarding(cluster!);
    } else if (this.#remote !== undefined) {
      backend.forward = clientForwarding(this.#remote);
    }
    if (client !== undefined) {
      backend.client = adaptClient(
        client,
        this.#remote === undefined ? this.#devServerList() : remoteServerList(this.#remote),
      );
    }
    return backend;
  }

  /** -dev's client calls its server in-process: the list is only what the API shows and sets. */
  #devServerList(): { servers: () => string[]; setServers: (list: readonly string[]) => void } {
    let list = [`${this.rpcAddr.host}:${this.rpcAddr.port}`];
    return { servers: () => [...list], setServers: (l) => void (list = [...l]) };
  }

  async #startHttp(): Promise<void> {
    const c = this.config;
    this.http = newHttpApi({ backend: this.#backend(), logger: this.logger.named('http') });
    this.httpAddr = await this.http.server.listen(c.addresses.http, c.ports.http);
    const host = advertised(c.advertise.http, this.httpAddr.host);
    this.cluster?.setHttpAddr(`${host}:${this.httpAddr.port}`);
  }

  /**
   * Stops HTTP, then the client (destroying its allocations in -dev), then the server. With
   * leave, the server first leaves the cluster gracefully (out of gossip and raft).
   */
  async shutdown(opts: { leave?: boolean } = {}): Promise<void> {
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
    this.#remote?.close();
    if (this.cluster !== undefined) {
      if (opts.leave === true) {
        log.info('server leaving the cluster');
        await this.cluster.leave();
      }
      log.info('shutting down server');
      await this.cluster.shutdown();
    }
    if (this.#tempDataDir !== '') await rm(this.#tempDataDir, { recursive: true, force: true });
    log.info('shutdown complete');
  }
}

/** The address to tell others: the advertise setting, else the bound address (a real one for 0.0.0.0). */
function advertised(advertise: string, bound: string): string {
  if (advertise !== '') return advertise.replace(/:\d+$/, '');
  return advertiseHost(bound);
}

function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(':') + 1));
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
