/**
 * The server: the state store, the FSM and the log under it, the endpoints over them, and the
 * leader's machinery (eval broker, blocked evals, plan queue and applier, scheduler workers,
 * deployment watcher, heartbeat timers, drainer, periodic dispatcher, GC and the reapers).
 *
 * The FSM's hooks feed the machinery as entries are applied; the hooks act only while this server
 * leads. establishLeadership() starts the machinery and rebuilds it from the state store;
 * revokeLeadership() stops it. With the single-voter in-memory log the server always leads, so
 * start() establishes leadership at once; raft will call the two methods as elections go.
 */
import type { Clock } from '../lib/clock.ts';
import type { IdSource, Rng } from '../lib/random.ts';
import { rngFromSeed } from '../lib/random.ts';
import { FSM } from '../fsm/fsm.ts';
import type { Log } from '../fsm/log.ts';
import { newScheduler, type SchedulerKind } from '../scheduler/scheduler.ts';
import type { SchedulerState, Planner } from '../scheduler/state.ts';
import { NomadError } from '../lib/errors.ts';
import { StateStore } from '../state/index.ts';
import { clientTerminal, type Allocation } from '../structs/allocation.ts';
import { DEFAULT_REGION } from '../structs/job.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Node } from '../structs/node.ts';
import { AllocEndpoint } from './alloc_endpoint.ts';
import { BlockedEvals } from './blocked_evals.ts';
import { CORE_JOB_FORCE_GC, runCoreGc, type GcThresholds } from './core_gc.ts';
import { DeploymentEndpoint } from './deployment_endpoint.ts';
import { DeploymentWatcher } from './deployment_watcher.ts';
import { NodeDrainer } from './drainer.ts';
import type { EndpointDeps } from './endpoint_common.ts';
import { EvalBroker } from './eval_broker.ts';
import { EvalEndpoint } from './eval_endpoint.ts';
import { HeartbeatTimers } from './heartbeat.ts';
import { IndexWaiter } from './index_waiter.ts';
import { InmemLog } from './inmem_log.ts';
import { JobDispatchEndpoint } from './job_dispatch.ts';
import { JobEndpoint } from './job_endpoint.ts';
import { JobPlanEndpoint } from './job_plan.ts';
import { JobReadEndpoint } from './job_read_endpoint.ts';
import { LeaderLoops } from './leader_loops.ts';
import { NodeDrainEndpoint } from './node_drain_endpoint.ts';
import { NodeEndpoint } from './node_endpoint.ts';
import { PeriodicDispatcher } from './periodic.ts';
import { PlanApplier } from './plan_apply.ts';
import { PlanQueue } from './plan_queue.ts';
import { Worker, type EvalRunner } from './worker.ts';

/** Scheduler workers on this 2-core machine: one per core. */
export const DEFAULT_NUM_SCHEDULERS = 2;
export const NUM_SCHEDULERS_MAX = 64;
const SCHEDULER_KINDS: readonly SchedulerKind[] = ['service', 'batch', 'system', 'sysbatch'];

export interface ServerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: ServerLogger = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
};

export interface ServerConfig {
  region?: string;
  datacenter?: string;
  /** Scheduler workers (default 2, at most NUM_SCHEDULERS_MAX; 0 runs none). */
  numSchedulers?: number;
  clock: Clock;
  ids: IdSource;
  /** Randomness for heartbeat staggers, tie-breaks and follow-up delays (default seeded). */
  rng?: Rng;
  /** Builds the log over the FSM (default: the single-voter in-memory log). */
  logFactory?: (fsm: FSM) => Log;
  logger?: ServerLogger;
  /** Overrides how evaluations are scheduled (tests); "_core" evaluations still run the GC. */
  runScheduler?: EvalRunner;
  gcThresholds?: GcThresholds;
  gcIntervalMs?: number;
  /** Verify the next plan while the previous one commits (default true). */
  planPipeline?: boolean;
  heartbeat?: {
    minTtlMs?: number;
    graceMs?: number;
    maxHeartbeatsPerSecond?: number;
    failoverTtlMs?: number;
  };
}

export class Server {
  readonly region: string;
  readonly datacenter: string;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly logger: ServerLogger;
  readonly state: StateStore;
  readonly fsm: FSM;
  readonly log: Log;
  readonly indexes: IndexWaiter;
  readonly broker: EvalBroker;
  readonly blocked: BlockedEvals;
  readonly planQueue: PlanQueue;
  readonly planApplier: PlanApplier;
  readonly heartbeats: HeartbeatTimers;
  readonly deploymentWatcher: DeploymentWatcher;
  readonly drainer: NodeDrainer;
  readonly periodic: PeriodicDispatcher;
  readonly leaderLoops: LeaderLoops;
  readonly workers: Worker[] = [];

  readonly jobs: JobEndpoint;
  readonly jobReads: JobReadEndpoint;
  readonly jobPlan: JobPlanEndpoint;
  readonly jobDispatch: JobDispatchEndpoint;
  readonly nodes: NodeEndpoint;
  readonly nodeDrain: NodeDrainEndpoint;
  readonly allocs: AllocEndpoint;
  readonly evals: EvalEndpoint;
  readonly deployments: DeploymentEndpoint;

  readonly #config: ServerConfig;
  readonly #forcedGc = new Map<string, () => void>();
  #leader = false;
  #started = false;

  constructor(config: ServerConfig) {
    this.#config = config;
    this.region = config.region ?? DEFAULT_REGION;
    this.datacenter = config.datacenter ?? 'dc1';
    this.clock = config.clock;
    this.ids = config.ids;
    this.logger = config.logger ?? silentLogger;
    const rng = config.rng ?? rngFromSeed(`server-${this.region}`);
    this.state = new StateStore();
    this.fsm = new FSM(this.state);
    this.log = (config.logFactory ?? ((fsm: FSM) => new InmemLog(fsm)))(this.fsm);
    this.indexes = new IndexWaiter(this.clock, () => this.state.latestIndex());
    const base = { clock: this.clock, ids: this.ids };
    const logs = { store: this.state, log: this.log, ...base, logger: this.logger };
    this.broker = new EvalBroker({ ...base, rng });
    this.blocked = new BlockedEvals(this.broker);
    this.planQueue = new PlanQueue();
    this.planApplier = new PlanApplier({
      ...logs,
      queue: this.planQueue,
      ...(config.planPipeline === undefined ? {} : { pipeline: config.planPipeline }),
    });
    this.heartbeats = new HeartbeatTimers({
      clock: this.clock,
      rng,
      onExpire: (id) => this.#heartbeatMissed(id),
      ...(config.heartbeat ?? {}),
    });
    this.deploymentWatcher = new DeploymentWatcher(logs);
    this.drainer = new NodeDrainer(logs);
    this.periodic = new PeriodicDispatcher(logs);
    this.leaderLoops = new LeaderLoops({
      ...logs,
      broker: this.broker,
      blocked: this.blocked,
      rng,
      ...(config.gcIntervalMs === undefined ? {} : { gcIntervalMs: config.gcIntervalMs }),
    });

    const deps: EndpointDeps = { log: this.log, store: this.state, clock: this.clock, ids: this.ids };
    this.jobs = new JobEndpoint(deps);
    this.jobReads = new JobReadEndpoint(deps);
    this.jobPlan = new JobPlanEndpoint(deps, (e, s, p) => this.#runJobScheduler(e, s, p));
    this.jobDispatch = new JobDispatchEndpoint(deps, this.periodic);
    this.nodes = new NodeEndpoint(deps, this.heartbeats);
    this.nodeDrain = new NodeDrainEndpoint(deps);
    this.allocs = new AllocEndpoint(deps);
    this.evals = new EvalEndpoint(deps);
    this.deployments = new DeploymentEndpoint(deps, this.deploymentWatcher);
    this.#addFsmHooks();
  }

  isLeader(): boolean {
    return this.#leader;
  }

  /** Starts the server; with the single-voter log it leads at once. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.establishLeadership();
  }

  async shutdown(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.revokeLeadership();
    const closable = this.log as Log & { close?: () => void };
    closable.close?.();
  }

  /** Leader duties on: the machinery starts and is rebuilt from the state store. */
  async establishLeadership(): Promise<void> {
    if (this.#leader) return;
    this.#leader = true;
    this.planQueue.setEnabled(true);
    this.planApplier.start();
    this.broker.setEnabled(true);
    this.blocked.setEnabled(true);
    this.#restoreEvals();
    const snap = this.state.snapshot();
    this.heartbeats.initialize(
      snap
        .nodes()
        .filter((n) => n.Status !== 'down')
        .map((n) => n.ID),
    );
    this.deploymentWatcher.setEnabled(true);
    this.drainer.setEnabled(true);
    await this.periodic.establish();
    this.leaderLoops.start();
    const n = Math.min(Math.max(0, this.#config.numSchedulers ?? DEFAULT_NUM_SCHEDULERS), NUM_SCHEDULERS_MAX);
    for (let i = 0; i < n; i++) {
      const w = new Worker(`worker-${i}`, {
        store: this.state,
        log: this.log,
        broker: this.broker,
        blocked: this.blocked,
        planQueue: this.planQueue,
        indexes: this.indexes,
        clock: this.clock,
        runScheduler: (e, s, p) => this.#runEval(e, s, p),
        logger: this.logger,
      });
      this.workers.push(w);
      w.start();
    }
    this.logger.info('server: leadership established', { workers: n });
  }

  /** Leader duties off: everything stops; evaluations in flight are dropped (the next leader restores them). */
  async revokeLeadership(): Promise<void> {
    if (!this.#leader) return;
    this.#leader = false;
    const workers = this.workers.splice(0);
    const stopping = workers.map((w) => w.stop());
    this.periodic.revoke();
    this.drainer.setEnabled(false);
    this.deploymentWatcher.setEnabled(false);
    this.heartbeats.clearAll();
    this.broker.setEnabled(false);
    this.blocked.setEnabled(false);
    this.planQueue.setEnabled(false);
    await Promise.all(stopping);
    await this.leaderLoops.stop();
    await this.planApplier.stopped();
    for (const resolve of this.#forcedGc.values()) resolve();
    this.#forcedGc.clear();
  }

  /** System.GarbageCollect (/v1/system/gc): collects everything eligible now; resolves when done. */
  garbageCollect(): Promise<void> {
    if (!this.#leader) return Promise.resolve();
    const [ev] = this.leaderLoops.enqueueGc([CORE_JOB_FORCE_GC]);
    return new Promise((resolve) => this.#forcedGc.set(ev!.ID, resolve));
  }

  async #runEval(evaluation: Evaluation, state: SchedulerState, planner: Planner): Promise<void> {
    if (evaluation.Type !== '_core') return this.#runJobScheduler(evaluation, state, planner);
    try {
      await runCoreGc(
        {
          log: this.log,
          clock: this.clock,
          ...(this.#config.gcThresholds === undefined ? {} : { thresholds: this.#config.gcThresholds }),
        },
        this.state.snapshot(),
        evaluation,
      );
    } finally {
      this.#forcedGc.get(evaluation.ID)?.();
      this.#forcedGc.delete(evaluation.ID);
    }
  }

  #runJobScheduler(evaluation: Evaluation, state: SchedulerState, planner: Planner): Promise<void> {
    const custom = this.#config.runScheduler;
    if (custom !== undefined) return custom(evaluation, state, planner);
    if (!SCHEDULER_KINDS.includes(evaluation.Type as SchedulerKind)) {
      return Promise.reject(new NomadError('bad_request', `Unknown scheduler type "${evaluation.Type}"`));
    }
    const deps = { state, planner, ids: this.ids, nowNs: this.clock.nowMs() * 1e6, logger: this.logger };
    return newScheduler(evaluation.Type as SchedulerKind, deps).process(evaluation);
  }

  /** A node missed its heartbeat: it is marked down, which evaluates its jobs (their allocations are lost). */
  #heartbeatMissed(nodeId: string): void {
    if (!this.#leader) return;
    this.logger.warn('server: node heartbeat missed; marking it down', { node_id: nodeId });
    this.nodes.updateNodeStatus(nodeId, 'down').catch((err: unknown) => {
      this.logger.warn('server: cannot mark node down', { node_id: nodeId, error: String(err) });
    });
  }

  /** Pending evaluations go back to the broker, blocked ones to blocked evals. */
  #restoreEvals(): void {
    for (const e of this.state.snapshot().evals()) this.#evalUpserted(e);
  }

  #evalUpserted(e: Evaluation): void {
    if (e.Status === 'pending') this.broker.enqueue(e);
    else if (e.Status === 'blocked') this.blocked.block(e);
    else if (
      e.Status === 'complete' &&
      (e.FailedTGAllocs === null || Object.keys(e.FailedTGAllocs).length === 0)
    ) {
      this.blocked.untrack(e.Namespace, e.JobID);
    }
  }

  #addFsmHooks(): void {
    this.fsm.addHooks({
      applied: (index) => this.indexes.advanced(index),
      evalsUpserted: (evals) => {
        if (this.#leader) for (const e of evals) this.#evalUpserted(e);
      },
      allocsUpserted: (allocs, index) => {
        if (this.#leader) this.#allocsUpserted(allocs, index);
      },
      nodesUpserted: (nodes, index) => {
        if (this.#leader) this.#nodesUpserted(nodes, index);
      },
      nodesDeleted: (nodes) => {
        if (this.#leader) for (const n of nodes) this.heartbeats.clear(n.ID);
      },
      deploymentsUpserted: (deployments) => {
        if (this.#leader) this.deploymentWatcher.deploymentsUpserted(deployments);
      },
      jobsUpserted: (jobs) => {
        if (!this.#leader) return;
        for (const j of jobs) {
          this.periodic.add(j);
          if (j.Stop) this.blocked.untrack(j.Namespace, j.ID);
        }
      },
      jobsDeleted: (jobs) => {
        if (!this.#leader) return;
        for (const j of jobs) {
          this.periodic.remove(j.Namespace, j.ID);
          this.blocked.untrack(j.Namespace, j.ID);
        }
      },
    });
  }

  /** Capacity freed by allocations that ended on their clients: wake what was blocked on it. */
  #allocsUpserted(allocs: readonly Allocation[], index: number): void {
    const snap = this.state.snapshot();
    const seen = new Set<string>();
    for (const a of allocs) {
      if (!clientTerminal(a.ClientStatus) || seen.has(a.NodeID)) continue;
      seen.add(a.NodeID);
      const node = snap.nodeByID(a.NodeID);
      if (node !== undefined) this.blocked.unblock(node.ComputedClass, index);
      this.blocked.unblockNode(a.NodeID);
    }
    this.deploymentWatcher.allocsUpserted(allocs);
    this.drainer.allocsUpserted(allocs);
  }

  /** A node became usable: wake blocked evaluations for its class and its system evaluations. */
  #nodesUpserted(nodes: readonly Node[], index: number): void {
    for (const n of nodes) {
      if (n.Status === 'down') this.heartbeats.clear(n.ID);
      if (n.Status === 'ready' && n.SchedulingEligibility === 'eligible' && n.DrainStrategy === null) {
        this.blocked.unblock(n.ComputedClass, index);
        this.blocked.unblockNode(n.ID);
      }
    }
    this.drainer.nodesUpserted(nodes);
  }
}
