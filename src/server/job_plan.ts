/**
 * Job.Plan: a dry run. The scheduler runs against a private copy of the current state with the new
 * job (and an evaluation asking for annotations) written into it, through a planner that captures
 * the plan instead of submitting it. Nothing reaches the log.
 */
import { NomadError } from '../lib/errors.ts';
import { StateStore, upsertEvals, upsertJob, jobIsPeriodic } from '../state/index.ts';
import type { SchedulerState, Planner } from '../scheduler/state.ts';
import type { AllocMetric } from '../structs/allocation.ts';
import { parseCron } from '../structs/cron.ts';
import { annotateJobDiff, diffJobs, type JobDiff } from '../structs/diff.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { Plan, PlanAnnotations, PlanResult } from '../structs/plan.ts';
import type { JobInput } from '../structs/canonicalize.ts';
import { nextCronTime } from '../structs/cron_next.ts';
import { newJobEval, type EndpointDeps } from './endpoint_common.ts';
import { admitJob, jobSpecChanged } from './job_endpoint.ts';

/** Runs the scheduler for the evaluation's type (src/scheduler), submitting through the planner. */
export type SchedulerRunner = (
  evaluation: Evaluation,
  state: SchedulerState,
  planner: Planner,
) => Promise<void>;

export interface JobPlanRequest {
  job: JobInput;
  /** Include the annotated diff against the registered job. */
  diff?: boolean;
}

export interface JobPlanResponse {
  Annotations: PlanAnnotations | null;
  FailedTGAllocs: Record<string, AllocMetric> | null;
  JobModifyIndex: number;
  CreatedEvals: Evaluation[] | null;
  Diff: JobDiff | null;
  /** RFC 3339; null when the job is not periodic. */
  NextPeriodicLaunch: string | null;
  Warnings: string;
  Index: number;
}

/** A planner that commits nothing: it records what the scheduler would have done. */
export class CapturingPlanner implements Planner {
  readonly plans: Plan[] = [];
  readonly evalUpdates: Evaluation[] = [];
  readonly createdEvals: Evaluation[] = [];
  readonly reblocked: Evaluation[] = [];

  submitPlan(plan: Plan): Promise<{ result: PlanResult; newState: SchedulerState | undefined }> {
    this.plans.push(plan);
    const result: PlanResult = {
      NodeUpdate: plan.NodeUpdate,
      NodeAllocation: plan.NodeAllocation,
      NodePreemptions: plan.NodePreemptions,
      Deployment: plan.Deployment,
      DeploymentUpdates: plan.DeploymentUpdates,
      AllocIndex: plan.SnapshotIndex,
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
    this.reblocked.push(evaluation);
    return Promise.resolve();
  }
}

/** The next launch after nowMs, as RFC 3339, or null. */
export function nextPeriodicLaunch(job: Job, nowMs: number): string | null {
  if (!jobIsPeriodic(job) || job.Periodic === null) return null;
  const specs =
    job.Periodic.Specs !== null && job.Periodic.Specs.length > 0 ? job.Periodic.Specs : [job.Periodic.Spec];
  let best: number | undefined;
  for (const spec of specs) {
    const next = nextCronTime(
      parseCron(spec),
      nowMs,
      job.Periodic.TimeZone === '' ? 'UTC' : job.Periodic.TimeZone,
    );
    if (next !== undefined && (best === undefined || next < best)) best = next;
  }
  return best === undefined ? null : new Date(best).toISOString();
}

export class JobPlanEndpoint {
  private readonly deps: EndpointDeps;
  private readonly runScheduler: SchedulerRunner;

  constructor(deps: EndpointDeps, runScheduler: SchedulerRunner) {
    this.deps = deps;
    this.runScheduler = runScheduler;
  }

  async plan(req: JobPlanRequest): Promise<JobPlanResponse> {
    const job = admitJob(req.job);
    const snap = this.deps.store.snapshot();
    const old = snap.jobByID(job.Namespace, job.ID);
    // A private store over the same tables: writes to it are invisible to everyone else.
    const scratch = new StateStore(snap.tables());
    const index = snap.latestIndex() + 1;
    const changed = old === undefined || jobSpecChanged(old, job);
    const ev: Evaluation = {
      ...newJobEval(this.deps, job, {
        triggeredBy: 'job-register',
        jobModifyIndex: changed ? index : old.JobModifyIndex,
      }),
      AnnotatePlan: true,
    };
    scratch.write(index, (txn) => {
      if (changed) upsertJob(txn, { ...job, SubmitTime: ev.CreateTime });
      upsertEvals(txn, [ev]);
    });
    const planner = new CapturingPlanner();
    await this.runScheduler(ev, scratch.snapshot(), planner);
    if (planner.plans.length > 1) {
      throw new NomadError(
        'internal',
        `scheduler resulted in an unexpected number of plans: ${planner.plans.length}`,
      );
    }
    const annotations = planner.plans[0]?.Annotations ?? null;
    const updated = planner.evalUpdates.at(-1);
    let diff: JobDiff | null = null;
    if (req.diff === true)
      diff = annotateJobDiff(diffJobs(old ?? null, job, { contextual: true }), annotations);
    return {
      Annotations: annotations,
      FailedTGAllocs: updated?.FailedTGAllocs ?? null,
      JobModifyIndex: old?.JobModifyIndex ?? 0,
      CreatedEvals: planner.createdEvals.length > 0 ? planner.createdEvals : null,
      Diff: diff,
      NextPeriodicLaunch: nextPeriodicLaunch(job, this.deps.clock.nowMs()),
      Warnings: '',
      Index: old?.JobModifyIndex ?? 0,
    };
  }
}
