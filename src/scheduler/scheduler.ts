/**
 * The scheduler's public face: one scheduler per job type behind one interface, and the dry run the
 * server's Job.Plan uses (the same computation, with a planner that records the plan and commits
 * all of it, against a view of the state where the job is the candidate version).
 */
import type { AllocMetric } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { Plan, PlanAnnotations, PlanResult } from '../structs/plan.ts';
import type { IdSource } from '../lib/random.ts';
import { assertNever } from '../lib/assert.ts';
import { GenericScheduler } from './generic_scheduler.ts';
import type { SchedulerDeps, SchedulerKind, SchedulerLogger } from './scheduler_util.ts';
import type { Planner, SchedulerState } from './state.ts';
import { SystemScheduler } from './system_scheduler.ts';

export type { SchedulerDeps, SchedulerKind, SchedulerLogger } from './scheduler_util.ts';
export { MAX_PLAN_ATTEMPTS, MAX_BATCH_PLAN_ATTEMPTS } from './scheduler_util.ts';
export { computeNodeClass } from './node_class.ts';
export { reconcile } from './reconcile.ts';
export { tasksUpdated } from './tasks_updated.ts';

export interface Scheduler {
  /** Schedules one evaluation: submits its plan(s) and records its outcome through the planner. */
  process(evaluation: Evaluation): Promise<void>;
}

export function newScheduler(kind: SchedulerKind, deps: SchedulerDeps): Scheduler {
  switch (kind) {
    case 'service':
      return new GenericScheduler(false, deps);
    case 'batch':
      return new GenericScheduler(true, deps);
    case 'system':
      return new SystemScheduler(false, deps);
    case 'sysbatch':
      return new SystemScheduler(true, deps);
    default:
      return assertNever(kind, 'scheduler kind');
  }
}

/** A planner that commits every plan in full without applying it, and remembers what it saw. */
export class RecordingPlanner implements Planner {
  readonly plans: Plan[] = [];
  readonly evalUpdates: Evaluation[] = [];
  readonly createdEvals: Evaluation[] = [];
  readonly reblockedEvals: Evaluation[] = [];
  private readonly index: number;

  constructor(opts: { index: number }) {
    this.index = opts.index;
  }

  submitPlan(plan: Plan): Promise<{ result: PlanResult; newState: SchedulerState | undefined }> {
    this.plans.push(plan);
    const result: PlanResult = {
      NodeUpdate: plan.NodeUpdate,
      NodeAllocation: plan.NodeAllocation,
      NodePreemptions: plan.NodePreemptions,
      Deployment: plan.Deployment,
      DeploymentUpdates: plan.DeploymentUpdates,
      AllocIndex: this.index + 1,
      RefreshIndex: 0,
    };
    return Promise.resolve({ result, newState: undefined });
  }

  updateEval(evaluation: Evaluation): Promise<void> {
    this.evalUpdates.push(evaluation);
    return Promise.resolve();
  }

  createEval(evaluation: Evaluation): Promise<void> {
    this.createdEvals.push(evaluation);
    return Promise.resolve();
  }

  reblockEval(evaluation: Evaluation): Promise<void> {
    this.reblockedEvals.push(evaluation);
    return Promise.resolve();
  }
}

export interface DryRunResult {
  /** The plan the scheduler would submit (null when it had nothing to do). */
  plan: Plan | null;
  /** Per group counts (Place, Stop, InPlaceUpdate, DestructiveUpdate, Ignore, Canary, Migrate ...). */
  annotations: PlanAnnotations | null;
  failedTGAllocs: Record<string, AllocMetric> | null;
  /** Evaluations the run would create (blocked, delayed reschedules). */
  createdEvals: Evaluation[];
  /** The evaluation as the run would leave it. */
  evaluation: Evaluation | null;
}

/**
 * Runs an evaluation without submitting anything: Job.Plan's dry run. The evaluation should have
 * AnnotatePlan set; `state` should show the candidate job (see stateWithJob).
 */
export async function dryRun(
  kind: SchedulerKind,
  deps: { state: SchedulerState; ids: IdSource; nowNs: number; logger?: SchedulerLogger },
  evaluation: Evaluation,
): Promise<DryRunResult> {
  const planner = new RecordingPlanner({ index: deps.state.latestIndex() });
  await newScheduler(kind, { ...deps, planner }).process(evaluation);
  const plan = planner.plans.at(-1) ?? null;
  const last = planner.evalUpdates.at(-1) ?? planner.reblockedEvals.at(-1) ?? null;
  return {
    plan,
    annotations: plan?.Annotations ?? null,
    failedTGAllocs: last?.FailedTGAllocs ?? null,
    createdEvals: planner.createdEvals,
    evaluation: last,
  };
}

/** A view of the state in which `job` is the registered version of its job (for dry runs). */
export function stateWithJob(state: SchedulerState, job: Job): SchedulerState {
  return {
    latestIndex: () => state.latestIndex(),
    jobByID: (ns, id) => (ns === job.Namespace && id === job.ID ? job : state.jobByID(ns, id)),
    nodes: () => state.nodes(),
    nodeByID: (id) => state.nodeByID(id),
    allocByID: (id) => state.allocByID(id),
    allocsByJob: (ns, id, all) => state.allocsByJob(ns, id, all),
    allocsByNode: (id) => state.allocsByNode(id),
    evalByID: (id) => state.evalByID(id),
    deploymentByID: (id) => state.deploymentByID(id),
    latestDeploymentByJobID: (ns, id) => state.latestDeploymentByJobID(ns, id),
    schedulerConfig: () => state.schedulerConfig(),
  };
}
