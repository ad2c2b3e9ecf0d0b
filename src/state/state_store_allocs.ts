/**
 * Allocation writes: from the plan applier (server side), from clients (status, task states,
 * deployment health), and desired transitions. Each keeps the job summary and the deployment's
 * counters in step, as Nomad's state store does (updateSummaryWithAlloc, updateDeploymentWithAlloc).
 */
import { NomadError } from '../lib/errors.ts';
import {
  allocTerminal,
  type AllocClientStatus,
  type AllocDeploymentStatus,
  type Allocation,
  type DesiredTransition,
  type TaskState,
} from '../structs/allocation.ts';
import type { TaskGroupSummary } from '../structs/job_summary.ts';
import type { StateTxn } from './state_txn.ts';

/** What a client is the authority on for one allocation (Node.UpdateAlloc's element). */
export interface AllocClientUpdateRow {
  ID: string;
  ClientStatus: AllocClientStatus;
  ClientDescription: string;
  TaskStates: Record<string, TaskState> | null;
  DeploymentStatus: AllocDeploymentStatus | null;
  ModifyTime: number;
}

/** Inserts or updates allocations from the servers: the client's own fields are kept. */
export function upsertAllocs(txn: StateTxn, allocs: readonly Allocation[]): void {
  for (const alloc of allocs) {
    const exist = txn.allocByID(alloc.ID);
    let next: Allocation;
    if (exist === undefined) {
      if (alloc.Job === null) {
        throw new NomadError('internal', `Attempting to upsert allocation "${alloc.ID}" without a job`);
      }
      next = { ...alloc, CreateIndex: txn.index, ModifyIndex: txn.index, AllocModifyIndex: txn.index };
      if (alloc.DeploymentStatus !== null)
        next.DeploymentStatus = { ...alloc.DeploymentStatus, ModifyIndex: txn.index };
    } else {
      // The scheduler marks allocations lost or unknown itself; otherwise the client's status stands.
      const keepClient = alloc.ClientStatus !== 'lost' && alloc.ClientStatus !== 'unknown';
      next = {
        ...alloc,
        CreateIndex: exist.CreateIndex,
        ModifyIndex: txn.index,
        AllocModifyIndex: txn.index,
        TaskStates: exist.TaskStates,
        ClientStatus: keepClient ? exist.ClientStatus : alloc.ClientStatus,
        ClientDescription: keepClient ? exist.ClientDescription : alloc.ClientDescription,
        Job: alloc.Job ?? exist.Job,
      };
    }
    updateDeploymentWithAlloc(txn, next, exist);
    updateSummaryWithAlloc(txn, next, exist);
    if (next.PreviousAllocation !== '') linkPrevious(txn, next);
    txn.putAlloc(next);
    txn.markJobDirty(next.Namespace, next.JobID);
  }
}

function linkPrevious(txn: StateTxn, alloc: Allocation): void {
  const prev = txn.allocByID(alloc.PreviousAllocation);
  if (prev === undefined || prev.NextAllocation === alloc.ID) return;
  txn.putAlloc({ ...prev, NextAllocation: alloc.ID, ModifyIndex: txn.index });
}

/** Applies client updates; unknown allocations are skipped (they may have been garbage collected). */
export function updateAllocsFromClient(txn: StateTxn, updates: readonly AllocClientUpdateRow[]): void {
  for (const u of updates) {
    const exist = txn.allocByID(u.ID);
    if (exist === undefined) continue;
    let deploymentStatus = exist.DeploymentStatus;
    if (exist.DeploymentStatus !== null && u.DeploymentStatus !== null) {
      deploymentStatus = {
        ...exist.DeploymentStatus,
        Healthy: u.DeploymentStatus.Healthy,
        Timestamp: u.DeploymentStatus.Timestamp,
        ModifyIndex: txn.index,
      };
    } else if (u.DeploymentStatus !== null && u.DeploymentStatus.Healthy !== null) {
      deploymentStatus = { ...u.DeploymentStatus, ModifyIndex: txn.index };
    }
    const next: Allocation = {
      ...exist,
      ClientStatus: u.ClientStatus,
      ClientDescription: u.ClientDescription,
      TaskStates: u.TaskStates,
      DeploymentStatus: deploymentStatus,
      ModifyIndex: txn.index,
      ModifyTime: u.ModifyTime,
    };
    updateDeploymentWithAlloc(txn, next, exist);
    updateSummaryWithAlloc(txn, next, exist);
    txn.putAlloc(next);
    txn.markJobDirty(next.Namespace, next.JobID, { forceRunning: !allocTerminal(next) });
  }
}

function mergeTransition(a: DesiredTransition, b: Partial<DesiredTransition>): DesiredTransition {
  return {
    Migrate: b.Migrate ?? a.Migrate,
    Reschedule: b.Reschedule ?? a.Reschedule,
    ForceReschedule: b.ForceReschedule ?? a.ForceReschedule,
    NoShutdownDelay: b.NoShutdownDelay ?? a.NoShutdownDelay,
  };
}

/** Merges desired transitions (migrate, reschedule ...) into allocations; unknown IDs are skipped. */
export function updateAllocsDesiredTransitions(
  txn: StateTxn,
  transitions: Readonly<Record<string, Partial<DesiredTransition>>>,
): void {
  for (const id of Object.keys(transitions).sort()) {
    const exist = txn.allocByID(id);
    if (exist === undefined) continue;
    txn.putAlloc({
      ...exist,
      DesiredTransition: mergeTransition(exist.DesiredTransition, transitions[id]!),
      ModifyIndex: txn.index,
    });
  }
}

/** Deletes allocations (garbage collection). */
export function deleteAllocs(txn: StateTxn, ids: readonly string[]): void {
  for (const id of ids) {
    const a = txn.allocByID(id);
    if (a === undefined) continue;
    txn.removeAlloc(id);
    txn.markJobDirty(a.Namespace, a.JobID);
  }
}

function bucket(s: TaskGroupSummary, status: AllocClientStatus, by: number): void {
  const sub = (n: number): number => (by < 0 ? Math.max(0, n + by) : n + by);
  switch (status) {
    case 'pending':
      s.Starting = sub(s.Starting);
      break;
    case 'running':
      s.Running = sub(s.Running);
      break;
    case 'complete':
      s.Complete = sub(s.Complete);
      break;
    case 'failed':
      s.Failed = sub(s.Failed);
      break;
    case 'lost':
      s.Lost = sub(s.Lost);
      break;
    case 'unknown':
      s.Unknown = sub(s.Unknown);
      break;
  }
}

/** Moves the allocation between the summary's status columns (Queued -> Starting when placed). */
function updateSummaryWithAlloc(txn: StateTxn, alloc: Allocation, exist: Allocation | undefined): void {
  const summary = txn.jobSummaryByID(alloc.Namespace, alloc.JobID);
  if (summary === undefined) return;
  // Allocations of an earlier incarnation of the job (purged and registered again) do not count.
  if (alloc.Job !== null && summary.CreateIndex !== alloc.Job.CreateIndex) return;
  const current = summary.Summary[alloc.TaskGroup];
  if (current === undefined) return;
  const tg = { ...current };
  if (exist === undefined) {
    if (alloc.ClientStatus !== 'pending') return;
    tg.Starting += 1;
    if (tg.Queued > 0) tg.Queued -= 1;
  } else if (exist.ClientStatus !== alloc.ClientStatus) {
    bucket(tg, alloc.ClientStatus, 1);
    bucket(tg, exist.ClientStatus, -1);
  } else {
    return;
  }
  txn.putJobSummary({
    ...summary,
    Summary: { ...summary.Summary, [alloc.TaskGroup]: tg },
    ModifyIndex: txn.index,
  });
}

function hasHealth(s: AllocDeploymentStatus | null): s is AllocDeploymentStatus & { Healthy: boolean } {
  return s !== null && s.Healthy !== null;
}

/** Counts placements and health changes into the deployment's task group state. */
export function updateDeploymentWithAlloc(
  txn: StateTxn,
  alloc: Allocation,
  exist: Allocation | undefined,
): void {
  if (alloc.DeploymentID === '') return;
  const d = txn.deploymentByID(alloc.DeploymentID);
  const state = d?.TaskGroups[alloc.TaskGroup];
  if (d === undefined || state === undefined) return;
  let placed = 0;
  let healthy = 0;
  let unhealthy = 0;
  const ds = alloc.DeploymentStatus;
  if (exist === undefined || exist.DeploymentID !== alloc.DeploymentID) {
    placed = 1;
  } else if (!hasHealth(exist.DeploymentStatus) && hasHealth(ds)) {
    if (ds.Healthy) healthy = 1;
    else unhealthy = 1;
  } else if (
    hasHealth(exist.DeploymentStatus) &&
    hasHealth(ds) &&
    exist.DeploymentStatus.Healthy &&
    !ds.Healthy
  ) {
    healthy = -1;
    unhealthy = 1;
  }
  if (placed === 0 && healthy === 0 && unhealthy === 0) return;
  const next = {
    ...state,
    PlacedAllocs: state.PlacedAllocs + placed,
    HealthyAllocs: state.HealthyAllocs + healthy,
    UnhealthyAllocs: state.UnhealthyAllocs + unhealthy,
  };
  if (ds !== null && ds.Canary && !(state.PlacedCanaries ?? []).includes(alloc.ID)) {
    next.PlacedCanaries = [...(state.PlacedCanaries ?? []), alloc.ID];
  }
  if (state.ProgressDeadline !== 0) {
    const deadlineMs = state.ProgressDeadline / 1e6;
    if (placed !== 0 && state.RequireProgressBy === null) {
      // Modify time, not create time: an allocation may join a new deployment by an in-place update.
      next.RequireProgressBy = new Date(alloc.ModifyTime / 1e6 + deadlineMs).toISOString();
    } else if (healthy > 0 && ds !== null) {
      const byMs = Date.parse(ds.Timestamp) + deadlineMs;
      const currentMs = state.RequireProgressBy === null ? 0 : Date.parse(state.RequireProgressBy);
      if (Number.isFinite(byMs) && byMs > currentMs) next.RequireProgressBy = new Date(byMs).toISOString();
    }
  }
  txn.putDeployment({
    ...d,
    TaskGroups: { ...d.TaskGroups, [alloc.TaskGroup]: next },
    ModifyIndex: txn.index,
  });
}
