/** Evaluations: the unit of scheduling work. Something changed; a scheduler decides what to do. */
import type { AllocMetric } from './allocation.ts';

export type EvalStatus = 'pending' | 'blocked' | 'complete' | 'failed' | 'canceled';

export type EvalTrigger =
  | 'job-register'
  | 'job-deregister'
  | 'periodic-job'
  | 'node-update'
  | 'node-drain'
  | 'alloc-stop'
  | 'rolling-update'
  | 'deployment-watcher'
  | 'alloc-failure'
  | 'alloc-reschedule'
  | 'queued-allocs'
  | 'preemption'
  | 'job-scaling'
  | 'max-plan-attempts'
  | 'failed-follow-up'
  | 'max-disconnect-timeout'
  | 'reconnect'
  | 'scheduled';

export interface Evaluation {
  ID: string;
  Namespace: string;
  Priority: number;
  Type: string; // job type, or "_core"
  TriggeredBy: EvalTrigger | string;
  JobID: string;
  JobModifyIndex: number;
  NodeID: string;
  NodeModifyIndex: number;
  DeploymentID: string;
  Status: EvalStatus;
  StatusDescription: string;
  Wait: number;
  WaitUntil: string | null; // RFC 3339
  NextEval: string;
  PreviousEval: string;
  BlockedEval: string;
  RelatedEvals: unknown[] | null;
  FailedTGAllocs: Record<string, AllocMetric> | null;
  ClassEligibility: Record<string, boolean> | null;
  EscapedComputedClass: boolean;
  QuotaLimitReached: string;
  AnnotatePlan: boolean;
  QueuedAllocations: Record<string, number> | null;
  LeaderACL: string;
  SnapshotIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number; // unix nanoseconds
  ModifyTime: number;
}

export function evalTerminal(e: Pick<Evaluation, 'Status'>): boolean {
  return e.Status === 'complete' || e.Status === 'failed' || e.Status === 'canceled';
}
