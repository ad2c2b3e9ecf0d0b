/**
 * The client agent: fingerprints the node, registers it, heartbeats at the TTL the servers give,
 * watches the node's allocations with blocking queries, runs them in alloc runners, and sends
 * their updates in batches. When no server answers, tasks keep running; the client backs off,
 * then re-registers and re-sends every allocation's state when a server answers again. Its state
 * lives in LMDB, so a restarted client reattaches to its tasks instead of starting them again.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Allocation } from '../structs/allocation.ts';
import type { HostVolume, Node } from '../structs/node.ts';
import type { Driver } from '../drivers/driver.ts';
import type { Clock, TimerId } from '../lib/clock.ts';
import { rngFromSeed } from '../lib/random.ts';
import { errorMessage } from '../lib/errors.ts';
import type { AllocClientUpdate } from './server_rpc.ts';
import {
  consoleLogger,
  DEFAULT_ENV_DENYLIST,
  DEFAULT_GC_MAX_ALLOCS,
  realClock,
  type ClientConfig,
  type ClientLogger,
} from './config.ts';
import { computedClass, fingerprintDrivers, fingerprintHost, reservedResources } from './fingerprint.ts';
import { ClientStateDb, type ClientStateStore } from './state_db.ts';
import { AllocRunner } from './allocrunner/alloc_runner.ts';
import { AllocUpdateBatcher } from './alloc_update_batcher.ts';
import { allocsToCollect, CollectedAllocs } from './alloc_gc.ts';
import { isClientTerminal } from './allocrunner/client_status.ts';

/** Nomad's blocking query wait for the allocation watch. */
export const ALLOC_WATCH_WAIT_MS = 5 * 60 * 1000;
/** Backoff after a failed call to the servers: doubling from the first value up to the max. */
export const RETRY_MS_MIN = 250;
export const RETRY_MS_MAX = 30_000;
/** Allocations fetched per Alloc.GetAllocs call. */
export const GET_ALLOCS_BATCH_MAX = 100;

/**
 * The node's ID and secret, kept in <dataDir>/client/client-id and secret-id as Nomad keeps them:
 * a restarted client must present the same secret, or the servers refuse its registration.
 */
export function nodeIdentityFor(dataDir: string, devMode: boolean): { id: string; secretId: string } {
  if (devMode) return { id: randomUUID(), secretId: randomUUID() };
  const dir = join(dataDir, 'client');
  return { id: persistedId(join(dir, 'client-id')), secretId: persistedId(join(dir, 'secret-id')) };
}

function persistedId(path: string): string {
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (id !== '') return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  const id = randomUUID();
  writeFileSync(path, id, { mode: 0o600 });
  return id;
}

export class Client {
  readonly #cfg: ClientConfig;
  readonly #clock: Clock;
  readonly #log: ClientLogger;
  readonly #drivers: ReadonlyMap<string, Driver>;
  readonly #runners = new Map<string, AllocRunner>();
  readonly #allocDir: string;
  readonly #abort = new AbortController();
  #db: ClientStateStore | undefined;
  #node: Node | undefined;
  #batcher: AllocUpdateBatcher | undefined;
  #heartbeatTimer: TimerId | undefined;
  #registered = false;
  #stopped = false;
  #watch: Promise<void> = Promise.resolve();
  #failures = 0;
  /** Garbage collection passes run one at a time, in this chain. */
  #gc: Promise<void> = Promise.resolve();
  readonly #collected = new CollectedAllocs();

  constructor(config: ClientConfig) {
    this.#cfg = config;
    this.#clock = config.clock ?? realClock;
    this.#log = config.logger ?? consoleLogger;
    this.#drivers = new Map(config.drivers.map((d) => [d.name, d]));
    this.#allocDir = config.allocDir ?? join(config.dataDir, 'alloc');
  }

  get node(): Node {
    if (this.#node === undefined) throw new Error('Client is not started');
    return this.#node;
  }

  get allocDir(): string {
    return this.#allocDir;
  }

  get registered(): boolean {
    return this.#registered;
  }

  allocRunner(id: string): AllocRunner | undefined {
    return this.#runners.get(id);
  }

  allocRunners(): AllocRunner[] {
    return [...this.#runners.values()];
  }

  drivers(): ReadonlyMap<string, Driver> {
    return this.#drivers;
  }

  /** Fingerprints, restores local allocations (reattaching to their tasks), then registers. */
  async start(): Promise<void> {
    const c = this.#cfg;
    if (c.diskless !== true) mkdirSync(this.#allocDir, { recursive: true });
    this.#node = await this.#buildNode();
    this.#db = c.stateStore ?? ClientStateDb.open(join(c.dataDir, 'client', 'state.mdb'));
    this.#batcher = new AllocUpdateBatcher({
      rpc: c.servers,
      clock: this.#clock,
      logger: this.#log,
      flushMs: c.allocUpdateFlushMs ?? 200,
      onError: () => this.#serverLost(),
    });
    for (const a of this.#db.allocs()) this.#startRunner(a);
    this.#log.info('client started', { node_id: this.#node.ID, restored_allocs: this.#runners.size });
    this.#collectGarbage();
    this.#heartbeat();
  }

  async #buildNode(): Promise<Node> {
    const c = this.#cfg;
    const now = this.#clock.nowMs();
    const host = c.hostFingerprint ?? fingerprintHost(c, this.#allocDir);
    const drv = await fingerprintDrivers(c.drivers, new Date(now).toISOString());
    const hostVolumes: Record<string, HostVolume> = {};
    for (const v of c.hostVolumes ?? [])
      hostVolumes[v.name] = { Name: v.name, Path: v.path, ReadOnly: v.readOnly };
    const identity = c.nodeIdentity ?? nodeIdentityFor(c.dataDir, c.devMode === true);
    const node: Node = {
      ID: identity.id,
      SecretID: identity.secretId,
      Datacenter: c.datacenter ?? 'dc1',
      Name: c.nodeName ?? hostname(),
      HTTPAddr: c.httpAddr ?? `${host.network.ip}:4646`,
      TLSEnabled: false,
      Attributes: { ...host.attributes, ...drv.attributes },
      NodeResources: host.resources,
      ReservedResources: reservedResources(c),
      Links: null,
      Meta: { ...(c.meta ?? {}) },
      NodeClass: c.nodeClass ?? '',
      NodePool: c.nodePool ?? 'default',
      ComputedClass: '',
      DrainStrategy: null,
      SchedulingEligibility: 'eligible',
      Status: 'initializing',
      StatusDescription: '',
      StatusUpdatedAt: Math.floor(now / 1000),
      Events: null,
      Drivers: drv.infos,
      HostVolumes: Object.keys(hostVolumes).length > 0 ? hostVolumes : null,
      LastDrain: null,
      CreateIndex: 0,
      ModifyIndex: 0,
    };
    node.ComputedClass = computedClass(node);
    return node;
  }

  #startRunner(a: Allocation): AllocRunner {
    const ar = new AllocRunner({
      alloc: a,
      node: this.#node!,
      region: this.#cfg.region ?? 'global',
      drivers: this.#drivers,
      allocDir: this.#allocDir,
      clock: this.#clock,
      rng: rngFromSeed(this.#cfg.ids?.uuid() ?? randomInt(2 ** 31)),
      logger: this.#log,
      db: this.#db!,
      envDenylist: this.#cfg.envDenylist ?? DEFAULT_ENV_DENYLIST,
      hostEnv: process.env,
      onUpdate: (r) => this.#queueUpdate(r.clientUpdate()),
      ...(this.#cfg.diskless === true ? { diskless: true } : {}),
    });
    this.#runners.set(a.ID, ar);
    // A new allocation may take the client over gc_max_allocs; a finished one may now be collected.
    this.#collectGarbage();
    void ar.run().then(() => this.#collectGarbage());
    return ar;
  }

  /** Queues a garbage collection pass (see alloc_gc.ts). */
  #collectGarbage(): void {
    this.#gc = this.#gc
      .then(() => this.#gcPass())
      .catch((err: unknown) => this.#log.error('garbage collection failed', { error: errorMessage(err) }));
  }

  async #gcPass(): Promise<void> {
    if (this.#stopped) return;
    const maxAllocs = this.#cfg.gcMaxAllocs ?? DEFAULT_GC_MAX_ALLOCS;
    const candidates = [...this.#runners.values()].map((ar) => ({
      id: ar.id,
      terminalAtMs: ar.terminalAtMs,
    }));
    for (const id of allocsToCollect(candidates, maxAllocs)) {
      const ar = this.#runners.get(id);
      if (ar === undefined || this.#stopped) continue;
      this.#runners.delete(id);
      this.#collected.add(id, ar.alloc.AllocModifyIndex);
      this.#log.info('garbage collecting allocation', {
        alloc_id: id,
        reason: `new allocations and over max (${maxAllocs})`,
      });
      await ar.destroy();
    }
  }

  #queueUpdate(u: AllocClientUpdate): void {
    if (!this.#stopped) this.#batcher?.queue(u);
  }

  #backoffMs(): number {
    return Math.min(RETRY_MS_MAX, RETRY_MS_MIN * 2 ** Math.min(this.#failures, 16));
  }

  #serverLost(): void {
    if (this.#registered) this.#log.warn('lost contact with the servers; tasks keep running');
    this.#registered = false;
  }

  /** Registers when needed, then heartbeats a bit before the TTL the server gave runs out. */
  #heartbeat(): void {
    if (this.#stopped) return;
    void this.#heartbeatOnce().then((nextMs) => {
      if (this.#stopped) return;
      this.#heartbeatTimer = this.#clock.setTimer(nextMs, () => this.#heartbeat());
    });
  }

  async #heartbeatOnce(): Promise<number> {
    const rpc = this.#cfg.servers;
    try {
      if (!this.#registered) {
        await rpc.registerNode({ ...this.node, Status: 'initializing' });
        const r = await rpc.updateNodeStatus(this.node.ID, 'ready');
        this.#node = { ...this.node, Status: 'ready' };
        this.#registered = true;
        this.#failures = 0;
        this.#log.info('node registered', { node_id: this.node.ID });
        // A server that lost track of us gets every allocation's state again, and the watch restarts.
        for (const ar of this.#runners.values()) this.#queueUpdate(ar.clientUpdate());
        this.#restartWatch();
        return this.#nextHeartbeatMs(r.heartbeatTtlMs);
      }
      const r = await rpc.updateNodeStatus(this.node.ID, 'ready');
      this.#failures = 0;
      return this.#nextHeartbeatMs(r.heartbeatTtlMs);
    } catch (err) {
      this.#failures += 1;
      this.#serverLost();
      this.#log.warn('heartbeat failed', { error: errorMessage(err), retry_ms: this.#backoffMs() });
      return this.#backoffMs();
    }
  }

  #nextHeartbeatMs(ttlMs: number): number {
    // Half the TTL, so one lost heartbeat still leaves time for another before the node is marked down.
    return Math.max(10, Math.floor(ttlMs / 2));
  }

  #restartWatch(): void {
    this.#watch = this.#watch.then(() => this.#watchAllocs());
  }

  /** Blocking queries for the node's allocations until the client stops or loses the servers. */
  async #watchAllocs(): Promise<void> {
    let index = 0;
    const known = new Map<string, number>(this.#collected.entries());
    for (const ar of this.#runners.values()) known.set(ar.id, ar.alloc.AllocModifyIndex);
    while (!this.#stopped && this.#registered) {
      try {
        const r = await this.#cfg.servers.getClientAllocs(this.node.ID, {
          minIndex: index,
          waitMs: ALLOC_WATCH_WAIT_MS,
          signal: this.#abort.signal,
        });
        if (this.#stopped) return;
        index = r.index;
        const changed = Object.entries(r.allocs)
          .filter(([id, mi]) => known.get(id) !== mi)
          .map(([id]) => id);
        for (let i = 0; i < changed.length; i += GET_ALLOCS_BATCH_MAX) {
          const allocs = await this.#cfg.servers.getAllocs(changed.slice(i, i + GET_ALLOCS_BATCH_MAX));
          for (const a of allocs) {
            await this.#applyAlloc(a);
            known.set(a.ID, a.AllocModifyIndex);
          }
        }
        for (const id of [...known.keys()]) {
          if (r.allocs[id] !== undefined) continue;
          known.delete(id);
          await this.#removeAlloc(id);
        }
      } catch (err) {
        if (this.#stopped) return;
        this.#failures += 1;
        this.#log.warn('watching allocations failed', { error: errorMessage(err) });
        await new Promise<void>((r) => this.#clock.setTimer(this.#backoffMs(), r));
      }
    }
  }

  async #applyAlloc(a: Allocation): Promise<void> {
    const existing = this.#runners.get(a.ID);
    if (existing !== undefined) {
      // A pulled allocation without its job carries the job of the version we already run.
      const full = a.Job === null ? { ...a, Job: existing.alloc.Job } : a;
      await this.#db!.putAlloc(full);
      existing.update(full);
      return;
    }
    // One this client collected, or one the servers record as finished here (stopped, completed, or
    // collected by this client before a restart), is not started again; nor stored, so that a
    // restart does not start it either.
    if (this.#collected.has(a.ID) || isClientTerminal(a.ClientStatus)) return;
    await this.#db!.putAlloc(a);
    this.#startRunner(a);
  }

  /** The servers garbage-collected the allocation: stop it and free its directory and state. */
  async #removeAlloc(id: string): Promise<void> {
    this.#collected.forget(id);
    const ar = this.#runners.get(id);
    if (ar === undefined) return;
    this.#runners.delete(id);
    await ar.destroy();
  }

  /** Stops the client. Tasks keep running (they are reattached on the next start) unless destroyAllocs. */
  async shutdown(opts: { destroyAllocs?: boolean } = {}): Promise<void> {
    if (this.#stopped) return;
    if (opts.destroyAllocs === true) {
      await Promise.all([...this.#runners.values()].map((ar) => ar.destroy()));
      await this.#batcher?.flush();
    }
    this.#stopped = true;
    this.#abort.abort();
    if (this.#heartbeatTimer !== undefined) this.#clock.clearTimer(this.#heartbeatTimer);
    await this.#batcher?.close();
    await Promise.all([...this.#runners.values()].map((ar) => ar.detach()));
    // A collection under way finishes its allocation before the state store closes.
    await this.#gc;
    await this.#db?.close();
  }
}
