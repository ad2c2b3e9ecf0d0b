/** Deployment writes, following Nomad's deployment state-store operations. */
import { MultiError, NomadError } from '../lib/errors.ts';
import { allocTerminal } from '../structs/allocation.ts';
import { DeploymentDescriptions, deploymentActive, type Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { DeploymentStatusUpdate } from '../structs/plan.ts';
import { updateDeploymentWithAlloc } from './state_store_allocs.ts';
import { upsertEvals } from './state_store_evals.ts';
import { updateJobStability, upsertJob } from './state_store_jobs.ts';
import type { StateTxn } from './state_txn.ts';

export function upsertDeployment(txn: StateTxn, d: Deployment): void {
  const existing = txn.deploymentByID(d.ID);
  txn.putDeployment({
    ...d,
    CreateIndex: existing === undefined ? txn.index : existing.CreateIndex,
    ModifyIndex: txn.index,
  });
}

function activeDeployment(txn: StateTxn, id: string): Deployment {
  const d = txn.deploymentByID(id);
  if (d === undefined)
    throw new NomadError('not_found', `Deployment ID "${id}" couldn't be updated as it does not exist`);
  if (!deploymentActive(d))
    throw new NomadError('bad_request', `Deployment "${d.ID}" has inactive status "${d.Status}"`);
  return d;
}

/** Sets a deployment's status; a successful deployment marks its job version stable. */
export function updateDeploymentStatus(txn: StateTxn, u: DeploymentStatusUpdate): void {
  const d = txn.deploymentByID(u.DeploymentID);
  if (d === undefined)
    throw new NomadError(
      'not_found',
      `Deployment ID "${u.DeploymentID}" couldn't be updated as it does not exist`,
    );
  txn.putDeployment({
    ...d,
    Status: u.Status,
    StatusDescription: u.StatusDescription,
    ModifyIndex: txn.index,
  });
  if (u.Status === 'successful') updateJobStability(txn, d.Namespace, d.JobID, d.JobVersion, true);
}

export interface DeploymentStatusRequest {
  update: DeploymentStatusUpdate;
  /** A job to register with the update (auto-revert to a stable version). */
  job: Job | null;
  eval: Evaluation | null;
}

export function applyDeploymentStatus(txn: StateTxn, req: DeploymentStatusRequest): void {
  updateDeploymentStatus(txn, req.update);
  if (req.job !== null) upsertJob(txn, req.job);
  if (req.eval !== null) upsertEvals(txn, [req.eval]);
}

export interface DeploymentPromoteRequest {
  deploymentId: string;
  all: boolean;
  groups: readonly string[];
  eval: Evaluation | null;
  /** Unix nanoseconds of the promotion: restarts the progress deadline. */
  nowNs: number;
}

/** Promotes the healthy canaries of the chosen groups; refuses when a group lacks healthy canaries. */
export function promoteDeployment(txn: StateTxn, req: DeploymentPromoteRequest): void {
  const d = activeDeployment(txn, req.deploymentId);
  const chosen = (tg: string): boolean => req.all || req.groups.includes(tg);
  const canaries = new Set(Object.values(d.TaskGroups).flatMap((s) => s.PlacedCanaries ?? []));
  const healthy = new Map<string, number>();
  const promotable = txn.allocsByDeployment(d.ID).filter((a) => {
    if (!canaries.has(a.ID) || !chosen(a.TaskGroup)) return false;
    if (allocTerminal(a) || a.DeploymentStatus?.Healthy !== true) return false;
    healthy.set(a.TaskGroup, (healthy.get(a.TaskGroup) ?? 0) + 1);
    return true;
  });
  const problems: string[] = [];
  for (const tg of Object.keys(d.TaskGroups).sort()) {
    const need = d.TaskGroups[tg]!.DesiredCanaries;
    if (!chosen(tg) || need === 0) continue;
    const have = healthy.get(tg) ?? 0;
    if (have < need) problems.push(`Task group "${tg}" has ${have}/${need} healthy allocations`);
  }
  if (problems.length > 0) throw new MultiError(problems, 'bad_request');
  const groups = { ...d.TaskGroups };
  for (const [tg, s] of Object.entries(groups)) {
    if (!chosen(tg)) continue;
    const requireBy =
      s.ProgressDeadline > 0 && s.RequireProgressBy !== null
        ? new Date((req.nowNs + s.ProgressDeadline) / 1e6).toISOString()
        : s.RequireProgressBy;
    groups[tg] = { ...s, Promoted: true, RequireProgressBy: requireBy };
  }
  const needsPromotion = Object.values(groups).some((s) => s.DesiredCanaries > 0 && !s.Promoted);
  const description =
    !needsPromotion && d.Status === 'running' ? DeploymentDescriptions.running : d.StatusDescription;
  txn.putDeployment({ ...d, TaskGroups: groups, StatusDescription: description, ModifyIndex: txn.index });
  if (req.eval !== null) upsertEvals(txn, [req.eval]);
  for (const a of promotable) {
    txn.putAlloc({
      ...a,
      DeploymentStatus: { ...a.DeploymentStatus!, Canary: false, ModifyIndex: txn.index },
      ModifyIndex: txn.index,
      AllocModifyIndex: txn.index,
    });
  }
}

export interface DeploymentAllocHealthRequest {
  deploymentId: string;
  healthyAllocIds: readonly string[];
  unhealthyAllocIds: readonly string[];
  /** RFC 3339 time of the health change. */
  timestamp: string;
  update: DeploymentStatusUpdate | null;
  job: Job | null;
  eval: Evaluation | null;
}

/** Sets allocations' deployment health by hand (or from the deployment watcher). */
export function setDeploymentAllocHealth(txn: StateTxn, req: DeploymentAllocHealthRequest): void {
  activeDeployment(txn, req.deploymentId);
  const set = (id: string, healthy: boolean): void => {
    const old = txn.allocByID(id);
    if (old === undefined) throw new NomadError('not_found', `unknown alloc "${id}"`);
    if (old.DeploymentID !== req.deploymentId) {
      throw new NomadError('bad_request', `alloc "${id}" is not part of deployment "${req.deploymentId}"`);
    }
    const base = old.DeploymentStatus ?? { Healthy: null, Timestamp: '', Canary: false, ModifyIndex: 0 };
    const next = {
      ...old,
      DeploymentStatus: { ...base, Healthy: healthy, Timestamp: req.timestamp, ModifyIndex: txn.index },
      ModifyIndex: txn.index,
    };
    updateDeploymentWithAlloc(txn, next, old);
    txn.putAlloc(next);
  };
  for (const id of req.healthyAllocIds) set(id, true);
  for (const id of req.unhealthyAllocIds) set(id, false);
  if (req.update !== null) updateDeploymentStatus(txn, req.update);
  if (req.job !== null) upsertJob(txn, req.job);
  if (req.eval !== null) upsertEvals(txn, [req.eval]);
}

export function deleteDeployments(txn: StateTxn, ids: readonly string[]): void {
  for (const id of ids) txn.removeDeployment(id);
}
