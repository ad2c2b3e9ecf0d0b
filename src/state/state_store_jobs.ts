/**
 * Job writes: versions (the last JOB_TRACKED_VERSIONS, keeping the newest stable one), summaries,
 * the job status derived from allocations and evaluations, and the children counts of periodic
 * and parameterized parents. Follows Nomad's state store (upsertJobImpl, setJobStatus).
 */
import { allocTerminal } from '../structs/allocation.ts';
import { evalTerminal } from '../structs/evaluation.ts';
import type { Job, JobStatus } from '../structs/job.ts';
import { emptyTaskGroupSummary, type JobChildrenSummary, type JobSummary } from '../structs/job_summary.ts';
import type { StateTxn } from './state_txn.ts';
import { JOB_TRACKED_VERSIONS } from './tables.ts';

export function jobIsPeriodic(job: Pick<Job, 'Periodic'>): boolean {
  return job.Periodic !== null && job.Periodic.Enabled;
}

export function jobIsParameterized(job: Pick<Job, 'ParameterizedJob' | 'Dispatched'>): boolean {
  return job.ParameterizedJob !== null && !job.Dispatched;
}

/**
 * Inserts or replaces a job. A new version (Version + 1, JobModifyIndex = index) unless keepVersion,
 * which is for changes to internal fields (Stable, Status) that are not a new specification.
 */
export function upsertJob(txn: StateTxn, job: Job, opts: { keepVersion?: boolean } = {}): Job {
  const existing = txn.jobByID(job.Namespace, job.ID);
  let next: Job;
  if (existing !== undefined) {
    const keep = opts.keepVersion === true;
    next = {
      ...job,
      CreateIndex: existing.CreateIndex,
      ModifyIndex: txn.index,
      JobModifyIndex: keep ? job.JobModifyIndex : txn.index,
      Version: keep || job.Version > existing.Version ? job.Version : existing.Version + 1,
    };
  } else {
    next = { ...job, CreateIndex: txn.index, ModifyIndex: txn.index, JobModifyIndex: txn.index };
  }
  next.Status = computeJobStatus(txn, next, false);
  txn.putJob(next);
  updateSummaryWithJob(txn, next);
  upsertJobVersion(txn, next);
  if (next.ParentID !== '') updateParentChildren(txn, next, existing?.Status, next.Status);
  return next;
}

function upsertJobVersion(txn: StateTxn, job: Job): void {
  const all = txn.jobVersionsByID(job.Namespace, job.ID).filter((j) => j.Version !== job.Version);
  all.push(job);
  all.sort((a, b) => b.Version - a.Version);
  if (all.length > JOB_TRACKED_VERSIONS) {
    // Keep the newest stable version even when it is the oldest: revert needs it.
    const stableIdx = all.findIndex((j) => j.Stable);
    if (stableIdx === JOB_TRACKED_VERSIONS) {
      const tmp = all[JOB_TRACKED_VERSIONS - 1]!;
      all[JOB_TRACKED_VERSIONS - 1] = all[JOB_TRACKED_VERSIONS]!;
      all[JOB_TRACKED_VERSIONS] = tmp;
    }
    all.splice(JOB_TRACKED_VERSIONS);
    all.sort((a, b) => b.Version - a.Version);
  }
  txn.putJobVersions(job.Namespace, job.ID, all);
}

function updateSummaryWithJob(txn: StateTxn, job: Job): void {
  const existing = txn.jobSummaryByID(job.Namespace, job.ID);
  const summary: JobSummary = existing
    ? { ...existing, Summary: { ...existing.Summary } }
    : {
        JobID: job.ID,
        Namespace: job.Namespace,
        Summary: {},
        Children: jobIsPeriodic(job) || jobIsParameterized(job) ? { Pending: 0, Running: 0, Dead: 0 } : null,
        CreateIndex: txn.index,
        ModifyIndex: txn.index,
      };
  let changed = existing === undefined;
  for (const tg of job.TaskGroups) {
    if (summary.Summary[tg.Name] !== undefined) continue;
    summary.Summary[tg.Name] = emptyTaskGroupSummary();
    changed = true;
  }
  if (!changed) return;
  summary.ModifyIndex = txn.index;
  txn.putJobSummary(summary);
}

/** Deletes a job, its versions and summary (purge). Its allocations and evaluations stay until GC. */
export function deleteJob(txn: StateTxn, namespace: string, id: string): Job | undefined {
  const job = txn.jobByID(namespace, id);
  if (job === undefined) return undefined;
  txn.removeJob(namespace, id);
  txn.putJobVersions(namespace, id, []);
  txn.removeJobSummary(namespace, id);
  if (job.ParentID !== '') updateParentChildren(txn, job, job.Status, undefined);
  return job;
}

/** Marks one version stable or not; the current job too when it is that version. */
export function updateJobStability(
  txn: StateTxn,
  namespace: string,
  id: string,
  version: number,
  stable: boolean,
): void {
  const job = txn.jobByIDAndVersion(namespace, id, version);
  if (job === undefined || job.Stable === stable) return;
  const current = txn.jobByID(namespace, id);
  const updated: Job = { ...job, Stable: stable };
  if (current !== undefined && current.Version === version) {
    upsertJob(txn, { ...updated, Status: current.Status }, { keepVersion: true });
    return;
  }
  upsertJobVersion(txn, updated);
}

/**
 * A job's status: system, periodic and parameterized jobs run until stopped; others run while an
 * allocation of the current incarnation runs, are pending while an evaluation is open, else dead.
 */
export function computeJobStatus(txn: StateTxn, job: Job, evalDelete: boolean): JobStatus {
  if (job.Type === 'system' || jobIsParameterized(job) || jobIsPeriodic(job)) {
    return job.Stop ? 'dead' : 'running';
  }
  const allocs = txn.allocsByJob(job.Namespace, job.ID, false);
  for (const a of allocs) if (!allocTerminal(a)) return 'running';
  let hasEval = false;
  for (const e of txn.evalsByJob(job.Namespace, job.ID)) {
    if (e.JobID !== job.ID) continue;
    hasEval = true;
    if (!evalTerminal(e)) return 'pending';
  }
  return evalDelete || hasEval || allocs.length > 0 ? 'dead' : 'pending';
}

/** Recomputes the status of every job the transaction marked dirty; called once before commit. */
export function settleJobStatuses(txn: StateTxn): void {
  for (const d of txn.dirtyJobs.values()) {
    const job = txn.jobByID(d.namespace, d.id);
    if (job === undefined) continue;
    const status = d.forceRunning ? 'running' : computeJobStatus(txn, job, d.evalDelete);
    if (status === job.Status) continue;
    txn.putJob({ ...job, Status: status, ModifyIndex: txn.index });
    if (job.ParentID !== '') updateParentChildren(txn, job, job.Status, status);
  }
  txn.dirtyJobs.clear();
}

function bump(children: JobChildrenSummary, status: JobStatus | undefined, by: number): void {
  if (status === 'pending') children.Pending = Math.max(0, children.Pending + by);
  else if (status === 'running') children.Running = Math.max(0, children.Running + by);
  else if (status === 'dead') children.Dead = Math.max(0, children.Dead + by);
}

function updateParentChildren(
  txn: StateTxn,
  child: Job,
  from: JobStatus | undefined,
  to: JobStatus | undefined,
): void {
  if (from === to) return;
  const summary = txn.jobSummaryByID(child.Namespace, child.ParentID);
  if (summary === undefined) return;
  const children = { ...(summary.Children ?? { Pending: 0, Running: 0, Dead: 0 }) };
  bump(children, from, -1);
  bump(children, to, 1);
  txn.putJobSummary({ ...summary, Children: children, ModifyIndex: txn.index });
}
