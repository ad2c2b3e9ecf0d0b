/** The steps of the reconciler's work for one task group, each a small function of explicit sets. */
import type { AllocClientStatus, Allocation } from '../structs/allocation.ts';
import { allocIndex } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { DesiredUpdates } from '../structs/plan.ts';
import { AllocNameIndex } from './alloc_names.ts';
import {
  difference,
  filterByDeployment,
  filterByTainted,
  fromKeys,
  nameOrder,
  type AllocSet,
  type RescheduleLater,
} from './alloc_sets.ts';
import {
  DESC_RESCHEDULING_FOLLOWUP_EVAL,
  STATUS_ALLOC_LOST,
  STATUS_ALLOC_MIGRATING,
  STATUS_ALLOC_NOT_NEEDED,
} from './descriptions.ts';
import { newEvaluation, updateIsEmpty } from './eval_util.ts';
import type { PlaceResult, ReconcileInput, ReconcileResult } from './reconcile_types.ts';
import { nsToRfc3339 } from './time.ts';

/** Failed allocations due within this window of each other share one follow-up evaluation. */
export const BATCHED_FAILED_ALLOC_WINDOW_NS = 5e9;

/** The reconciler's working state across groups. */
export interface Recon {
  input: ReconcileInput;
  result: ReconcileResult;
  /** The job version's current deployment (a private copy), or one created by this pass. */
  deployment: Deployment | null;
  oldDeployment: Deployment | null;
  deploymentPaused: boolean;
  deploymentFailed: boolean;
}

export function markStop(
  r: Recon,
  set: Iterable<Allocation>,
  description: string,
  clientStatus?: AllocClientStatus,
): void {
  for (const alloc of set) {
    r.result.stop.push(
      clientStatus === undefined
        ? { alloc, statusDescription: description }
        : { alloc, statusDescription: description, clientStatus },
    );
  }
}

/** Stops every allocation of a group the job no longer has (or scaled to zero). */
export function stopAll(r: Recon, set: AllocSet, desired: DesiredUpdates): void {
  const { untainted, migrate, lost } = filterByTainted(set, r.input.taintedNodes);
  markStop(r, nameOrder(untainted), STATUS_ALLOC_NOT_NEEDED);
  markStop(r, nameOrder(migrate), STATUS_ALLOC_NOT_NEEDED);
  markStop(r, nameOrder(lost), STATUS_ALLOC_LOST, 'lost');
  r.result.lost.push(...lost.values());
  desired.Stop += set.size;
}

/** Batch: terminal allocations of older job versions are history, not part of the group. */
export function filterOldTerminal(r: Recon, job: Job, all: AllocSet): { all: AllocSet; ignored: number } {
  if (!r.input.batch) return { all, ignored: 0 };
  const out: AllocSet = new Map();
  let ignored = 0;
  for (const [id, a] of all) {
    const aj = a.Job ?? job;
    const older = aj.Version < job.Version || aj.CreateIndex < job.CreateIndex;
    if (older && (a.DesiredStatus !== 'run' || ['complete', 'failed', 'lost'].includes(a.ClientStatus))) {
      ignored++;
      r.result.ignore.push(a);
    } else out.set(id, a);
  }
  return { all: out, ignored };
}

/** Stops canaries of an older or failed deployment; returns the current deployment's canaries. */
export function cancelUnneededCanaries(
  r: Recon,
  all: AllocSet,
  desired: DesiredUpdates,
): { canaries: AllocSet; all: AllocSet } {
  const stopIds: string[] = [];
  const unpromoted = (d: Deployment | null): void => {
    for (const s of Object.values(d?.TaskGroups ?? {}))
      if (!s.Promoted) stopIds.push(...(s.PlacedCanaries ?? []));
  };
  unpromoted(r.oldDeployment);
  if (r.deployment?.Status === 'failed') unpromoted(r.deployment);
  const stopSet = fromKeys(all, stopIds);
  markStop(r, nameOrder(stopSet), STATUS_ALLOC_NOT_NEEDED);
  desired.Stop += stopSet.size;
  let rest = difference(all, stopSet);
  let canaries: AllocSet = new Map();
  if (r.deployment !== null) {
    const ids = Object.values(r.deployment.TaskGroups).flatMap((s) => s.PlacedCanaries ?? []);
    const { untainted, migrate, lost } = filterByTainted(fromKeys(rest, ids), r.input.taintedNodes);
    markStop(r, nameOrder(migrate), STATUS_ALLOC_MIGRATING);
    markStop(r, nameOrder(lost), STATUS_ALLOC_LOST, 'lost');
    canaries = untainted;
    rest = difference(rest, migrate, lost);
  }
  return { canaries, all: rest };
}

/** Follow-up evaluations for failed allocations to reschedule later, batched by due time. */
export function createRescheduleLaterEvals(
  r: Recon,
  job: Job,
  later: RescheduleLater[],
  group: string,
): void {
  if (later.length === 0) return;
  const sorted = [...later].sort((x, y) => x.timeNs - y.timeNs);
  const evals: Evaluation[] = [];
  let current: Evaluation | null = null;
  let batchStart = 0;
  for (const item of sorted) {
    if (current === null || item.timeNs - batchStart >= BATCHED_FAILED_ALLOC_WINDOW_NS) {
      batchStart = item.timeNs;
      current = newEvaluation({
        ID: r.input.ids.uuid(),
        Namespace: job.Namespace,
        Priority: r.input.evalPriority,
        Type: job.Type,
        TriggeredBy: 'alloc-reschedule',
        JobID: job.ID,
        JobModifyIndex: job.ModifyIndex,
        Status: 'pending',
        StatusDescription: DESC_RESCHEDULING_FOLLOWUP_EVAL,
        WaitUntil: nsToRfc3339(batchStart),
        PreviousEval: r.input.evalId,
        nowNs: r.input.nowNs,
      });
      evals.push(current);
    }
    r.result.attributeUpdates.push({ ...item.alloc, FollowupEvalID: current.ID });
  }
  (r.result.followupEvals[group] ??= []).push(...evals);
}

/** Stops what is above the count: lost ones, then names that promoted canaries took over, then the highest indexes. */
export function computeStop(
  r: Recon,
  tg: TaskGroup,
  names: AllocNameIndex,
  sets: { untainted: AllocSet; migrate: AllocSet; lost: AllocSet; canaries: AllocSet },
  isCanarying: boolean,
): AllocSet {
  const stop: AllocSet = new Map(sets.lost);
  markStop(r, nameOrder(sets.lost), STATUS_ALLOC_LOST, 'lost');
  r.result.lost.push(...sets.lost.values());
  const working = isCanarying ? difference(sets.untainted, sets.canaries) : new Map(sets.untainted);
  let remove = working.size + sets.migrate.size - tg.Count;
  const take = (a: Allocation): boolean => {
    stop.set(a.ID, a);
    markStop(r, [a], STATUS_ALLOC_NOT_NEEDED);
    working.delete(a.ID);
    remove--;
    return remove === 0;
  };
  if (remove <= 0) return stop;
  if (!isCanarying && sets.canaries.size > 0) {
    const canaryNames = new Set([...sets.canaries.values()].map((a) => a.Name));
    for (const a of nameOrder(difference(working, sets.canaries)))
      if (canaryNames.has(a.Name) && take(a)) return stop;
  }
  if (sets.migrate.size > 0) {
    const highest = new AllocNameIndex(r.input.jobId, tg.Name, tg.Count, sets.migrate.values()).highest(
      remove,
    );
    for (const a of nameOrder(sets.migrate)) {
      if (!highest.has(a.Name)) continue;
      sets.migrate.delete(a.ID);
      names.unset(allocIndex(a.Name));
      stop.set(a.ID, a);
      markStop(r, [a], STATUS_ALLOC_NOT_NEEDED);
      if (--remove === 0) return stop;
    }
  }
  const highest = names.highest(remove);
  for (const a of nameOrder(working).reverse()) if (highest.has(a.Name) && take(a)) return stop;
  for (const a of nameOrder(working).reverse()) if (take(a)) return stop;
  return stop;
}

export function computeUpdates(
  r: Recon,
  job: Job,
  tg: TaskGroup,
  untainted: AllocSet,
): { ignore: AllocSet; inplace: AllocSet; destructive: AllocSet } {
  const ignore: AllocSet = new Map();
  const inplace: AllocSet = new Map();
  const destructive: AllocSet = new Map();
  for (const a of nameOrder(untainted)) {
    const u = r.input.allocUpdateFn(a, job, tg);
    if (u.kind === 'ignore') ignore.set(a.ID, a);
    else if (u.kind === 'destructive') destructive.set(a.ID, a);
    else {
      inplace.set(a.ID, a);
      r.result.inplaceUpdate.push(u.updated);
    }
  }
  r.result.ignore.push(...ignore.values());
  return { ignore, inplace, destructive };
}

/** How many more allocations a rolling update may replace now (max_parallel minus those in flight). */
export function underProvisionedBy(
  r: Recon,
  tg: TaskGroup,
  untainted: AllocSet,
  destructive: AllocSet,
  migrate: AllocSet,
  isCanarying: boolean,
): number {
  if (updateIsEmpty(tg) || destructive.size + migrate.size === 0) return tg.Count;
  const maxParallel = tg.Update!.MaxParallel;
  if (r.deployment === null) return maxParallel;
  if (r.deploymentPaused || r.deploymentFailed || isCanarying) return 0;
  let limit = maxParallel;
  for (const a of filterByDeployment(untainted, r.deployment.ID).match.values()) {
    const healthy = a.DeploymentStatus?.Healthy ?? null;
    if (healthy === false) return 0;
    if (healthy !== true) limit--;
  }
  return Math.max(0, limit);
}

export function isCanary(a: Allocation): boolean {
  return a.DeploymentStatus?.Canary === true;
}

export function computePlacements(
  tg: TaskGroup,
  names: AllocNameIndex,
  sets: { untainted: AllocSet; migrate: AllocSet; reschedule: AllocSet; lost: AllocSet },
): PlaceResult[] {
  const place: PlaceResult[] = [];
  for (const a of nameOrder(sets.reschedule)) {
    place.push({
      name: a.Name,
      taskGroup: tg,
      previousAlloc: a,
      reschedule: true,
      canary: isCanary(a),
      lost: false,
    });
  }
  let existing = sets.untainted.size + sets.migrate.size + sets.reschedule.size;
  for (const a of nameOrder(sets.lost)) {
    if (existing >= tg.Count) break;
    existing++;
    place.push({
      name: a.Name,
      taskGroup: tg,
      previousAlloc: a,
      reschedule: false,
      canary: isCanary(a),
      lost: true,
    });
  }
  if (existing < tg.Count) {
    for (const name of names.next(tg.Count - existing)) {
      place.push({ name, taskGroup: tg, previousAlloc: null, reschedule: false, canary: false, lost: false });
    }
  }
  return place;
}
