/** What the cluster reconciler takes and returns: explicit values, no hidden state. */
import type { AllocClientStatus, Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { DeploymentStatusUpdate, DesiredUpdates } from '../structs/plan.ts';
import type { IdSource } from '../lib/random.ts';
import type { TaintedNodes } from './alloc_sets.ts';

/** A placement the scheduler must find a node for. */
export interface PlaceResult {
  name: string;
  taskGroup: TaskGroup;
  canary: boolean;
  /** The allocation this one replaces (rescheduled, lost or migrated), if any. */
  previousAlloc: Allocation | null;
  reschedule: boolean;
  lost: boolean;
}

export interface StopResult {
  alloc: Allocation;
  statusDescription: string;
  clientStatus?: AllocClientStatus;
  followupEvalId?: string;
}

/** Stop one allocation and place its replacement, atomically (a destructive update). */
export interface DestructiveResult {
  placeName: string;
  placeTaskGroup: TaskGroup;
  stopAlloc: Allocation;
  stopStatusDescription: string;
}

/**
 * How an existing allocation relates to the new job version: unchanged (ignore), replaceable only
 * destructively, or updatable in place (with the updated allocation).
 */
export type AllocUpdate =
  { kind: 'ignore' } | { kind: 'destructive' } | { kind: 'inplace'; updated: Allocation };
export type AllocUpdateFn = (existing: Allocation, job: Job, tg: TaskGroup) => AllocUpdate;

export interface ReconcileInput {
  /** The job, or null when it was purged (then every allocation stops). */
  job: Job | null;
  jobId: string;
  namespace: string;
  /** Every allocation of the job, all versions. */
  allocs: readonly Allocation[];
  taintedNodes: TaintedNodes;
  /** The job's latest deployment, if any. */
  deployment: Deployment | null;
  batch: boolean;
  nowNs: number;
  evalId: string;
  evalPriority: number;
  ids: IdSource;
  allocUpdateFn: AllocUpdateFn;
}

export interface ReconcileResult {
  place: PlaceResult[];
  stop: StopResult[];
  inplaceUpdate: Allocation[];
  destructiveUpdate: DestructiveResult[];
  /** Allocations kept as they are. */
  ignore: Allocation[];
  /** Allocations moving off draining nodes (each also has a stop and a placement). */
  migrate: Allocation[];
  /** Allocations on down or gone nodes (each also has a stop, and a placement if still needed). */
  lost: Allocation[];
  /** Updates of allocation fields only, such as the follow-up evaluation of a delayed reschedule. */
  attributeUpdates: Allocation[];
  /** A deployment created by this reconciliation. */
  deployment: Deployment | null;
  /** The deployment placements belong to: the created one, or the job version's active one. */
  activeDeployment: Deployment | null;
  deploymentUpdates: DeploymentStatusUpdate[];
  desiredTGUpdates: Record<string, DesiredUpdates>;
  /** Evaluations to run later (delayed reschedules), by task group. */
  followupEvals: Record<string, Evaluation[]>;
}
