/**
 * The state store: the current version of the tables, snapshots of it for readers, atomic write
 * transactions for the FSM, watches for blocking queries and an event hook for the event stream.
 *
 * Guarantees:
 * - snapshot() is O(1) and never changes afterwards, whatever is written later.
 * - write() applies all of its function's changes or none (a throw discards the transaction).
 * - After a write commits, waiters whose watch items it touched are woken, then event listeners
 *   are called with the write's events (synchronously, in commit order).
 */
import type { Allocation } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';
import { defaultSchedulerConfiguration } from '../structs/operator.ts';
import { DEFAULT_NAMESPACE } from '../structs/job.ts';
import type { Change } from './changes.ts';
import { eventsFromChanges, type EventListener, type EventType } from './events.ts';
import type { Namespace } from './rows.ts';
import { SortedMap } from './sorted_map.ts';
import { StateReader } from './state_reader.ts';
import { settleJobStatuses } from './state_store_jobs.ts';
import { StateTxn } from './state_txn.ts';
import { emptyTableIndexes, type Tables } from './tables.ts';
import { WatchRegistry, type WatchItem } from './watch.ts';

/** An immutable view of the state at one index; implements the scheduler's SchedulerState. */
export class StateSnapshot extends StateReader {
  /** The tables of this snapshot (for serialization). */
  tables(): Tables {
    return this.t;
  }

  /**
   * The same frozen list for every snapshot until a node changes (no copy per call): the
   * scheduler keys what it derives from the node list by this list.
   */
  override nodes(): readonly Node[] {
    return this.t.nodes.committedValues();
  }

  /**
   * A node's allocations as one frozen list, made once per version of the node's index entry
   * and shared by every later snapshot in which that entry is unchanged: the scheduler and the
   * plan applier read it for every node they look at.
   */
  override allocsByNode(nodeId: string): readonly Allocation[] {
    return this.t.allocsByNode.get(nodeId)?.committedValues() ?? NO_ALLOCS;
  }
}

const NO_ALLOCS: readonly Allocation[] = Object.freeze([]);

export function defaultNamespace(): Namespace {
  return {
    Name: DEFAULT_NAMESPACE,
    Description: 'Default shared namespace',
    Meta: null,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

export function emptyTables(): Tables {
  const tables: Tables = {
    jobs: SortedMap.empty(),
    jobVersions: SortedMap.empty(),
    jobSummaries: SortedMap.empty(),
    evals: SortedMap.empty(),
    evalsByJob: SortedMap.empty(),
    allocs: SortedMap.empty(),
    allocsByJob: SortedMap.empty(),
    allocsByNode: SortedMap.empty(),
    allocsByEval: SortedMap.empty(),
    allocsByDeployment: SortedMap.empty(),
    deployments: SortedMap.empty(),
    deploymentsByJob: SortedMap.empty(),
    nodes: SortedMap.empty(),
    periodicLaunches: SortedMap.empty(),
    namespaces: SortedMap.empty<Namespace>().set(DEFAULT_NAMESPACE, Object.freeze(defaultNamespace())),
    schedulerConfig: Object.freeze(defaultSchedulerConfiguration()),
    tableIndexes: Object.freeze(emptyTableIndexes()),
    latestIndex: 0,
  };
  return Object.freeze(tables);
}

export interface WriteOptions {
  /** The event type of the log entry; no events are published without one. */
  eventType?: EventType;
}

export class StateStore {
  private root: Tables;
  private readonly watches = new WatchRegistry();
  private readonly listeners = new Set<EventListener>();

  constructor(tables: Tables = emptyTables()) {
    this.root = tables;
  }

  snapshot(): StateSnapshot {
    return new StateSnapshot(this.root);
  }

  latestIndex(): number {
    return this.root.latestIndex;
  }

  /**
   * Runs fn in a write transaction at the given index and commits it. Job statuses touched by the
   * transaction are settled before the commit. The index must not be behind the latest index.
   */
  write<T>(index: number, fn: (txn: StateTxn) => T, opts: WriteOptions = {}): T {
    return this.writeWithChanges(index, fn, opts).value;
  }

  /** As write(), also returning the committed row changes (the FSM derives its hooks from them). */
  writeWithChanges<T>(
    index: number,
    fn: (txn: StateTxn) => T,
    opts: WriteOptions = {},
  ): { value: T; changes: readonly Change[] } {
    const txn = new StateTxn(this.root, index);
    const value = fn(txn);
    settleJobStatuses(txn);
    this.root = txn.result();
    this.watches.notify(txn.changes);
    if (opts.eventType !== undefined && this.listeners.size > 0 && txn.changes.length > 0) {
      const events = eventsFromChanges(index, opts.eventType, txn.changes);
      if (events.length > 0) for (const l of this.listeners) l(index, events);
    }
    return { value, changes: txn.changes };
  }

  /** Replaces the whole state (raft snapshot restore) and wakes every waiter. */
  restore(tables: Tables): void {
    this.root = tables;
    this.watches.notifyAll();
  }

  /** Resolves true when a later commit touches one of the items, false when the signal aborts first. */
  watch(items: readonly WatchItem[], signal?: AbortSignal): Promise<boolean> {
    return this.watches.wait(items, signal);
  }

  /** How many blocking queries are waiting (for tests and metrics). */
  watcherCount(): number {
    return this.watches.size;
  }

  /** Calls listener with the events of every later commit; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface QueryResult<T> {
  /** The index the result reflects (a table index, or the highest modify index among the rows read). */
  index: number;
  value: T;
  /** What the query read: a commit touching any of these wakes the query. */
  items: readonly WatchItem[];
}

/**
 * Runs a blocking query: returns at once when minIndex is 0 or the result's index is past it;
 * otherwise waits for a commit touching what the query read, runs it again, and repeats. When the
 * signal aborts (the caller's wait time is up), returns the current result.
 */
export async function blockingQuery<T>(
  store: StateStore,
  opts: { minIndex: number; signal?: AbortSignal },
  run: (snap: StateSnapshot) => QueryResult<T>,
): Promise<{ index: number; value: T }> {
  for (;;) {
    const r = run(store.snapshot());
    if (opts.minIndex === 0 || r.index > opts.minIndex || opts.signal?.aborted === true) {
      return { index: r.index, value: r.value };
    }
    const changed = await store.watch(r.items, opts.signal);
    if (!changed) {
      const last = run(store.snapshot());
      return { index: last.index, value: last.value };
    }
  }
}
