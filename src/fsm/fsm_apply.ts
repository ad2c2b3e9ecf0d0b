/** One case per entry type: each decodes the entry and calls the state store's operation. */
import { assertNever } from '../lib/assert.ts';
import { NomadError } from '../lib/errors.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import {
  applyDeploymentStatus,
  deleteAllocs,
  deleteDeployments,
  deleteEvals,
  deleteJob,
  deleteNodes,
  deletePeriodicLaunch,
  jobIsParameterized,
  jobIsPeriodic,
  promoteDeployment,
  setDeploymentAllocHealth,
  setSchedulerConfig,
  updateAllocsDesiredTransitions,
  updateAllocsFromClient,
  updateJobStability,
  updateNodeDrain,
  updateNodeEligibility,
  updateNodeStatus,
  upsertAllocs,
  upsertEvals,
  upsertJob,
  upsertNamespaces,
  upsertNode,
  upsertNodeEvents,
  upsertPeriodicLaunch,
  upsertPlanResults,
  type StateTxn,
} from '../state/index.ts';
import type { JobDeregisterEntry, JobRegisterEntry, LogEntry } from './log_entry.ts';

/** The suffix of a periodic job's children: "<parent>/periodic-<unix seconds>" (Nomad's format). */
export const PERIODIC_LAUNCH_SUFFIX = '/periodic-';
/** The suffix of a parameterized job's children: "<parent>/dispatch-<unix seconds>-<8 hex>". */
export const DISPATCH_LAUNCH_SUFFIX = '/dispatch-';

/** The launch time (unix ns) encoded in a periodic child's ID, or undefined. */
export function periodicLaunchTimeFromChildId(childId: string): number | undefined {
  const i = childId.lastIndexOf(PERIODIC_LAUNCH_SUFFIX);
  if (i < 0) return undefined;
  const seconds = Number(childId.slice(i + PERIODIC_LAUNCH_SUFFIX.length));
  return Number.isInteger(seconds) ? seconds * 1e9 : undefined;
}

function withJobModifyIndex(e: Evaluation | null, index: number): Evaluation[] {
  return e === null ? [] : [{ ...e, JobModifyIndex: index }];
}

/** The prefix of the refusal when a check-and-set register finds another JobModifyIndex. */
export const JOB_MODIFY_INDEX_CONFLICT = 'Enforcing job modify index';

function applyJobRegister(txn: StateTxn, e: JobRegisterEntry): Job {
  if (e.expectedJobModifyIndex !== undefined) {
    const have = txn.jobByID(e.job.Namespace, e.job.ID)?.JobModifyIndex ?? 0;
    if (have !== e.expectedJobModifyIndex) {
      throw new NomadError(
        'conflict',
        `${JOB_MODIFY_INDEX_CONFLICT} ${e.expectedJobModifyIndex}: job "${e.job.ID}" has job modify index ${have}`,
      );
    }
  }
  const job = upsertJob(txn, e.job);
  upsertEvals(txn, withJobModifyIndex(e.eval, txn.index));
  // The first launch record of a periodic job is its registration time, so that a leader taking
  // over later can tell whether a launch was missed.
  if (jobIsPeriodic(job) && !job.Stop && txn.periodicLaunchByID(job.Namespace, job.ID) === undefined) {
    upsertPeriodicLaunch(txn, {
      ID: job.ID,
      Namespace: job.Namespace,
      Launch: job.SubmitTime,
      CreateIndex: 0,
      ModifyIndex: 0,
    });
  }
  if (job.ParentID !== '') {
    const parent = txn.jobByID(job.Namespace, job.ParentID);
    const launch = periodicLaunchTimeFromChildId(job.ID);
    if (
      parent !== undefined &&
      jobIsPeriodic(parent) &&
      !jobIsParameterized(parent) &&
      launch !== undefined
    ) {
      upsertPeriodicLaunch(txn, {
        ID: parent.ID,
        Namespace: job.Namespace,
        Launch: launch,
        CreateIndex: 0,
        ModifyIndex: 0,
      });
    }
  }
  return job;
}

function deregisterOne(
  txn: StateTxn,
  namespace: string,
  jobId: string,
  purge: boolean,
  submitTime: number,
): void {
  if (purge) {
    if (deleteJob(txn, namespace, jobId) === undefined) {
      throw new NomadError('not_found', `job "${jobId}" in namespace "${namespace}" not found`);
    }
    deletePeriodicLaunch(txn, namespace, jobId);
    return;
  }
  const current = txn.jobByID(namespace, jobId);
  if (current === undefined) {
    throw new NomadError(
      'not_found',
      `job "${jobId}" in namespace "${namespace}" doesn't exist to be deregistered`,
    );
  }
  upsertJob(txn, { ...current, Stop: true, SubmitTime: submitTime });
}

function applyJobDeregister(txn: StateTxn, e: JobDeregisterEntry): void {
  deregisterOne(txn, e.namespace, e.jobId, e.purge, e.submitTime);
  upsertEvals(txn, withJobModifyIndex(e.eval, txn.index));
}

/** Applies an entry inside the store's write transaction; throws NomadError to refuse it. */
export function applyEntry(txn: StateTxn, entry: LogEntry): unknown {
  switch (entry.type) {
    case 'JobRegister':
      return applyJobRegister(txn, entry);
    case 'JobDeregister':
      return applyJobDeregister(txn, entry);
    case 'JobBatchDeregister':
      for (const j of entry.jobs) deregisterOne(txn, j.namespace, j.jobId, j.purge, entry.submitTime);
      return upsertEvals(txn, entry.evals);
    case 'JobStability':
      return updateJobStability(txn, entry.namespace, entry.jobId, entry.version, entry.stable);
    case 'EvalUpdate':
      return upsertEvals(txn, entry.evals);
    case 'EvalDelete':
      deleteEvals(txn, entry.evalIds);
      return deleteAllocs(txn, entry.allocIds);
    case 'ApplyPlanResults':
      return upsertPlanResults(txn, entry);
    case 'AllocUpdate':
      upsertAllocs(
        txn,
        entry.allocs.map((a) => (a.Job === null && entry.job !== null ? { ...a, Job: entry.job } : a)),
      );
      return upsertEvals(txn, entry.evals);
    case 'AllocClientUpdate':
      updateAllocsFromClient(txn, entry.allocs);
      return upsertEvals(txn, entry.evals);
    case 'AllocUpdateDesiredTransition':
      updateAllocsDesiredTransitions(txn, entry.allocs);
      return upsertEvals(txn, entry.evals);
    default:
      return applyNodeOrDeploymentEntry(txn, entry);
  }
}

type OtherEntry = Exclude<
  LogEntry,
  {
    type:
      | 'JobRegister'
      | 'JobDeregister'
      | 'JobBatchDeregister'
      | 'JobStability'
      | 'EvalUpdate'
      | 'EvalDelete'
      | 'ApplyPlanResults'
      | 'AllocUpdate'
      | 'AllocClientUpdate'
      | 'AllocUpdateDesiredTransition';
  }
>;

function applyNodeOrDeploymentEntry(txn: StateTxn, entry: OtherEntry): unknown {
  switch (entry.type) {
    case 'NodeRegister':
      return upsertNode(txn, entry.node);
    case 'NodeDeregister':
      return deleteNodes(txn, entry.nodeIds);
    case 'NodeUpdateStatus':
      updateNodeStatus(txn, entry.nodeId, {
        status: entry.status,
        updatedAt: entry.updatedAt,
        event: entry.event,
      });
      return upsertEvals(txn, entry.evals);
    case 'NodeUpdateDrain':
      return updateNodeDrain(txn, entry.nodeId, entry);
    case 'NodeBatchUpdateDrain':
      for (const u of entry.updates) updateNodeDrain(txn, u.nodeId, { ...u, updatedAt: entry.updatedAt });
      return undefined;
    case 'NodeUpdateEligibility':
      return updateNodeEligibility(txn, entry.nodeId, entry);
    case 'NodeEvents':
      return upsertNodeEvents(txn, entry.events);
    case 'DeploymentStatusUpdate':
      return applyDeploymentStatus(txn, entry);
    case 'DeploymentPromotion':
      return promoteDeployment(txn, entry);
    case 'DeploymentAllocHealth':
      return setDeploymentAllocHealth(txn, entry);
    case 'DeploymentDelete':
      return deleteDeployments(txn, entry.deploymentIds);
    case 'PeriodicLaunch':
      return upsertPeriodicLaunch(txn, entry.launch);
    case 'SchedulerConfig':
      return setSchedulerConfig(txn, entry.config, entry.casIndex ?? undefined);
    case 'NamespaceUpsert':
      return upsertNamespaces(txn, entry.namespaces);
    default:
      return assertNever(entry, 'log entry');
  }
}
