/**
 * Linearizable reads by ReadIndex: the leader notes its commit index, confirms with a quorum
 * heartbeat round that it still leads, and only then lets the read be served (once that index is
 * applied). A deposed leader never gathers the quorum, so it can never serve a stale read.
 */
import type { ReadState } from './types.ts';

interface PendingRead {
  seq: number;
  index: number;
  ctx: unknown;
  acks: Set<string>;
}

/** Reads waiting for their quorum round, at most; beyond it the oldest are confirmed or dropped by a step-down. */
export const PENDING_READS_MAX = 65_536;

export class ReadOnly {
  private pending: PendingRead[] = [];
  private awaitingCommit: unknown[] = [];
  private seq = 0;

  /** Holds a read until the leader has committed an entry of its own term (its noop). */
  deferUntilCommit(ctx: unknown): void {
    this.awaitingCommit.push(ctx);
  }

  /** The reads deferred until the leader's first commit; they start their rounds now. */
  takeDeferred(): unknown[] {
    const out = this.awaitingCommit;
    this.awaitingCommit = [];
    return out;
  }

  /** Starts a quorum round for a read at `index`; returns the round's sequence for the heartbeats. */
  begin(ctx: unknown, index: number, self: string): number {
    const seq = ++this.seq;
    this.pending.push({ seq, index, ctx, acks: new Set([self]) });
    if (this.pending.length > PENDING_READS_MAX) this.pending.shift();
    return seq;
  }

  /** A voter answered the heartbeat of round `seq`: returns the reads now confirmed, oldest first. */
  ack(from: string, seq: number, quorum: number): ReadState[] {
    let confirmedUpTo = -1;
    this.pending.forEach((r, i) => {
      if (r.seq <= seq) r.acks.add(from);
      if (r.acks.size >= quorum) confirmedUpTo = i;
    });
    // A quorum confirmed a later read: every earlier one is confirmed too.
    return this.pending.splice(0, confirmedUpTo + 1).map((r) => ({ index: r.index, ctx: r.ctx }));
  }

  /** Leadership is gone: no pending read can be confirmed anymore. */
  reset(): void {
    this.pending = [];
    this.awaitingCommit = [];
  }
}
