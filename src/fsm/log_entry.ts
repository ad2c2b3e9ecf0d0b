/**
 * Log entries: every write to the cluster's state is one of these, proposed to the log, committed,
 * then applied by the FSM in index order. Entries carry everything the FSM needs to be
 * deterministic: IDs, times (unix nanoseconds unless named otherwise) and whole objects. They are
 * plain JSON-compatible data so raft can persist and ship them.
 */
import type { Allocation, DesiredTransition } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type {
  DrainStrategy,
  Node,
  NodeEvent,
  NodeSchedulingEligibility,
  NodeStatus,
} from '../structs/node.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { DeploymentStatusUpdate } from '../structs/plan.ts';
import type {
  AllocClientUpdateRow,
  AllocPreemptDiff,
  AllocStopDiff,
  Namespace,
  PeriodicLaunch,
} from '../state/index.ts';

/** Registers a new version of a job (already canonicalized and validated), with its evaluation. */
export interface JobRegisterEntry {
  type: 'JobRegister';
  job: Job;
  eval: Evaluation | null;
  /**
   * Check-and-set: applied only if the stored job's JobModifyIndex is this (0: no job). Checked
   * here, at apply time, because a check made by the endpoint before proposing can be overtaken by
   * an entry committed in between (a scale would silently undo a concurrent update).
   */
  expectedJobModifyIndex?: number;
}

/** Stops a job (a new version with Stop = true, SubmitTime = submitTime) or purges it. */
export interface JobDeregisterEntry {
  type: 'JobDeregister';
  namespace: string;
  jobId: string;
  purge: boolean;
  submitTime: number;
  eval: Evaluation | null;
}

export interface JobBatchDeregisterEntry {
  type: 'JobBatchDeregister';
  jobs: { namespace: string; jobId: string; purge: boolean }[];
  submitTime: number;
  evals: Evaluation[];
}

/** Marks one version of a job stable or not. */
export interface JobStabilityEntry {
  type: 'JobStability';
  namespace: string;
  jobId: string;
  version: number;
  stable: boolean;
}

/** Creates or updates evaluations (endpoints, workers' status updates, follow-ups, re-blocks). */
export interface EvalUpdateEntry {
  type: 'EvalUpdate';
  evals: Evaluation[];
}

/** Garbage collection of evaluations and allocations. */
export interface EvalDeleteEntry {
  type: 'EvalDelete';
  evalIds: string[];
  allocIds: string[];
}

/** What the plan applier committed of one plan. */
export interface ApplyPlanResultsEntry {
  type: 'ApplyPlanResults';
  /** The plan's job: attached to every updated allocation whose Job is null. */
  job: Job | null;
  evalId: string;
  allocsUpdated: Allocation[];
  allocsStopped: AllocStopDiff[];
  allocsPreempted: AllocPreemptDiff[];
  deployment: Deployment | null;
  deploymentUpdates: DeploymentStatusUpdate[];
  preemptionEvals: Evaluation[];
}

/** Server-side upsert of whole allocations (tests, tools); plans use ApplyPlanResults. */
export interface AllocUpdateEntry {
  type: 'AllocUpdate';
  allocs: Allocation[];
  job: Job | null;
  evals: Evaluation[];
}

/** A batch of client updates (Node.UpdateAlloc), with the evaluations they made necessary. */
export interface AllocClientUpdateEntry {
  type: 'AllocClientUpdate';
  allocs: (AllocClientUpdateRow & { NodeID: string })[];
  evals: Evaluation[];
}

export interface AllocUpdateDesiredTransitionEntry {
  type: 'AllocUpdateDesiredTransition';
  /** alloc ID -> the fields of the transition to set (absent fields are left alone) */
  allocs: Record<string, Partial<DesiredTransition>>;
  evals: Evaluation[];
}

export interface NodeRegisterEntry {
  type: 'NodeRegister';
  node: Node;
}

export interface NodeDeregisterEntry {
  type: 'NodeDeregister';
  nodeIds: string[];
}

export interface NodeUpdateStatusEntry {
  type: 'NodeUpdateStatus';
  nodeId: string;
  status: NodeStatus;
  /** Unix seconds, as Node.StatusUpdatedAt. */
  updatedAt: number;
  event: NodeEvent | null;
  /** Evaluations for the node's jobs (a node going down or coming back needs rescheduling). */
  evals: Evaluation[];
}

export interface NodeUpdateDrainEntry {
  type: 'NodeUpdateDrain';
  nodeId: string;
  drain: DrainStrategy | null;
  markEligible: boolean;
  updatedAt: number;
  event: NodeEvent | null;
}

export interface NodeBatchUpdateDrainEntry {
  type: 'NodeBatchUpdateDrain';
  updates: { nodeId: string; drain: DrainStrategy | null; markEligible: boolean; event: NodeEvent | null }[];
  updatedAt: number;
}

export interface NodeUpdateEligibilityEntry {
  type: 'NodeUpdateEligibility';
  nodeId: string;
  eligibility: NodeSchedulingEligibility;
  updatedAt: number;
  event: NodeEvent | null;
}

export interface NodeEventsEntry {
  type: 'NodeEvents';
  events: Record<string, NodeEvent[]>;
}

export interface DeploymentStatusUpdateEntry {
  type: 'DeploymentStatusUpdate';
  update: DeploymentStatusUpdate;
  /** A job to register with the update (auto-revert to the last stable version). */
  job: Job | null;
  eval: Evaluation | null;
}

export interface DeploymentPromotionEntry {
  type: 'DeploymentPromotion';
  deploymentId: string;
  all: boolean;
  groups: string[];
  eval: Evaluation | null;
  nowNs: number;
}

export interface DeploymentAllocHealthEntry {
  type: 'DeploymentAllocHealth';
  deploymentId: string;
  healthyAllocIds: string[];
  unhealthyAllocIds: string[];
  /** RFC 3339 */
  timestamp: string;
  update: DeploymentStatusUpdate | null;
  job: Job | null;
  eval: Evaluation | null;
}

export interface DeploymentDeleteEntry {
  type: 'DeploymentDelete';
  deploymentIds: string[];
}

export interface PeriodicLaunchEntry {
  type: 'PeriodicLaunch';
  launch: PeriodicLaunch;
}

/** Sets the scheduler configuration; with casIndex, only if the stored ModifyIndex equals it. */
export interface SchedulerConfigEntry {
  type: 'SchedulerConfig';
  config: SchedulerConfiguration;
  casIndex: number | null;
}

export interface NamespaceUpsertEntry {
  type: 'NamespaceUpsert';
  namespaces: Namespace[];
}

export type LogEntry =
  | JobRegisterEntry
  | JobDeregisterEntry
  | JobBatchDeregisterEntry
  | JobStabilityEntry
  | EvalUpdateEntry
  | EvalDeleteEntry
  | ApplyPlanResultsEntry
  | AllocUpdateEntry
  | AllocClientUpdateEntry
  | AllocUpdateDesiredTransitionEntry
  | NodeRegisterEntry
  | NodeDeregisterEntry
  | NodeUpdateStatusEntry
  | NodeUpdateDrainEntry
  | NodeBatchUpdateDrainEntry
  | NodeUpdateEligibilityEntry
  | NodeEventsEntry
  | DeploymentStatusUpdateEntry
  | DeploymentPromotionEntry
  | DeploymentAllocHealthEntry
  | DeploymentDeleteEntry
  | PeriodicLaunchEntry
  | SchedulerConfigEntry
  | NamespaceUpsertEntry;

export type LogEntryType = LogEntry['type'];
