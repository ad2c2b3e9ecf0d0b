/**
 * The leader's view of each follower: how much of the log it holds (match), what to send next,
 * and how: probe (one append at a time until the match is found), replicate (pipelined appends up
 * to a window), snapshot (waiting for a snapshot to be installed).
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** At most this many append messages in flight to one follower (pipelining). */
export const INFLIGHT_MESSAGES_MAX = 64;
/** At most this many entries in one append message (batching). */
export const ENTRIES_PER_MESSAGE_MAX = 512;

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is outstanding, wait for its answer or a heartbeat response. */
  probeSent = false;
  /** The last index of each in-flight append, oldest first. */
  inflights: number[] = [];
  pendingSnapshot = 0;
  /** Ticks spent waiting in snapshot state: a snapshot message can be lost, so the wait is bounded. */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly isLearner: boolean;

  constructor(next: number, isLearner: boolean) {
    this.next = next;
    this.isLearner = isLearner;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
      this.pendingSnapshot = 0;
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.inflights = [];
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.inflights = [];
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.snapshotTicks = 0;
    this.inflights = [];
  }

  /** Records an acknowledgement up to index. Returns whether the match moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflights.length > 0 && this.inflights[0]! <= index) this.inflights.shift();
    return updated;
  }

  /** Handles a rejection: steps next back toward the follower's log. Returns false for a stale one. */
  maybeDecrease(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.length >= INFLIGHT_MESSAGES_MAX;
      case 'snapshot':
        return true;
    }
  }

  sentEntries(lastIndex: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.push(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }
}

/** The largest index that a majority of voters have: what the leader may commit (if of its term). */
export function quorumIndex(matches: readonly number[]): number {
  if (matches.length === 0) return 0;
  const sorted = [...matches].sort((a, b) => b - a);
  return sorted[Math.floor(sorted.length / 2)]!;
}
