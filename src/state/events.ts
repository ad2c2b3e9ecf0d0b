/**
 * The event stream's events (GET /v1/event/stream), in Nomad's shape: every committed write produces
 * one event per changed job, evaluation, allocation, deployment and node, typed by the log entry
 * that caused it (JobRegistered, PlanResult, AllocationUpdated ...).
 */
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import type { Change } from './changes.ts';

export type EventTopic = 'Job' | 'Evaluation' | 'Allocation' | 'Deployment' | 'Node';

/** Nomad's event types (nomad/structs/event.go), chosen by the kind of log entry. */
export type EventType =
  | 'JobRegistered'
  | 'JobDeregistered'
  | 'JobBatchDeregistered'
  | 'EvaluationUpdated'
  | 'AllocationUpdated'
  | 'AllocationUpdateDesiredStatus'
  | 'PlanResult'
  | 'DeploymentStatusUpdate'
  | 'DeploymentPromotion'
  | 'DeploymentAllocHealth'
  | 'NodeRegistration'
  | 'NodeDeregistration'
  | 'NodeEvent'
  | 'NodeDrain';

export type EventPayload =
  | { Job: Job }
  | { Evaluation: Evaluation }
  | { Allocation: Allocation }
  | { Deployment: Deployment }
  | { Node: Node };

export interface StateEvent {
  Topic: EventTopic;
  Type: EventType;
  Key: string;
  Namespace: string;
  FilterKeys: string[] | null;
  Index: number;
  Payload: EventPayload;
}

export type EventListener = (index: number, events: readonly StateEvent[]) => void;

/** Events for one committed write. Deleted evaluations, allocations and deployments emit none, as in Nomad. */
export function eventsFromChanges(index: number, type: EventType, changes: readonly Change[]): StateEvent[] {
  const out: StateEvent[] = [];
  const base = { Type: type, Index: index };
  for (const c of changes) {
    switch (c.table) {
      case 'jobs': {
        const job = c.row ?? c.old;
        if (job === undefined) break;
        out.push({
          ...base,
          Topic: 'Job',
          Key: job.ID,
          Namespace: job.Namespace,
          FilterKeys: null,
          Payload: { Job: job },
        });
        break;
      }
      case 'evals':
        if (c.row === undefined) break;
        out.push({
          ...base,
          Topic: 'Evaluation',
          Key: c.row.ID,
          Namespace: c.row.Namespace,
          FilterKeys: [c.row.JobID, c.row.DeploymentID],
          Payload: { Evaluation: c.row },
        });
        break;
      case 'allocs':
        if (c.row === undefined) break;
        out.push({
          ...base,
          Topic: 'Allocation',
          Key: c.row.ID,
          Namespace: c.row.Namespace,
          FilterKeys: [c.row.JobID, c.row.DeploymentID],
          // Nomad leaves the job out of allocation events to keep them small.
          Payload: { Allocation: { ...c.row, Job: null } },
        });
        break;
      case 'deployment':
        if (c.row === undefined) break;
        out.push({
          ...base,
          Topic: 'Deployment',
          Key: c.row.ID,
          Namespace: c.row.Namespace,
          FilterKeys: [c.row.JobID],
          Payload: { Deployment: c.row },
        });
        break;
      case 'nodes': {
        const node = c.row ?? c.old;
        if (node === undefined) break;
        // The secret ID never leaves the servers.
        out.push({
          ...base,
          Topic: 'Node',
          Key: node.ID,
          Namespace: '',
          FilterKeys: null,
          Payload: { Node: { ...node, SecretID: '' } },
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}
