/**
 * What a scheduler reads and how it writes: the contract between src/scheduler and the server.
 * The state store's snapshot implements SchedulerState structurally; the server's worker implements
 * Planner. A scheduler never mutates what it reads: it builds new objects for the plan.
 */
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { Plan, PlanResult } from '../structs/plan.ts';

/** An immutable view of the cluster at one index. */
export interface SchedulerState {
  /** The index this view was taken at. */
  latestIndex(): number;
  jobByID(namespace: string, id: string): Job | undefined;
  /** Every node, in a stable order (by ID). */
  nodes(): Iterable<Node>;
  nodeByID(id: string): Node | undefined;
  allocByID(id: string): Allocation | undefined;
  /** Allocations of a job: all of them when `all`, else only those of the job's current incarnation (CreateIndex). */
  allocsByJob(namespace: string, jobId: string, all: boolean): Allocation[];
  allocsByNode(nodeId: string): readonly Allocation[];
  evalByID(id: string): Evaluation | undefined;
  deploymentByID(id: string): Deployment | undefined;
  latestDeploymentByJobID(namespace: string, jobId: string): Deployment | undefined;
  schedulerConfig(): SchedulerConfiguration;
}

/** How a scheduler submits its work. Implemented by the server's worker (and by test harnesses). */
export interface Planner {
  /**
   * Submits a plan to the plan applier. The result says what was committed; when it carries a
   * RefreshIndex, the returned state is newer and the scheduler must recompute against it.
   */
  submitPlan(plan: Plan): Promise<{ result: PlanResult; newState: SchedulerState | undefined }>;
  /** Records the evaluation's new status (complete, failed, blocked ...). */
  updateEval(evaluation: Evaluation): Promise<void>;
  /** Creates a follow-up evaluation (delayed reschedule, rolling update, failed follow-up). */
  createEval(evaluation: Evaluation): Promise<void>;
  /** Re-blocks a blocked evaluation that still cannot place everything. */
  reblockEval(evaluation: Evaluation): Promise<void>;
}
