/** What every endpoint needs: the log to write through, the store to read, time and IDs. */
import type { Clock } from '../lib/clock.ts';
import { NomadError } from '../lib/errors.ts';
import type { IdSource } from '../lib/random.ts';
import type { Log } from '../fsm/log.ts';
import type { StateStore } from '../state/index.ts';
import type { Evaluation, EvalTrigger } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import { DEFAULT_NAMESPACE } from '../structs/job.ts';

export interface EndpointDeps {
  log: Log;
  store: StateStore;
  clock: Clock;
  ids: IdSource;
}

/** A blocking query's options: wait for an index past minIndex until the signal aborts. */
export interface QueryOptions {
  minIndex?: number;
  signal?: AbortSignal;
}

export interface QueryResponse<T> {
  index: number;
  value: T;
}

/** Unix nanoseconds, as the model's times are kept. */
export function nowNs(clock: Clock): number {
  return clock.nowMs() * 1e6;
}

export function namespaceOf(namespace: string | undefined): string {
  return namespace === undefined || namespace === '' ? DEFAULT_NAMESPACE : namespace;
}

export function requireId(value: string | undefined, message: string): string {
  if (value === undefined || value === '') throw new NomadError('bad_request', message);
  return value;
}

/** A new pending evaluation for a job. */
export function newJobEval(
  deps: Pick<EndpointDeps, 'clock' | 'ids'>,
  job: Pick<Job, 'ID' | 'Namespace' | 'Priority'> & { Type: string },
  fields: { triggeredBy: EvalTrigger | string; priority?: number; jobModifyIndex?: number; nodeId?: string },
): Evaluation {
  const now = nowNs(deps.clock);
  return {
    ID: deps.ids.uuid(),
    Namespace: job.Namespace,
    Priority: fields.priority !== undefined && fields.priority > 0 ? fields.priority : job.Priority,
    Type: job.Type,
    TriggeredBy: fields.triggeredBy,
    JobID: job.ID,
    JobModifyIndex: fields.jobModifyIndex ?? 0,
    NodeID: fields.nodeId ?? '',
    NodeModifyIndex: 0,
    DeploymentID: '',
    Status: 'pending',
    StatusDescription: '',
    Wait: 0,
    WaitUntil: null,
    NextEval: '',
    PreviousEval: '',
    BlockedEval: '',
    RelatedEvals: null,
    FailedTGAllocs: null,
    ClassEligibility: null,
    EscapedComputedClass: false,
    QuotaLimitReached: '',
    AnnotatePlan: false,
    QueuedAllocations: null,
    LeaderACL: '',
    SnapshotIndex: 0,
    CreateIndex: 0,
    ModifyIndex: 0,
    CreateTime: now,
    ModifyTime: now,
  };
}
