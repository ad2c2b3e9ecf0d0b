/**
 * The FSM: applies committed log entries to the state store, one transaction per entry, in index
 * order. Deterministic: everything it writes comes from the entry and the current state, so
 * applying the same entries to the same state gives the same state on every server.
 *
 * A refused entry (a NomadError thrown by the state store) leaves the state unchanged and is
 * returned as the apply result, as Nomad's FSM returns errors to the proposer.
 *
 * After each entry commits, the registered hooks run (synchronously, in order): the leader uses
 * them to feed the eval broker and blocked evals, the periodic dispatcher, heartbeats and drains.
 */
import { assert } from '../lib/assert.ts';
import { NomadError } from '../lib/errors.ts';
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import {
  deserializeTables,
  serializeTables,
  type Change,
  type EventType,
  type SerializedState,
  type StateSnapshot,
  type StateStore,
} from '../state/index.ts';
import { applyEntry } from './fsm_apply.ts';
import type { LogEntry, LogEntryType } from './log_entry.ts';

/** Callbacks for what an entry changed. Every method is optional; each runs after the commit. */
export interface FsmHooks {
  /** Evaluations created or updated (pending ones go to the broker, blocked ones to blocked evals). */
  evalsUpserted?(evals: readonly Evaluation[], index: number): void;
  /** Allocations created or updated (terminal ones free capacity: unblock their node's class). */
  allocsUpserted?(allocs: readonly Allocation[], index: number): void;
  /** Jobs registered, updated, stopped or changed in status (the periodic dispatcher tracks them). */
  jobsUpserted?(jobs: readonly Job[], index: number): void;
  /** Jobs purged. */
  jobsDeleted?(jobs: readonly Job[], index: number): void;
  /** Nodes registered or changed (status, drain, eligibility). */
  nodesUpserted?(nodes: readonly Node[], index: number): void;
  nodesDeleted?(nodes: readonly Node[], index: number): void;
  deploymentsUpserted?(deployments: readonly Deployment[], index: number): void;
  /** Any entry applied, with its result (for metrics and tests). */
  applied?(index: number, entry: LogEntry, result: unknown): void;
}

/** Nomad's event type for each kind of entry; entries without one publish no events. */
const EVENT_TYPES: Partial<Record<LogEntryType, EventType>> = {
  JobRegister: 'JobRegistered',
  JobDeregister: 'JobDeregistered',
  JobBatchDeregister: 'JobBatchDeregistered',
  JobStability: 'JobRegistered',
  EvalUpdate: 'EvaluationUpdated',
  ApplyPlanResults: 'PlanResult',
  AllocUpdate: 'AllocationUpdated',
  AllocClientUpdate: 'AllocationUpdated',
  AllocUpdateDesiredTransition: 'AllocationUpdateDesiredStatus',
  NodeRegister: 'NodeRegistration',
  NodeDeregister: 'NodeDeregistration',
  NodeUpdateStatus: 'NodeEvent',
  NodeEvents: 'NodeEvent',
  NodeUpdateDrain: 'NodeDrain',
  NodeBatchUpdateDrain: 'NodeDrain',
  NodeUpdateEligibility: 'NodeDrain',
  DeploymentStatusUpdate: 'DeploymentStatusUpdate',
  DeploymentPromotion: 'DeploymentPromotion',
  DeploymentAllocHealth: 'DeploymentAllocHealth',
};

interface Grouped {
  evals: Evaluation[];
  allocs: Allocation[];
  jobs: Job[];
  jobsDeleted: Job[];
  nodes: Node[];
  nodesDeleted: Node[];
  deployments: Deployment[];
}

function groupChanges(changes: readonly Change[]): Grouped {
  const g: Grouped = {
    evals: [],
    allocs: [],
    jobs: [],
    jobsDeleted: [],
    nodes: [],
    nodesDeleted: [],
    deployments: [],
  };
  // A row written twice in one entry is reported once, as it was left.
  const last = new Map<string, Change>();
  for (const c of changes) {
    if (c.table === 'evals' || c.table === 'allocs' || c.table === 'deployment' || c.table === 'nodes') {
      const row = c.row ?? c.old;
      if (row !== undefined) last.set(`${c.table}|${row.ID}`, c);
    } else if (c.table === 'jobs') {
      const row = c.row ?? c.old;
      if (row !== undefined) last.set(`jobs|${row.Namespace}|${row.ID}`, c);
    }
  }
  for (const c of last.values()) {
    if (c.table === 'evals' && c.row !== undefined) g.evals.push(c.row);
    else if (c.table === 'allocs' && c.row !== undefined) g.allocs.push(c.row);
    else if (c.table === 'deployment' && c.row !== undefined) g.deployments.push(c.row);
    else if (c.table === 'nodes') {
      if (c.row !== undefined) g.nodes.push(c.row);
      else if (c.old !== undefined) g.nodesDeleted.push(c.old);
    } else if (c.table === 'jobs') {
      if (c.row !== undefined) g.jobs.push(c.row);
      else if (c.old !== undefined) g.jobsDeleted.push(c.old);
    }
  }
  return g;
}

export class FSM {
  private readonly store: StateStore;
  private readonly hooks: FsmHooks[] = [];
  private lastApplied = 0;

  constructor(store: StateStore) {
    this.store = store;
    this.lastApplied = store.latestIndex();
  }

  state(): StateStore {
    return this.store;
  }

  /** The index of the last applied entry. */
  appliedIndex(): number {
    return this.lastApplied;
  }

  /** Registers hooks; returns the function that removes them. */
  addHooks(hooks: FsmHooks): () => void {
    this.hooks.push(hooks);
    return () => {
      const i = this.hooks.indexOf(hooks);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Applies one committed entry. Returns the entry's result, or the NomadError that refused it. */
  apply(index: number, entry: LogEntry): unknown {
    assert(
      index > this.lastApplied,
      `FSM: entry index ${index} is not after the last applied ${this.lastApplied}`,
    );
    let result: unknown;
    let changes: readonly Change[] = [];
    try {
      const eventType = EVENT_TYPES[entry.type];
      const r = this.store.writeWithChanges(
        index,
        (txn) => applyEntry(txn, entry),
        eventType === undefined ? {} : { eventType },
      );
      result = r.value;
      changes = r.changes;
    } catch (err) {
      // An expected refusal leaves the state unchanged and goes back to the proposer; a bug crashes.
      if (!(err instanceof NomadError)) throw err;
      result = err;
    }
    this.lastApplied = index;
    if (changes.length > 0) this.runHooks(index, groupChanges(changes));
    for (const h of this.hooks) h.applied?.(index, entry, result);
    return result;
  }

  private runHooks(index: number, g: Grouped): void {
    for (const h of this.hooks) {
      if (g.jobs.length > 0) h.jobsUpserted?.(g.jobs, index);
      if (g.jobsDeleted.length > 0) h.jobsDeleted?.(g.jobsDeleted, index);
      if (g.nodes.length > 0) h.nodesUpserted?.(g.nodes, index);
      if (g.nodesDeleted.length > 0) h.nodesDeleted?.(g.nodesDeleted, index);
      if (g.deployments.length > 0) h.deploymentsUpserted?.(g.deployments, index);
      if (g.allocs.length > 0) h.allocsUpserted?.(g.allocs, index);
      if (g.evals.length > 0) h.evalsUpserted?.(g.evals, index);
    }
  }

  /** An immutable view of the state as of the last applied entry. */
  stateSnapshot(): StateSnapshot {
    return this.store.snapshot();
  }

  /** The whole state as plain data, for a raft snapshot at appliedIndex(). */
  snapshot(): FsmSnapshotData {
    return { index: this.lastApplied, state: serializeTables(this.store.snapshot().tables()) };
  }

  /** Replaces the whole state with a snapshot's (raft install snapshot / restart). */
  restore(data: FsmSnapshotData): void {
    this.store.restore(deserializeTables(data.state));
    this.lastApplied = data.index;
  }
}

export interface FsmSnapshotData {
  index: number;
  state: SerializedState;
}
