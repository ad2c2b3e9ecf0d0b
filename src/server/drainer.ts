/**
 * The node drainer (leader only). A draining node's service allocations are marked for migration
 * group by group, at most migrate.max_parallel at a time below the group's count of healthy
 * allocations, so the job keeps serving while it moves. Batch allocations may finish on their own.
 * At the drain deadline everything left is marked at once. System allocations go last, once the
 * rest is done (unless IgnoreSystemJobs). When nothing but ignored work is left, the drain
 * completes: the node's DrainStrategy is cleared, it stays ineligible, and a node event says so.
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import { errorMessage } from '../lib/errors.ts';
import type { IdSource } from '../lib/random.ts';
import { proposeOrThrow, type Log } from '../fsm/log.ts';
import type { StateSnapshot, StateStore } from '../state/index.ts';
import { clientTerminal, allocTerminal, type Allocation } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Node, NodeEvent } from '../structs/node.ts';
import { newJobEval } from './endpoint_common.ts';

export const NODE_DRAIN_COMPLETE = 'Node drain complete';
export const NODE_DRAIN_DEADLINE = 'Node drain deadline reached';
/** Allocations marked for migration per log entry. */
export const DRAIN_ALLOCS_PER_ENTRY_MAX = 4_096;

export interface DrainerLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface DrainerOptions {
  store: StateStore;
  log: Log;
  clock: Clock;
  ids: IdSource;
  logger: DrainerLogger;
}

const isSystem = (a: Allocation): boolean => a.Job?.Type === 'system' || a.Job?.Type === 'sysbatch';
const marked = (a: Allocation): boolean => a.DesiredTransition.Migrate === true;

/** Which allocations of one group may be marked now (Nomad's handleTaskGroup for service jobs). */
export function drainableInGroup(
  allocs: readonly Allocation[],
  count: number,
  maxParallel: number,
  draining: (nodeId: string) => boolean,
): Allocation[] {
  let healthy = 0;
  const drainable: Allocation[] = [];
  for (const a of allocs) {
    // One already marked is about to stop, even if the scheduler has not stopped it yet.
    if (!allocTerminal(a) && !marked(a) && a.DeploymentStatus !== null && a.DeploymentStatus.Healthy !== null)
      healthy++;
    if (!draining(a.NodeID) || clientTerminal(a.ClientStatus)) continue;
    if (!marked(a)) drainable.push(a);
  }
  const n = Math.min(drainable.length, healthy - (count - maxParallel));
  return n > 0 ? drainable.slice(0, n) : [];
}

export class NodeDrainer {
  readonly #opts: DrainerOptions;
  #enabled = false;
  #draining = new Map<string, TimerId | undefined>();
  #queued = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(opts: DrainerOptions) {
    this.#opts = opts;
  }

  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    for (const t of this.#draining.values()) if (t !== undefined) this.#opts.clock.clearTimer(t);
    this.#draining.clear();
    if (enabled) this.nodesUpserted(this.#opts.store.snapshot().nodes());
  }

  drainingCount(): number {
    return this.#draining.size;
  }

  /** FSM hook: tracks nodes that started or stopped draining. */
  nodesUpserted(nodes: readonly Node[]): void {
    if (!this.#enabled) return;
    let changed = false;
    for (const node of nodes) {
      const old = this.#draining.get(node.ID);
      if (old !== undefined) this.#opts.clock.clearTimer(old);
      if (node.DrainStrategy === null) {
        changed = this.#draining.delete(node.ID) || changed;
        continue;
      }
      this.#draining.set(node.ID, this.#deadlineTimer(node));
      changed = true;
    }
    if (changed) this.#schedule();
  }

  /** FSM hook: allocations changed; while nodes drain, another pass may mark more. */
  allocsUpserted(allocs: readonly Allocation[]): void {
    if (this.#enabled && this.#draining.size > 0 && allocs.length > 0) this.#schedule();
  }

  /** Resolves when the queued pass has run. */
  async idle(): Promise<void> {
    await this.#chain;
  }

  #deadlineTimer(node: Node): TimerId | undefined {
    const force = node.DrainStrategy?.ForceDeadline;
    if (force === null || force === undefined || force === '') return undefined;
    const ms = Date.parse(force);
    if (Number.isNaN(ms) || ms <= 0) return undefined;
    return this.#opts.clock.setTimer(Math.max(0, ms - this.#opts.clock.nowMs()), () => this.#schedule());
  }

  #schedule(): void {
    if (this.#queued) return;
    this.#queued = true;
    this.#chain = this.#chain.then(async () => {
      this.#queued = false;
      try {
        await this.#pass();
      } catch (err) {
        this.#opts.logger.warn('drainer: pass failed', { error: errorMessage(err) });
      }
    });
  }

  #deadlined(node: Node): boolean {
    const force = node.DrainStrategy?.ForceDeadline;
    if (node.DrainStrategy?.DrainSpec.Deadline === -1) return true;
    if (force === null || force === undefined || force === '') return false;
    const ms = Date.parse(force);
    return !Number.isNaN(ms) && ms > 0 && ms <= this.#opts.clock.nowMs();
  }

  async #pass(): Promise<void> {
    if (!this.#enabled || this.#draining.size === 0) return;
    const snap = this.#opts.store.snapshot();
    const nodes = [...this.#draining.keys()]
      .map((id) => snap.nodeByID(id))
      .filter((n): n is Node => n?.DrainStrategy != null);
    const draining = new Set(nodes.map((n) => n.ID));
    const toMark = new Map<string, Allocation>();
    for (const node of nodes) {
      if (!this.#deadlined(node)) continue;
      for (const a of snap.allocsByNode(node.ID)) {
        if (allocTerminal(a) || marked(a) || (isSystem(a) && node.DrainStrategy!.DrainSpec.IgnoreSystemJobs))
          continue;
        toMark.set(a.ID, a);
      }
    }
    for (const a of this.#serviceMigrations(snap, nodes, draining)) toMark.set(a.ID, a);
    const complete: Node[] = [];
    for (const node of nodes) {
      const live = snap.allocsByNode(node.ID).filter((a) => !clientTerminal(a.ClientStatus));
      if (live.some((a) => !isSystem(a))) continue;
      const system = live.filter(isSystem);
      if (system.length === 0 || node.DrainStrategy!.DrainSpec.IgnoreSystemJobs) {
        complete.push(node);
        continue;
      }
      // Everything else is gone: now the system allocations may go.
      for (const a of system) if (!marked(a) && !allocTerminal(a)) toMark.set(a.ID, a);
    }
    await this.#markForMigration([...toMark.values()]);
    if (complete.length > 0) await this.#complete(complete);
  }

  /** Service allocations on draining nodes that may move now, group by group. */
  #serviceMigrations(
    snap: StateSnapshot,
    nodes: readonly Node[],
    draining: ReadonlySet<string>,
  ): Allocation[] {
    const jobs = new Map<string, { namespace: string; id: string }>();
    for (const node of nodes) {
      for (const a of snap.allocsByNode(node.ID)) {
        if (allocTerminal(a) || a.Job === null || a.Job.Type !== 'service') continue;
        jobs.set(`${a.Namespace}\u0000${a.JobID}`, { namespace: a.Namespace, id: a.JobID });
      }
    }
    const out: Allocation[] = [];
    for (const { namespace, id } of jobs.values()) {
      const job = snap.jobByID(namespace, id);
      if (job === undefined) continue;
      const allocs = snap.allocsByJob(namespace, id, false);
      for (const tg of job.TaskGroups) {
        const groupAllocs = allocs.filter((a) => a.TaskGroup === tg.Name);
        const maxParallel = tg.Migrate?.MaxParallel ?? 1;
        out.push(...drainableInGroup(groupAllocs, tg.Count, maxParallel, (n) => draining.has(n)));
      }
    }
    return out;
  }

  async #markForMigration(allocs: readonly Allocation[]): Promise<void> {
    for (let i = 0; i < allocs.length; i += DRAIN_ALLOCS_PER_ENTRY_MAX) {
      const batch = allocs.slice(i, i + DRAIN_ALLOCS_PER_ENTRY_MAX);
      const transitions: Record<string, { Migrate: boolean }> = {};
      const jobs = new Map<string, Allocation>();
      for (const a of batch) {
        transitions[a.ID] = { Migrate: true };
        jobs.set(`${a.Namespace}\u0000${a.JobID}`, a);
      }
      const evals: Evaluation[] = [];
      for (const a of jobs.values()) {
        const job = a.Job ?? { ID: a.JobID, Namespace: a.Namespace, Priority: 50, Type: 'service' as const };
        evals.push(newJobEval(this.#opts, job, { triggeredBy: 'node-drain' }));
      }
      await proposeOrThrow(this.#opts.log, {
        type: 'AllocUpdateDesiredTransition',
        allocs: transitions,
        evals,
      });
    }
  }

  async #complete(nodes: readonly Node[]): Promise<void> {
    const nowMs = this.#opts.clock.nowMs();
    const event = (node: Node): NodeEvent => ({
      Message: NODE_DRAIN_COMPLETE,
      Subsystem: 'Drain',
      Details: this.#deadlined(node) ? { deadline_reached: 'true' } : null,
      Timestamp: new Date(nowMs).toISOString(),
      CreateIndex: 0,
    });
    await proposeOrThrow(this.#opts.log, {
      type: 'NodeBatchUpdateDrain',
      updates: nodes.map((n) => ({ nodeId: n.ID, drain: null, markEligible: false, event: event(n) })),
      updatedAt: Math.floor(nowMs / 1000),
    });
  }
}
