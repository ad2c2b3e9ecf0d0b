/**
 * The cluster reconciler for service and batch jobs: compares the job's desired state with its
 * allocations and says, explicitly, what to place, stop, update in place or destructively, migrate,
 * and what deployment to create or update. It decides nothing about nodes: the scheduler finds
 * nodes for the placements afterwards. A pure function of its input.
 */
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import { deploymentActive, DeploymentDescriptions } from '../structs/deployment.ts';
import type { Job } from '../structs/job.ts';
import { emptyDesiredUpdates } from '../structs/plan.ts';
import { filterByTainted, nonTerminal, type AllocSet } from './alloc_sets.ts';
import { STATUS_ALLOC_LOST, STATUS_ALLOC_NOT_NEEDED } from './descriptions.ts';
import { computeGroup, type Recon } from './reconcile_group.ts';
import type { ReconcileInput, ReconcileResult } from './reconcile_types.ts';

export type * from './reconcile_types.ts';

function emptyResult(): ReconcileResult {
  return {
    place: [],
    stop: [],
    inplaceUpdate: [],
    destructiveUpdate: [],
    ignore: [],
    migrate: [],
    lost: [],
    attributeUpdates: [],
    deployment: null,
    activeDeployment: null,
    deploymentUpdates: [],
    desiredTGUpdates: {},
    followupEvals: {},
  };
}

/** Allocations by task group: the job's groups first (in order), then groups it no longer has. */
function groupAllocs(job: Job | null, allocs: readonly Allocation[]): Map<string, AllocSet> {
  const m = new Map<string, AllocSet>();
  for (const tg of job?.TaskGroups ?? []) m.set(tg.Name, new Map());
  for (const a of allocs) {
    let s = m.get(a.TaskGroup);
    if (s === undefined) {
      s = new Map();
      m.set(a.TaskGroup, s);
    }
    s.set(a.ID, a);
  }
  return m;
}

/** A copy of the deployment whose group states the reconciler may change. */
function copyDeployment(d: Deployment | null): Deployment | null {
  if (d === null) return null;
  const groups: Deployment['TaskGroups'] = {};
  for (const [k, v] of Object.entries(d.TaskGroups)) groups[k] = { ...v };
  return { ...d, TaskGroups: groups };
}

/** Cancels a deployment of a stopped job or of an older job version; retires a finished one. */
function cancelUnneededDeployments(r: Recon): void {
  const d = r.deployment;
  const job = r.input.job;
  if (job === null || job.Stop) {
    if (d !== null && deploymentActive(d)) {
      r.result.deploymentUpdates.push({
        DeploymentID: d.ID,
        Status: 'cancelled',
        StatusDescription: DeploymentDescriptions.stoppedJob,
      });
    }
    r.oldDeployment = d;
    r.deployment = null;
    return;
  }
  if (d === null) return;
  if (d.JobCreateIndex !== job.CreateIndex || d.JobVersion !== job.Version) {
    if (deploymentActive(d)) {
      r.result.deploymentUpdates.push({
        DeploymentID: d.ID,
        Status: 'cancelled',
        StatusDescription: DeploymentDescriptions.newerJob,
      });
    }
    r.oldDeployment = d;
    r.deployment = null;
  }
  if (d.Status === 'successful') {
    r.oldDeployment = d;
    r.deployment = null;
  }
}

/** Stops every live allocation of a stopped or purged job. */
function handleStop(r: Recon, matrix: Map<string, AllocSet>): void {
  for (const [group, set] of matrix) {
    const live = nonTerminal(set);
    const { untainted, migrate, lost } = filterByTainted(live, r.input.taintedNodes);
    for (const a of [...untainted.values(), ...migrate.values()]) {
      r.result.stop.push({ alloc: a, statusDescription: STATUS_ALLOC_NOT_NEEDED });
    }
    for (const a of lost.values()) {
      r.result.stop.push({ alloc: a, statusDescription: STATUS_ALLOC_LOST, clientStatus: 'lost' });
      r.result.lost.push(a);
    }
    r.result.desiredTGUpdates[group] = { ...emptyDesiredUpdates(), Stop: live.size };
  }
}

/** Reconciles a job's allocations with the job. */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const r: Recon = {
    input,
    result: emptyResult(),
    deployment: copyDeployment(input.deployment),
    oldDeployment: null,
    deploymentPaused: false,
    deploymentFailed: false,
  };
  const matrix = groupAllocs(input.job, input.allocs);
  cancelUnneededDeployments(r);
  const job = input.job;
  if (job === null || job.Stop) {
    handleStop(r, matrix);
    return r.result;
  }
  if (r.deployment !== null) {
    r.deploymentPaused = r.deployment.Status === 'paused' || r.deployment.Status === 'pending';
    r.deploymentFailed = r.deployment.Status === 'failed';
  }
  let complete = true;
  for (const [group, set] of matrix) {
    const groupComplete = computeGroup(r, job, group, set);
    complete = complete && groupComplete;
  }
  const d = r.deployment;
  if (d !== null && complete && deploymentActive(d)) {
    r.result.deploymentUpdates.push({
      DeploymentID: d.ID,
      Status: 'successful',
      StatusDescription: DeploymentDescriptions.successful,
    });
  }
  const created = r.result.deployment;
  if (created !== null) {
    const needing = Object.values(created.TaskGroups).filter((s) => s.DesiredCanaries > 0 && !s.Promoted);
    if (needing.length > 0) {
      created.StatusDescription = needing.every((s) => s.AutoPromote)
        ? DeploymentDescriptions.runningAutoPromotion
        : DeploymentDescriptions.runningNeedsPromotion;
    }
  }
  r.result.activeDeployment = d !== null && deploymentActive(d) ? d : null;
  return r.result;
}
