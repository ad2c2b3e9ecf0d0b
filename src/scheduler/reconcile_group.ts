/**
 * The reconciler's work for one task group: what to stop, what to update in place or replace, how
 * many replacements a rolling update allows now, canaries, rescheduling, migrations, and whether
 * the group's part of the deployment is complete.
 */
import type { DeploymentState } from '../structs/deployment.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { DesiredUpdates } from '../structs/plan.ts';
import { emptyDesiredUpdates } from '../structs/plan.ts';
import { AllocNameIndex } from './alloc_names.ts';
import {
  difference,
  filterByRescheduleable,
  filterByTainted,
  nameOrder,
  union,
  type AllocSet,
} from './alloc_sets.ts';
import {
  STATUS_ALLOC_MIGRATING,
  STATUS_ALLOC_NOT_NEEDED,
  STATUS_ALLOC_RESCHEDULED,
  STATUS_ALLOC_UPDATING,
} from './descriptions.ts';
import { allocIndex } from '../structs/allocation.ts';
import { newDeployment, newDeploymentState, updateIsEmpty } from './eval_util.ts';
import type { PlaceResult } from './reconcile_types.ts';
import {
  cancelUnneededCanaries,
  computePlacements,
  computeStop,
  computeUpdates,
  createRescheduleLaterEvals,
  filterOldTerminal,
  isCanary,
  markStop,
  stopAll,
  underProvisionedBy,
  type Recon,
} from './reconcile_steps.ts';

export type { Recon } from './reconcile_steps.ts';

function initDeploymentState(r: Recon, tg: TaskGroup): { dstate: DeploymentState; existing: boolean } {
  const existing = r.deployment?.TaskGroups[tg.Name];
  if (existing !== undefined) return { dstate: existing, existing: true };
  return { dstate: newDeploymentState(tg), existing: false };
}

/** Adds the placements the deployment allows now; lost and failed allocations are replaced regardless. */
function placeAllocs(
  r: Recon,
  desired: DesiredUpdates,
  place: PlaceResult[],
  sets: { rescheduleNow: AllocSet; lost: AllocSet; migrate: AllocSet },
  ready: boolean,
): void {
  const failed = [...sets.rescheduleNow.values()].filter(
    (a) => !sets.migrate.has(a.ID) && a.ClientStatus !== 'unknown',
  );
  if (ready) {
    desired.Place += place.length;
    r.result.place.push(...place);
    markStop(r, failed, STATUS_ALLOC_RESCHEDULED);
    desired.Stop += failed.length;
    return;
  }
  if (sets.lost.size > 0) {
    const allowed = Math.min(sets.lost.size, place.length);
    desired.Place += allowed;
    r.result.place.push(...place.slice(0, allowed));
  }
  if (sets.rescheduleNow.size === 0) return;
  for (const p of place) {
    const prev = p.previousAlloc;
    const ofFailedDeployment = r.deploymentFailed && prev !== null && prev.DeploymentID === r.deployment?.ID;
    if (ofFailedDeployment || !p.reschedule || prev === null) continue;
    r.result.place.push(p);
    desired.Place++;
    markStop(r, [prev], STATUS_ALLOC_RESCHEDULED);
    desired.Stop++;
  }
}

function computeMigrations(r: Recon, tg: TaskGroup, migrate: AllocSet, desired: DesiredUpdates): void {
  desired.Migrate += migrate.size;
  for (const a of nameOrder(migrate)) {
    markStop(r, [a], STATUS_ALLOC_MIGRATING);
    r.result.migrate.push(a);
    if (a.Job?.Type === 'batch' && a.DesiredTransition?.Reschedule === true) continue;
    r.result.place.push({
      name: a.Name,
      taskGroup: tg,
      previousAlloc: a,
      reschedule: false,
      canary: isCanary(a),
      lost: false,
    });
  }
}

/** Creates the job version's deployment when the group has an update block and something to roll out. */
function createDeployment(
  r: Recon,
  job: Job,
  tg: TaskGroup,
  info: { dstate: DeploymentState; existing: boolean; all: AllocSet; updatingSpec: boolean },
): void {
  if (info.existing || updateIsEmpty(tg) || info.dstate.DesiredTotal === 0) return;
  const hadRunning = [...info.all.values()].some((a) => {
    const aj = a.Job ?? job;
    return aj.Version === job.Version && aj.CreateIndex === job.CreateIndex;
  });
  if (hadRunning && !info.updatingSpec) return;
  if (r.deployment === null) {
    r.deployment = newDeployment(job, {
      id: r.input.ids.uuid(),
      evalPriority: r.input.evalPriority,
      nowNs: r.input.nowNs,
    });
    r.result.deployment = r.deployment;
  }
  r.deployment.TaskGroups[tg.Name] = info.dstate;
}

function groupComplete(r: Recon, group: string, pending: number, requireCanary: boolean): boolean {
  if (pending !== 0 || requireCanary || r.deployment === null) return false;
  const s = r.deployment.TaskGroups[group];
  if (s === undefined) return true;
  return (
    s.HealthyAllocs >= Math.max(s.DesiredTotal, s.DesiredCanaries) && !(s.DesiredCanaries > 0 && !s.Promoted)
  );
}

/**
 * Failed allocations are replaced only up to the count: after a scale down, the ones beyond it
 * are stopped instead of rescheduled (highest indexes first), so the group never runs more than
 * its count.
 */
function trimReschedules(
  r: Recon,
  g: {
    tg: TaskGroup;
    names: AllocNameIndex;
    untainted: AllocSet;
    migrate: AllocSet;
    canaries: AllocSet;
    rescheduleNow: AllocSet;
    isCanarying: boolean;
    desired: DesiredUpdates;
  },
): void {
  const counted = g.isCanarying ? difference(g.untainted, g.canaries).size : g.untainted.size;
  let extra = g.rescheduleNow.size - Math.max(0, g.tg.Count - counted - g.migrate.size);
  if (extra <= 0) return;
  for (const a of nameOrder(g.rescheduleNow).reverse()) {
    if (extra-- <= 0) break;
    g.rescheduleNow.delete(a.ID);
    g.names.unset(allocIndex(a.Name));
    markStop(r, [a], STATUS_ALLOC_NOT_NEEDED);
    g.desired.Stop++;
  }
}

/** Reconciles one group; returns whether its part of the deployment is complete. */
export function computeGroup(r: Recon, job: Job, group: string, groupAllocs: AllocSet): boolean {
  const desired: DesiredUpdates = emptyDesiredUpdates();
  r.result.desiredTGUpdates[group] = desired;
  // Allocations the server already stopped take no further part.
  let all: AllocSet = new Map([...groupAllocs].filter(([, a]) => a.DesiredStatus === 'run'));
  const tg = job.TaskGroups.find((g) => g.Name === group);
  if (tg === undefined || tg.Count === 0) {
    stopAll(r, all, desired);
    return true;
  }
  const { dstate, existing } = initDeploymentState(r, tg);
  const old = filterOldTerminal(r, job, all);
  all = old.all;
  desired.Ignore += old.ignored;
  const cc = cancelUnneededCanaries(r, all, desired);
  all = cc.all;
  const canaries = cc.canaries;
  const tainted = filterByTainted(all, r.input.taintedNodes);
  const migrate = tainted.migrate;
  const lost = tainted.lost;
  const reschedOpts = {
    batch: r.input.batch,
    nowNs: r.input.nowNs,
    evalId: r.input.evalId,
    deployment: r.deployment,
  };
  const resched = filterByRescheduleable(tainted.untainted, reschedOpts);
  const migrateResched = filterByRescheduleable(migrate, reschedOpts);
  let untainted = resched.untainted;
  const rescheduleNow = union(resched.rescheduleNow, migrateResched.rescheduleNow);
  const rescheduleLater = [...resched.rescheduleLater, ...migrateResched.rescheduleLater];
  createRescheduleLaterEvals(r, job, rescheduleLater, group);
  desired.RescheduleLater = rescheduleLater.length;
  const names = new AllocNameIndex(
    job.ID,
    group,
    tg.Count,
    union(untainted, migrate, rescheduleNow, lost).values(),
  );
  const isCanarying = dstate.DesiredCanaries !== 0 && !dstate.Promoted;
  const stop = computeStop(r, tg, names, { untainted, migrate, lost, canaries }, isCanarying);
  desired.Stop += stop.size;
  untainted = difference(untainted, stop);
  trimReschedules(r, { tg, names, untainted, migrate, canaries, rescheduleNow, isCanarying, desired });
  return computeGroupRollout(r, job, tg, {
    all,
    untainted,
    migrate,
    lost,
    canaries,
    rescheduleNow,
    rescheduleLaterCount: rescheduleLater.length,
    names,
    dstate,
    existing,
    desired,
    isCanarying,
  });
}

interface RolloutInput {
  all: AllocSet;
  untainted: AllocSet;
  migrate: AllocSet;
  lost: AllocSet;
  canaries: AllocSet;
  rescheduleNow: AllocSet;
  rescheduleLaterCount: number;
  names: AllocNameIndex;
  dstate: DeploymentState;
  existing: boolean;
  desired: DesiredUpdates;
  isCanarying: boolean;
}

/** Updates, canaries, placements and migrations of a group, paced by its update block. */
function computeGroupRollout(r: Recon, job: Job, tg: TaskGroup, g: RolloutInput): boolean {
  const { dstate, desired } = g;
  const { ignore, inplace, destructive } = computeUpdates(r, job, tg, g.untainted);
  desired.Ignore += ignore.size;
  desired.InPlaceUpdate += inplace.size;
  if (!g.existing) dstate.DesiredTotal += destructive.size + inplace.size;
  const untainted = g.isCanarying ? difference(g.untainted, g.canaries) : g.untainted;
  const canaryCount = tg.Update?.Canary ?? 0;
  const requireCanary =
    tg.Update !== null && destructive.size !== 0 && g.canaries.size < canaryCount && !dstate.Promoted;
  if (requireCanary) {
    dstate.DesiredCanaries = canaryCount;
    if (!r.deploymentPaused && !r.deploymentFailed) {
      const n = canaryCount - g.canaries.size;
      desired.Canary += n;
      for (const name of g.names.nextCanaries(n, g.canaries.values(), destructive.values())) {
        r.result.place.push({
          name,
          taskGroup: tg,
          previousAlloc: null,
          reschedule: false,
          canary: true,
          lost: false,
        });
      }
    }
  }
  const isCanarying = dstate.DesiredCanaries !== 0 && !dstate.Promoted;
  let limit = underProvisionedBy(r, tg, untainted, destructive, g.migrate, isCanarying);
  const place = computePlacements(tg, g.names, {
    untainted,
    migrate: g.migrate,
    reschedule: g.rescheduleNow,
    lost: g.lost,
  });
  if (!g.existing) dstate.DesiredTotal += place.length;
  const ready = !r.deploymentPaused && !r.deploymentFailed && !isCanarying;
  const placedBefore = r.result.place.length;
  placeAllocs(r, desired, place, { rescheduleNow: g.rescheduleNow, lost: g.lost, migrate: g.migrate }, ready);
  if (ready) limit -= Math.min(place.length, limit);
  if (ready) {
    const n = Math.min(destructive.size, limit);
    desired.DestructiveUpdate += n;
    desired.Ignore += destructive.size - n;
    for (const a of nameOrder(destructive).slice(0, n)) {
      r.result.destructiveUpdate.push({
        placeName: a.Name,
        placeTaskGroup: tg,
        stopAlloc: a,
        stopStatusDescription: STATUS_ALLOC_UPDATING,
      });
    }
  } else desired.Ignore += destructive.size;
  computeMigrations(r, tg, g.migrate, desired);
  createDeployment(r, job, tg, {
    dstate,
    existing: g.existing,
    all: g.all,
    updatingSpec: destructive.size !== 0 || inplace.size !== 0,
  });
  const groupPlaced = r.result.place.length - placedBefore;
  const pending =
    destructive.size +
    inplace.size +
    groupPlaced +
    g.migrate.size +
    g.rescheduleNow.size +
    g.rescheduleLaterCount;
  return groupComplete(r, tg.Name, pending, requireCanary);
}
