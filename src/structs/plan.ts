/** Plans: what a scheduler wants done, and what the plan applier committed of it. */
import type { Allocation } from './allocation.ts';
import type { Deployment, DeploymentStatus } from './deployment.ts';
import type { Job } from './job.ts';

/** Per task group, the counts that `job plan` prints beside the group. */
export interface DesiredUpdates {
  Ignore: number;
  Place: number;
  Migrate: number;
  Stop: number;
  InPlaceUpdate: number;
  DestructiveUpdate: number;
  Canary: number;
  Preemptions: number;
  Reconnect: number;
  Disconnect: number;
  RescheduleNow: number;
  RescheduleLater: number;
}

export interface PlanAnnotations {
  DesiredTGUpdates: Record<string, DesiredUpdates>;
  PreemptedAllocs: unknown[] | null;
}

export interface DeploymentStatusUpdate {
  DeploymentID: string;
  Status: DeploymentStatus;
  StatusDescription: string;
}

export interface Plan {
  EvalID: string;
  EvalToken: string;
  Priority: number;
  AllAtOnce: boolean;
  Job: Job | null;
  /** Allocations to stop or evict, by node. Each carries its new desired status and description. */
  NodeUpdate: Record<string, Allocation[]>;
  /** Allocations to place or update in place, by node. */
  NodeAllocation: Record<string, Allocation[]>;
  NodePreemptions: Record<string, Allocation[]>;
  Annotations: PlanAnnotations | null;
  Deployment: Deployment | null;
  DeploymentUpdates: DeploymentStatusUpdate[] | null;
  SnapshotIndex: number;
}

export interface PlanResult {
  NodeUpdate: Record<string, Allocation[]>;
  NodeAllocation: Record<string, Allocation[]>;
  NodePreemptions: Record<string, Allocation[]>;
  Deployment: Deployment | null;
  DeploymentUpdates: DeploymentStatusUpdate[] | null;
  /** Index at which the plan was committed; 0 when nothing was committed. */
  AllocIndex: number;
  /** When set, the worker's snapshot is too old: refresh to at least this index and retry. */
  RefreshIndex: number;
}

export function emptyDesiredUpdates(): DesiredUpdates {
  return {
    Ignore: 0,
    Place: 0,
    Migrate: 0,
    Stop: 0,
    InPlaceUpdate: 0,
    DestructiveUpdate: 0,
    Canary: 0,
    Preemptions: 0,
    Reconnect: 0,
    Disconnect: 0,
    RescheduleNow: 0,
    RescheduleLater: 0,
  };
}
