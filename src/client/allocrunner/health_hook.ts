/**
 * Deployment health: an allocation in a deployment is healthy once every task has been running
 * for min_healthy_time without a restart, before healthy_deadline; unhealthy when a task fails or
 * the deadline passes first. ("checks" without service checks is judged the same way: there are
 * no checks to wait for.) Judged once; the result goes to the server in DeploymentStatus.
 *
 * An allocation outside any deployment (placed after its job's deployment ended, or to replace a
 * stopped one) is judged too, by the group's migrate block, as Nomad's health hook does: the node
 * drainer counts only healthy allocations, so without a verdict a drain would wait for its deadline.
 * Batch allocations are never judged.
 */
import type { Allocation, TaskState } from '../../structs/allocation.ts';
import { DEFAULT_MIGRATE_STRATEGY } from '../../structs/canonicalize.ts';
import type { Job, TaskGroup } from '../../structs/job.ts';
import type { Clock, TimerId } from '../../lib/clock.ts';

/** How an allocation is judged: from its deployment's update block, or its group's migrate block. */
interface HealthParams {
  MinHealthyTime: number;
  HealthyDeadline: number;
}

/** The health rules for an allocation, or null when it is not judged (batch, or manual health). */
export function healthParams(alloc: Allocation, job: Job, group: TaskGroup): HealthParams | null {
  if (job.Type === 'batch') return null;
  if (alloc.DeploymentID === '') return group.Migrate ?? DEFAULT_MIGRATE_STRATEGY;
  const u = group.Update ?? job.Update;
  return u !== null && u.HealthCheck !== 'manual' ? u : null;
}

export class HealthHook {
  readonly #clock: Clock;
  readonly #update: HealthParams | null;
  readonly #onResult: (healthy: boolean) => void;
  readonly #ephemeral: Set<string>;
  #minTimer: TimerId | undefined;
  #deadlineTimer: TimerId | undefined;
  #restarts = -1;
  #decided = false;

  constructor(o: {
    alloc: Allocation;
    job: Job;
    group: TaskGroup;
    clock: Clock;
    onResult: (healthy: boolean) => void;
  }) {
    this.#clock = o.clock;
    this.#onResult = o.onResult;
    this.#update = healthParams(o.alloc, o.job, o.group);
    // Prestart tasks that run to completion and poststop tasks are not expected to be running.
    this.#ephemeral = new Set(
      o.group.Tasks.filter(
        (t) => (t.Lifecycle?.Hook === 'prestart' && !t.Lifecycle.Sidecar) || t.Lifecycle?.Hook === 'poststop',
      ).map((t) => t.Name),
    );
  }

  get active(): boolean {
    return this.#update !== null && !this.#decided;
  }

  start(): void {
    if (!this.active) return;
    this.#deadlineTimer = this.#clock.setTimer(this.#update!.HealthyDeadline / 1e6, () =>
      this.#decide(false),
    );
  }

  onTaskStates(states: Readonly<Record<string, TaskState>>): void {
    if (!this.active) return;
    const relevant = Object.entries(states).filter(([name]) => !this.#ephemeral.has(name));
    if (Object.values(states).some((s) => s.Failed)) return this.#decide(false);
    const restarts = relevant.reduce((n, [, s]) => n + s.Restarts, 0);
    const allRunning = relevant.length > 0 && relevant.every(([, s]) => s.State === 'running');
    if (!allRunning || restarts !== this.#restarts) this.#clearMin();
    this.#restarts = restarts;
    if (allRunning && this.#minTimer === undefined) {
      this.#minTimer = this.#clock.setTimer(this.#update!.MinHealthyTime / 1e6, () => this.#decide(true));
    }
  }

  #clearMin(): void {
    if (this.#minTimer !== undefined) this.#clock.clearTimer(this.#minTimer);
    this.#minTimer = undefined;
  }

  #decide(healthy: boolean): void {
    if (this.#decided) return;
    this.#decided = true;
    this.stop();
    this.#onResult(healthy);
  }

  stop(): void {
    this.#clearMin();
    if (this.#deadlineTimer !== undefined) this.#clock.clearTimer(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
  }
}
