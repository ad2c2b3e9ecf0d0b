/**
 * An in-process server with simulated nodes, for the server's scenario tests: nodes register
 * through the node endpoint, and the test plays their clients by sending allocation updates
 * (running, healthy, complete) the way a real client would. Time is a ManualClock.
 */
import assert from 'node:assert/strict';
import type { JobInput } from '../../structs/canonicalize.ts';
import { allocTerminal, clientTerminal, type Allocation } from '../../structs/allocation.ts';
import type { Node } from '../../structs/node.ts';
import { mockNode } from '../../state/testing/mocks.ts';
import { ManualClock, settle } from '../../../test/helpers/manual_clock.ts';
import { allocPorts, allocsFit } from '../plan_fit.ts';
import { Server, type ServerConfig } from '../server.ts';
import type { AllocClientUpdate } from '../node_endpoint.ts';
import { seededIds } from './fixtures.ts';

/** Settling rounds before a test gives up waiting for the server to go idle. */
const IDLE_ROUNDS_MAX = 2_000;
const HEARTBEAT_STEP_MS_MAX = 10_000;

export class SimCluster {
  readonly clock: ManualClock;
  readonly server: Server;
  /** Nodes whose clients stopped heartbeating (a crash, a partition). */
  readonly silent = new Set<string>();

  constructor(opts: Partial<ServerConfig> & { seed?: string } = {}) {
    this.clock = new ManualClock();
    this.server = new Server({
      clock: this.clock,
      ids: seededIds(opts.seed ?? 'sim'),
      numSchedulers: 2,
      ...opts,
    });
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.server.shutdown();
  }

  /** Registers `n` ready nodes (4000 MHz, 8 GiB by default) named n0.. and returns their IDs. */
  async addNodes(n: number, overrides: (i: number) => Partial<Node> = () => ({})): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `node-${String(this.server.state.snapshot().nodes().length).padStart(4, '0')}`;
      await this.server.nodes.registerNode(mockNode(id, { Status: 'ready', ...overrides(i) }));
      ids.push(id);
    }
    await this.idle();
    return ids;
  }

  async register(job: JobInput): Promise<string> {
    const r = await this.server.jobs.register({ job });
    await this.idle();
    return r.EvalID;
  }

  /** Waits until no evaluation is ready or in a worker's hands and no plan waits. */
  async idle(): Promise<void> {
    const s = this.server;
    for (let round = 0; round < IDLE_ROUNDS_MAX; round++) {
      await settle(3);
      await s.deploymentWatcher.idle();
      await s.drainer.idle();
      const st = s.broker.stats();
      if (st.TotalReady === 0 && st.TotalUnacked === 0 && s.planQueue.depth() === 0) {
        await settle(3);
        const again = s.broker.stats();
        if (again.TotalReady === 0 && again.TotalUnacked === 0 && s.planQueue.depth() === 0) return;
      }
    }
    assert.fail(`server did not go idle: ${JSON.stringify(s.broker.stats())}`);
  }

  /**
   * Advances the clock in steps, letting the server react between them; live clients heartbeat each
   * step. Steps are at most HEARTBEAT_STEP_MS_MAX, well inside the shortest TTL plus grace (20 s).
   */
  async advance(ms: number, stepMs = 1_000): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(stepMs, left, HEARTBEAT_STEP_MS_MAX);
      await this.heartbeat();
      this.clock.advance(step);
      left -= step;
      await this.idle();
    }
  }

  allocs(jobId: string): Allocation[] {
    return this.server.state.snapshot().allocsByJob('default', jobId, true);
  }

  /** Allocations the server wants running (desired run, not terminal on the client). */
  live(jobId: string): Allocation[] {
    return this.allocs(jobId).filter((a) => !allocTerminal(a));
  }

  /** Plays every node's client: acknowledges stops, starts pending allocations; optionally reports health. */
  async playClients(opts: { healthy?: boolean; only?: (a: Allocation) => boolean } = {}): Promise<void> {
    const byNode = new Map<string, AllocClientUpdate[]>();
    const nowIso = new Date(this.clock.nowMs()).toISOString();
    for (const a of this.server.state.snapshot().allocs()) {
      if (opts.only !== undefined && !opts.only(a)) continue;
      const node = this.server.state.snapshot().nodeByID(a.NodeID);
      if (node === undefined || node.Status === 'down' || clientTerminal(a.ClientStatus)) continue;
      let update: AllocClientUpdate | undefined;
      if (a.DesiredStatus !== 'run') {
        update = this.#update(a, 'complete', a.DeploymentStatus);
      } else if (a.ClientStatus === 'pending') {
        update = this.#update(
          a,
          'running',
          opts.healthy === true ? this.#health(a, true, nowIso) : a.DeploymentStatus,
        );
      } else if (opts.healthy === true && a.DeploymentStatus?.Healthy == null) {
        update = this.#update(a, 'running', this.#health(a, true, nowIso));
      }
      if (update === undefined) continue;
      let list = byNode.get(a.NodeID);
      if (list === undefined) byNode.set(a.NodeID, (list = []));
      list.push(update);
    }
    for (const updates of byNode.values()) await this.server.nodes.updateAllocs(updates);
    await this.idle();
  }

  /** Reports allocations' health (healthy or not) as their client would after min_healthy_time. */
  async reportHealth(allocIds: readonly string[], healthy: boolean): Promise<void> {
    const snap = this.server.state.snapshot();
    const nowIso = new Date(this.clock.nowMs()).toISOString();
    const byNode = new Map<string, AllocClientUpdate[]>();
    for (const id of allocIds) {
      const a = snap.allocByID(id);
      assert.ok(a !== undefined, `alloc ${id} exists`);
      const status = healthy ? 'running' : 'failed';
      const u = this.#update(a, status, this.#health(a, healthy, nowIso));
      let list = byNode.get(a.NodeID);
      if (list === undefined) byNode.set(a.NodeID, (list = []));
      list.push(u);
    }
    for (const updates of byNode.values()) await this.server.nodes.updateAllocs(updates);
    await this.idle();
  }

  /** Sends a heartbeat for each node (all when none given). */
  async heartbeat(nodeIds?: readonly string[]): Promise<void> {
    const ids =
      nodeIds ??
      this.server.state
        .snapshot()
        .nodes()
        .filter((n) => n.Status !== 'down' && !this.silent.has(n.ID))
        .map((n) => n.ID);
    for (const id of ids) await this.server.nodes.updateNodeStatus(id, 'ready');
  }

  /** No node runs more than it offers, nor two allocations on one port. */
  assertNoOvercommit(): void {
    const snap = this.server.state.snapshot();
    for (const node of snap.nodes()) {
      const live = snap.allocsByNode(node.ID).filter((a) => !allocTerminal(a));
      const verdict = allocsFit(node, live);
      assert.ok(verdict.fit, `node ${node.ID} over-committed (${verdict.reason})`);
      const ports = new Set<number>();
      for (const a of live) {
        for (const p of allocPorts(a)) {
          assert.ok(!ports.has(p), `port ${p} used twice on ${node.ID}`);
          ports.add(p);
        }
      }
    }
  }

  #update(
    a: Allocation,
    status: AllocClientUpdate['ClientStatus'],
    ds: Allocation['DeploymentStatus'],
  ): AllocClientUpdate {
    return {
      ID: a.ID,
      NodeID: a.NodeID,
      ClientStatus: status,
      ClientDescription: '',
      TaskStates: {},
      DeploymentStatus: ds,
      ModifyTime: this.clock.nowMs() * 1e6,
    };
  }

  #health(a: Allocation, healthy: boolean, timestamp: string): Allocation['DeploymentStatus'] {
    return {
      Healthy: healthy,
      Timestamp: timestamp,
      Canary: a.DeploymentStatus?.Canary ?? false,
      ModifyIndex: 0,
    };
  }
}

/** A service job "web" of mock-driver tasks, small enough that many fit on a node. */
export function serviceJob(
  overrides: JobInput = {},
  count = 3,
  resources = { CPU: 100, MemoryMB: 64 },
): JobInput {
  return {
    ID: 'web',
    Name: 'web',
    Type: 'service',
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'web',
        Count: count,
        Tasks: [{ Name: 'web', Driver: 'mock_driver', Config: { run_for: '1h' }, Resources: resources }],
      },
    ],
    ...overrides,
  };
}
