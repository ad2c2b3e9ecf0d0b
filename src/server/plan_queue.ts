/**
 * The plan queue (leader only): workers submit plans; the plan applier takes them one at a time,
 * highest priority first, then in arrival order. Each submitter waits on a promise for its result.
 */
import { NomadError } from '../lib/errors.ts';
import type { Plan, PlanResult } from '../structs/plan.ts';
import { Heap } from './heap.ts';

/** More plans than this waiting means the applier has fallen far behind: refuse new ones. */
export const PLAN_QUEUE_DEPTH_MAX = 10_000;

export interface PendingPlan {
  plan: Plan;
  seq: number;
  respond(result: PlanResult): void;
  fail(err: unknown): void;
}

const byPriorityThenArrival = (a: PendingPlan, b: PendingPlan): boolean =>
  a.plan.Priority !== b.plan.Priority ? a.plan.Priority > b.plan.Priority : a.seq < b.seq;

export class PlanQueue {
  #enabled = false;
  #seq = 0;
  #heap = new Heap<PendingPlan>(byPriorityThenArrival);
  #waiter: ((p: PendingPlan | null) => void) | undefined;

  enabled(): boolean {
    return this.#enabled;
  }

  /** Leadership lost: every waiting plan fails with 'unavailable', and so does the applier's wait. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    if (enabled) return;
    for (const p of this.#heap.clear()) p.fail(new NomadError('unavailable', 'plan queue is disabled'));
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.(null);
  }

  /** Submits a plan; resolves with what the applier committed of it. */
  enqueue(plan: Plan): Promise<PlanResult> {
    if (!this.#enabled) return Promise.reject(new NomadError('unavailable', 'plan queue is disabled'));
    if (this.#heap.size >= PLAN_QUEUE_DEPTH_MAX) {
      return Promise.reject(
        new NomadError('unavailable', `Plan queue is full: ${PLAN_QUEUE_DEPTH_MAX} plans are waiting`),
      );
    }
    return new Promise((resolve, reject) => {
      const pending: PendingPlan = { plan, seq: this.#seq++, respond: resolve, fail: reject };
      const w = this.#waiter;
      if (w !== undefined) {
        this.#waiter = undefined;
        w(pending);
      } else {
        this.#heap.push(pending);
      }
    });
  }

  /** The next plan; null when the queue is disabled (or gets disabled while waiting). One caller at a time. */
  dequeue(): Promise<PendingPlan | null> {
    if (!this.#enabled) return Promise.resolve(null);
    const next = this.#heap.pop();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Takes a waiting plan without blocking, if there is one. */
  tryDequeue(): PendingPlan | undefined {
    return this.#enabled ? this.#heap.pop() : undefined;
  }

  depth(): number {
    return this.#heap.size;
  }
}
