/**
 * Blocked evaluations (leader only): evaluations that could not place everything wait here until
 * capacity appears. At most one per job; a newer one replaces an older one, which becomes a
 * duplicate for the leader to cancel. An evaluation whose constraints the computed node classes
 * capture is unblocked only by a change on a class it found eligible (or one it never saw); an
 * escaped one by any change. A system job's evaluation for one node waits for that node.
 */
import type { Evaluation } from '../structs/evaluation.ts';

/** Evaluations the worker reblocked while holding this broker token go back with it. */
export interface BlockedEvalSink {
  enqueue(evaluation: Evaluation): void;
  enqueueWithToken(evaluation: Evaluation, token: string): void;
}

/** At most this many duplicates are handed out for cancelling in one log entry. */
export const DUPLICATES_BATCH_MAX = 728;
export const FAILED_EVAL_UNBLOCK_INTERVAL_MS = 60_000;

export interface BlockedStats {
  TotalBlocked: number;
  TotalEscaped: number;
  TotalCaptured: number;
  TotalSystem: number;
}

interface Wrapped {
  evaluation: Evaluation;
  token: string;
}

const jobKey = (namespace: string, jobId: string): string => `${namespace}\u0000${jobId}`;
/** The index of the newest information an evaluation was computed from. */
const latestEvalIndex = (e: Evaluation): number => Math.max(e.CreateIndex, e.SnapshotIndex);
const isSystemEval = (e: Evaluation): boolean =>
  (e.Type === 'system' || e.Type === 'sysbatch') && e.NodeID !== '';

export class BlockedEvals {
  readonly #broker: BlockedEvalSink;
  #enabled = false;
  /** The blocked evaluation's ID per job. */
  #jobs = new Map<string, string>();
  #captured = new Map<string, Wrapped>();
  #escaped = new Map<string, Wrapped>();
  /** System evaluations by node ID, then by job. */
  #system = new Map<string, Map<string, Wrapped>>();
  /** The index of the last unblock per computed class: catches evaluations that missed one. */
  #unblockIndexes = new Map<string, number>();
  #duplicates: Evaluation[] = [];

  constructor(broker: BlockedEvalSink) {
    this.#broker = broker;
  }

  enabled(): boolean {
    return this.#enabled;
  }

  setEnabled(enabled: boolean): void {
    const was = this.#enabled;
    this.#enabled = enabled;
    if (was && !enabled) this.#flush();
  }

  /** Tracks a blocked evaluation (from the FSM on the leader, or a restore). */
  block(evaluation: Evaluation): void {
    this.#processBlock(evaluation, '');
  }

  /** A worker holding `token` found the unblocked evaluation still cannot place everything. */
  reblock(evaluation: Evaluation, token: string): void {
    this.#processBlock(evaluation, token);
  }

  /** Whether the job has a blocked evaluation. */
  hasBlocked(namespace: string, jobId: string): boolean {
    return this.#jobs.has(jobKey(namespace, jobId));
  }

  /** The job no longer needs its blocked evaluation (it was placed, or the job is gone). */
  untrack(namespace: string, jobId: string): void {
    const key = jobKey(namespace, jobId);
    const id = this.#jobs.get(key);
    if (id !== undefined) {
      this.#jobs.delete(key);
      this.#captured.delete(id);
      this.#escaped.delete(id);
    }
    for (const [nodeId, byJob] of this.#system) {
      byJob.delete(key);
      if (byJob.size === 0) this.#system.delete(nodeId);
    }
  }

  /** Capacity changed on nodes of a computed class at `index`: wake the evaluations it may help. */
  unblock(computedClass: string, index: number): void {
    if (!this.#enabled) return;
    this.#unblockIndexes.set(computedClass, Math.max(index, this.#unblockIndexes.get(computedClass) ?? 0));
    const out: Wrapped[] = [...this.#escaped.values()];
    this.#escaped.clear();
    for (const [id, w] of this.#captured) {
      // A class the evaluation explicitly found ineligible cannot help it.
      if (w.evaluation.ClassEligibility?.[computedClass] === false) continue;
      out.push(w);
      this.#captured.delete(id);
    }
    for (const w of out) this.#jobs.delete(jobKey(w.evaluation.Namespace, w.evaluation.JobID));
    this.#release(out);
  }

  /** A node changed (came up, became eligible, freed capacity): wake the system evaluations for it. */
  unblockNode(nodeId: string): void {
    if (!this.#enabled) return;
    const byJob = this.#system.get(nodeId);
    if (byJob === undefined) return;
    this.#system.delete(nodeId);
    this.#release([...byJob.values()]);
  }

  /** Wakes the evaluations blocked because the scheduler gave up (max plan attempts). */
  unblockFailed(): void {
    if (!this.#enabled) return;
    const out: Wrapped[] = [];
    for (const table of [this.#captured, this.#escaped]) {
      for (const [id, w] of table) {
        if (w.evaluation.TriggeredBy !== 'max-plan-attempts') continue;
        out.push(w);
        table.delete(id);
        this.#jobs.delete(jobKey(w.evaluation.Namespace, w.evaluation.JobID));
      }
    }
    this.#release(out);
  }

  /** Takes up to `max` replaced evaluations for the leader to write as canceled. */
  takeDuplicates(max = DUPLICATES_BATCH_MAX): Evaluation[] {
    return this.#duplicates.splice(0, Math.min(max, DUPLICATES_BATCH_MAX));
  }

  stats(): BlockedStats {
    let system = 0;
    for (const byJob of this.#system.values()) system += byJob.size;
    return {
      TotalBlocked: this.#captured.size + this.#escaped.size + system,
      TotalEscaped: this.#escaped.size,
      TotalCaptured: this.#captured.size,
      TotalSystem: system,
    };
  }

  #processBlock(evaluation: Evaluation, token: string): void {
    if (!this.#enabled) return;
    if (isSystemEval(evaluation)) {
      let byJob = this.#system.get(evaluation.NodeID);
      if (byJob === undefined) this.#system.set(evaluation.NodeID, (byJob = new Map()));
      byJob.set(jobKey(evaluation.Namespace, evaluation.JobID), { evaluation, token });
      return;
    }
    if (this.#replacedByExisting(evaluation)) return;
    if (this.#missedUnblock(evaluation)) {
      this.#release([{ evaluation, token }]);
      return;
    }
    this.#jobs.set(jobKey(evaluation.Namespace, evaluation.JobID), evaluation.ID);
    const w = { evaluation, token };
    if (evaluation.EscapedComputedClass) this.#escaped.set(evaluation.ID, w);
    else this.#captured.set(evaluation.ID, w);
  }

  /** Keeps one blocked evaluation per job: returns true when the new one is the duplicate. */
  #replacedByExisting(evaluation: Evaluation): boolean {
    const existingId = this.#jobs.get(jobKey(evaluation.Namespace, evaluation.JobID));
    if (existingId === undefined || existingId === evaluation.ID) {
      if (existingId !== undefined) {
        this.#captured.delete(existingId);
        this.#escaped.delete(existingId);
      }
      return false;
    }
    const existing = this.#captured.get(existingId) ?? this.#escaped.get(existingId);
    if (existing === undefined) return false;
    if (latestEvalIndex(existing.evaluation) <= latestEvalIndex(evaluation)) {
      this.#captured.delete(existingId);
      this.#escaped.delete(existingId);
      this.#duplicates.push(existing.evaluation);
      return false;
    }
    this.#duplicates.push(evaluation);
    return true;
  }

  /**
   * Whether capacity changed after the scheduler took its snapshot, in a way that could help:
   * then the evaluation goes straight back to the broker instead of waiting for the next change.
   */
  #missedUnblock(evaluation: Evaluation): boolean {
    let max = 0;
    for (const [cls, index] of this.#unblockIndexes) {
      max = Math.max(max, index);
      if (evaluation.SnapshotIndex >= index) continue;
      const elig = evaluation.ClassEligibility?.[cls];
      if (elig === undefined || elig) return true;
    }
    return evaluation.EscapedComputedClass && evaluation.SnapshotIndex < max;
  }

  #release(items: readonly Wrapped[]): void {
    for (const w of items) {
      if (w.token === '') this.#broker.enqueue(w.evaluation);
      else this.#broker.enqueueWithToken(w.evaluation, w.token);
    }
  }

  #flush(): void {
    this.#jobs.clear();
    this.#captured.clear();
    this.#escaped.clear();
    this.#system.clear();
    this.#unblockIndexes.clear();
    this.#duplicates = [];
  }
}
