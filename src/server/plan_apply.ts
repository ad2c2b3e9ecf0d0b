/**
 * The plan applier (leader only): takes plans from the plan queue one at a time, verifies each
 * against the newest state (plan_evaluate.ts), and commits what still fits as one ApplyPlanResults
 * log entry. Pipelined as Nomad does: while plan N's entry is being committed, plan N+1 is verified
 * against the state with N's results laid over it, then waits for N's commit before its own entry
 * is proposed. A plan that was partly refused gets a RefreshIndex at or after its own commit, so
 * the worker's refreshed snapshot contains everything that caused the refusal.
 */
import type { Clock } from '../lib/clock.ts';
import type { IdSource } from '../lib/random.ts';
import { msToNs } from '../lib/clock.ts';
import type { ApplyPlanResultsEntry } from '../fsm/log_entry.ts';
import type { Log } from '../fsm/log.ts';
import type { AllocPreemptDiff, AllocStopDiff, StateStore } from '../state/index.ts';
import type { AllocatedResources, Allocation } from '../structs/allocation.ts';
import type { Plan, PlanResult } from '../structs/plan.ts';
import { newJobEval } from './endpoint_common.ts';
import { evaluatePlan, OverlayView, overlayOf, planResultIsNoOp, type PlanOverlay } from './plan_evaluate.ts';
import type { PendingPlan, PlanQueue } from './plan_queue.ts';

export interface PlanApplierOptions {
  store: StateStore;
  log: Log;
  queue: PlanQueue;
  clock: Clock;
  ids: IdSource;
  /** Verify the next plan while the previous one commits (default true). */
  pipeline?: boolean;
}

export interface PlanApplierStats {
  plansApplied: number;
  plansPartial: number;
  nodesRefused: number;
}

interface InFlight {
  overlay: PlanOverlay;
  /** Settles (never rejects) once the entry is committed or refused. */
  settled: Promise<void>;
}

export class PlanApplier {
  readonly #opts: PlanApplierOptions;
  #running: Promise<void> | undefined;
  #inflight: InFlight | undefined;
  readonly #stats: PlanApplierStats = { plansApplied: 0, plansPartial: 0, nodesRefused: 0 };
  readonly #interner = new ResourcesInterner();

  constructor(opts: PlanApplierOptions) {
    this.#opts = opts;
  }

  /** Starts the loop; it ends when the plan queue is disabled. */
  start(): void {
    if (this.#running !== undefined) return;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when the loop has ended (after the queue was disabled) and the last commit settled. */
  async stopped(): Promise<void> {
    await this.#running;
  }

  stats(): PlanApplierStats {
    return { ...this.#stats };
  }

  async #loop(): Promise<void> {
    const { queue } = this.#opts;
    for (;;) {
      const pending = await queue.dequeue();
      if (pending === null) break;
      try {
        await this.#applyOne(pending);
      } catch (err) {
        pending.fail(err);
      }
    }
    await this.#inflight?.settled;
  }

  async #applyOne(pending: PendingPlan): Promise<void> {
    const { store, log } = this.#opts;
    const plan = pending.plan;
    const inflight = this.#opts.pipeline === false ? undefined : this.#inflight;
    if (this.#opts.pipeline === false) await this.#inflight?.settled;
    const snap = store.snapshot();
    const view = inflight === undefined ? snap : new OverlayView(snap, [inflight.overlay]);
    const { result, refused } = evaluatePlan(view, plan);
    this.#stats.nodesRefused += refused.size;
    if (refused.size > 0) this.#stats.plansPartial++;
    if (planResultIsNoOp(result)) {
      if (refused.size > 0) {
        await inflight?.settled;
        result.RefreshIndex = Math.max(store.latestIndex(), plan.SnapshotIndex);
      }
      pending.respond(result);
      return;
    }
    // Pipeline depth one: the previous entry must be committed before this one is proposed.
    await this.#inflight?.settled;
    const entry = this.#entryFor(plan, result);
    const committed = log.propose(entry).then((r) => {
      if (r.result instanceof Error) throw r.result;
      return r.index;
    });
    const tracked: InFlight = {
      overlay: overlayOf(result),
      settled: committed.then(
        () => undefined,
        () => undefined,
      ),
    };
    this.#inflight = tracked;
    void committed.then(
      (index) => {
        if (this.#inflight === tracked) this.#inflight = undefined;
        this.#stats.plansApplied++;
        result.AllocIndex = index;
        if (refused.size > 0) result.RefreshIndex = Math.max(index, store.latestIndex());
        pending.respond(result);
      },
      (err: unknown) => {
        if (this.#inflight === tracked) this.#inflight = undefined;
        pending.fail(err);
      },
    );
  }

  #entryFor(plan: Plan, result: PlanResult): ApplyPlanResultsEntry {
    const nowNs = msToNs(this.#opts.clock.nowMs());
    const allocsUpdated: Allocation[] = [];
    for (const allocs of Object.values(result.NodeAllocation)) {
      for (const a of allocs) {
        // The job travels once, in the entry; the FSM attaches it to every allocation without one.
        allocsUpdated.push({
          ...a,
          Job: a.Job === plan.Job ? null : a.Job,
          AllocatedResources: this.#interner.intern(a.AllocatedResources),
          CreateTime: a.CreateTime === 0 ? nowNs : a.CreateTime,
          ModifyTime: nowNs,
        });
      }
    }
    const allocsStopped: AllocStopDiff[] = [];
    for (const allocs of Object.values(result.NodeUpdate)) {
      for (const a of allocs) {
        allocsStopped.push({
          ID: a.ID,
          DesiredDescription: a.DesiredDescription,
          // The scheduler decides lost/unknown; otherwise the client's own status stands.
          ClientStatus: a.ClientStatus === 'lost' || a.ClientStatus === 'unknown' ? a.ClientStatus : '',
          FollowupEvalID: a.FollowupEvalID,
          ModifyTime: nowNs,
        });
      }
    }
    const allocsPreempted: AllocPreemptDiff[] = [];
    const preemptedJobs = new Map<string, Allocation>();
    for (const allocs of Object.values(result.NodePreemptions)) {
      for (const a of allocs) {
        allocsPreempted.push({ ID: a.ID, PreemptedByAllocation: a.PreemptedByAllocation, ModifyTime: nowNs });
        preemptedJobs.set(`${a.Namespace}\u0000${a.JobID}`, a);
      }
    }
    return {
      type: 'ApplyPlanResults',
      job: plan.Job,
      evalId: plan.EvalID,
      allocsUpdated,
      allocsStopped,
      allocsPreempted,
      deployment: result.Deployment,
      deploymentUpdates: result.DeploymentUpdates ?? [],
      // The jobs whose allocations were preempted must place them elsewhere.
      preemptionEvals: [...preemptedJobs.values()].map((a) =>
        newJobEval(
          this.#opts,
          a.Job ?? { ID: a.JobID, Namespace: a.Namespace, Priority: 50, Type: 'service' },
          {
            triggeredBy: 'preemption',
          },
        ),
      ),
    };
  }
}

/** Distinct resource shapes remembered for sharing; beyond this the table starts over. */
export const INTERNED_RESOURCES_MAX = 4_096;

/**
 * Allocations of one group usually claim identical resources. Stored rows are immutable, so equal
 * AllocatedResources can be one shared object: a few hundred bytes less per allocation in memory.
 */
export class ResourcesInterner {
  #table = new Map<string, AllocatedResources>();
  /** The last object looked up and its answer: a plan's placements often share one object already. */
  #lastIn: AllocatedResources | null = null;
  #lastOut: AllocatedResources | null = null;

  intern(r: AllocatedResources | null): AllocatedResources | null {
    if (r === null) return null;
    if (r === this.#lastIn) return this.#lastOut;
    const out = this.#lookup(r);
    this.#lastIn = r;
    this.#lastOut = out;
    return out;
  }

  #lookup(r: AllocatedResources): AllocatedResources {
    const key = JSON.stringify(r);
    const known = this.#table.get(key);
    if (known !== undefined) return known;
    if (this.#table.size >= INTERNED_RESOURCES_MAX) this.#table.clear();
    this.#table.set(key, r);
    return r;
  }
}
