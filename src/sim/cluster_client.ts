/**
 * One simulated client agent process: the real Client with the mock driver, on its own clock, with
 * its local state in memory (the LMDB file that outlives the process) and no disk I/O. It talks to
 * the servers through SimServerRpc: one server at a time, moving on to the next when one does not
 * answer, as src/client/remote_servers.ts does over src/rpc.
 */
import { NomadError } from '../lib/errors.ts';
import { rngFromSeed, uuidFrom } from '../lib/random.ts';
import { Client } from '../client/client.ts';
import type { ClientLogger } from '../client/config.ts';
import type { HostFingerprint } from '../client/fingerprint.ts';
import type { AllocClientUpdate, HeartbeatResponse, ServerRpc } from '../client/server_rpc.ts';
import { MemoryClientStateDb } from '../client/state_db.ts';
import { MockDriver } from '../drivers/mock/mock_driver.ts';
import type { Allocation } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';
import { ProcessClock } from './sim_clock.ts';
import type { SimNetwork } from './sim_network.ts';
import { SimRpcEndpoint } from './sim_rpc.ts';
import type { SimScheduler } from './sim_scheduler.ts';
import type { Envelope, SimMethod } from './cluster_server.ts';

/** How long a client waits for a server's answer before trying the next one. */
export const CLIENT_CALL_TIMEOUT_MS = 2_000;
/** Extra time a blocking query may take beyond its wait. */
export const CLIENT_BLOCKING_SLACK_MS = 5_000;

/** ServerRpc over the simulated network, with failover between servers. */
export class SimServerRpc implements ServerRpc {
  readonly #rpc: SimRpcEndpoint;
  readonly #servers: readonly string[];
  #current: number;

  constructor(rpc: SimRpcEndpoint, servers: readonly string[], first: number) {
    this.#rpc = rpc;
    this.#servers = servers;
    this.#current = first % servers.length;
  }

  registerNode(node: Node): Promise<HeartbeatResponse> {
    return this.#call('Node.Register', { node }) as Promise<HeartbeatResponse>;
  }

  updateNodeStatus(nodeId: string, status: Node['Status']): Promise<HeartbeatResponse> {
    return this.#call('Node.UpdateStatus', { nodeId, status }) as Promise<HeartbeatResponse>;
  }

  getClientAllocs(
    nodeId: string,
    opts: { minIndex: number; waitMs: number; signal?: AbortSignal },
  ): Promise<{ allocs: Record<string, number>; index: number }> {
    return this.#call(
      'Node.GetClientAllocs',
      { nodeId, minIndex: opts.minIndex, waitMs: opts.waitMs },
      opts.waitMs + CLIENT_BLOCKING_SLACK_MS,
    ) as Promise<{ allocs: Record<string, number>; index: number }>;
  }

  getAllocs(ids: readonly string[]): Promise<Allocation[]> {
    return this.#call('Alloc.GetAllocs', { ids: [...ids] }) as Promise<Allocation[]>;
  }

  updateAllocs(updates: readonly AllocClientUpdate[]): Promise<{ index: number }> {
    return this.#call('Node.UpdateAlloc', { updates: [...updates] }) as Promise<{ index: number }>;
  }

  /** Tries each server once, starting with the one that answered last. */
  async #call(
    method: SimMethod,
    args: Record<string, unknown>,
    timeoutMs = CLIENT_CALL_TIMEOUT_MS,
  ): Promise<unknown> {
    let lastError: unknown;
    for (let tried = 0; tried < this.#servers.length; tried++) {
      const to = this.#servers[this.#current]!;
      try {
        return await this.#rpc.call(to, method, { args, hops: 0 } satisfies Envelope, timeoutMs);
      } catch (err) {
        if (!(err instanceof NomadError) || (err.kind !== 'unavailable' && err.kind !== 'timeout')) throw err;
        lastError = err;
        this.#current = (this.#current + 1) % this.#servers.length;
      }
    }
    throw new NomadError(
      'unavailable',
      `No server answered ${method}: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
    );
  }
}

export interface ClientProcessOptions {
  name: string;
  servers: readonly string[];
  sched: SimScheduler;
  net: SimNetwork;
  seed: number;
  incarnation: number;
  skew: { rate: number; offsetMs: number };
  /** What outlives the process: the node's identity and its local state. */
  disk: ClientDisk;
  logger: ClientLogger;
}

export interface ClientDisk {
  identity: { id: string; secretId: string };
  state: MemoryClientStateDb;
}

export function newClientDisk(seed: number, name: string): ClientDisk {
  const rng = rngFromSeed(`${seed}-${name}-identity`);
  return { identity: { id: uuidFrom(rng), secretId: uuidFrom(rng) }, state: new MemoryClientStateDb() };
}

export class ClientProcess {
  readonly name: string;
  readonly clock: ProcessClock;
  readonly client: Client;
  readonly driver: MockDriver;
  readonly rpc: SimRpcEndpoint;
  readonly #o: ClientProcessOptions;
  #alive = true;

  private constructor(o: ClientProcessOptions) {
    this.#o = o;
    this.name = o.name;
    this.clock = new ProcessClock(o.sched, o.skew);
    this.rpc = new SimRpcEndpoint({
      addr: o.name,
      net: o.net,
      clock: this.clock,
      incarnation: o.incarnation,
    });
    o.net.listen(o.name, (from, msg) => this.rpc.receive(from, msg));
    this.driver = new MockDriver({ clock: this.clock });
    const tag = `${o.seed}-${o.name}-${o.incarnation}`;
    const idRng = rngFromSeed(`${tag}-ids`);
    this.client = new Client({
      dataDir: `/nonexistent/sim/${o.name}`,
      servers: new SimServerRpc(this.rpc, o.servers, rngFromSeed(tag).int(o.servers.length)),
      drivers: [this.driver],
      clock: this.clock,
      ids: { uuid: () => uuidFrom(idRng) },
      logger: o.logger,
      nodeName: o.name,
      datacenter: 'dc1',
      allocUpdateFlushMs: 200,
      nodeIdentity: o.disk.identity,
      hostFingerprint: simHost(o.name),
      stateStore: o.disk.state,
      diskless: true,
    });
  }

  static async start(o: ClientProcessOptions): Promise<ClientProcess> {
    const p = new ClientProcess(o);
    await p.client.start();
    return p;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /**
   * kill -9 of the agent: its timers and connections die. The mock driver's tasks die with it here
   * (they are timers of this process); the next process reattaches to them from their handles,
   * with the time they have left, as it would to real processes that outlived the agent.
   */
  crash(): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.clock.kill();
    this.rpc.close();
    this.#o.net.unlisten(this.name);
  }

  /** Tasks the mock driver runs now, by allocation ID (the ground truth of what runs where). */
  runningAllocs(): Set<string> {
    const out = new Set<string>();
    if (!this.#alive) return out;
    for (const ar of this.client.allocRunners()) {
      if (Object.values(ar.taskStates).some((t) => t.State === 'running')) out.add(ar.id);
    }
    return out;
  }
}

/** A fixed machine: 4 cores of 1000 MHz, 8 GiB, one network; the same on every host running the simulation. */
function simHost(name: string): HostFingerprint {
  const ip = `10.0.0.${Number(name.replace(/\D/g, '')) + 10}`;
  return {
    attributes: {
      'kernel.name': 'linux',
      'kernel.arch': 'x86_64',
      'os.name': 'debian',
      'cpu.arch': 'amd64',
      'cpu.numcores': '4',
      'cpu.totalcompute': '4000',
      'memory.totalbytes': String(8 * 1024 ** 3),
      'unique.hostname': name,
      'unique.network.ip-address': ip,
      'nomad.version': '1.4.0',
    },
    resources: {
      Cpu: { CpuShares: 4000, TotalCpuCores: 4, ReservableCpuCores: [0, 1, 2, 3] },
      Memory: { MemoryMB: 8192 },
      Disk: { DiskMB: 100_000 },
      Networks: [{ Mode: 'host', Device: 'eth0', CIDR: `${ip}/32`, IP: ip, MBits: 1000 }],
      NodeNetworks: [
        {
          Mode: 'host',
          Device: 'eth0',
          MacAddress: '02:00:00:00:00:01',
          Speed: 1000,
          Addresses: [{ Family: 'ipv4', Alias: 'default', Address: ip, ReservedPorts: '', Gateway: '' }],
        },
      ],
      MinDynamicPort: 20000,
      MaxDynamicPort: 32000,
    },
    network: { device: 'eth0', ip, mac: '02:00:00:00:00:01', cidr: `${ip}/32` },
  };
}
