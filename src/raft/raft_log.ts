/**
 * The core's view of the log: entries after the last snapshot, kept in memory (the driver keeps the
 * durable copy), with the index of the first entry not yet handed to the driver for persistence.
 */
import { assert } from '../lib/assert.ts';
import type { Entry } from './types.ts';

export class RaftLog {
  /** Index and term of the last entry covered by the snapshot (0, 0 without one). */
  snapIndex: number;
  snapTerm: number;
  private entries: Entry[];
  /** Entries with index >= this have not been returned in a Ready yet. */
  unstableFrom: number;
  committed: number;
  applied: number;

  constructor(opts: {
    snapIndex: number;
    snapTerm: number;
    entries: Entry[];
    committed: number;
    applied: number;
  }) {
    this.snapIndex = opts.snapIndex;
    this.snapTerm = opts.snapTerm;
    this.entries = opts.entries;
    for (let i = 0; i < this.entries.length; i++) {
      assert(
        this.entries[i]!.index === this.snapIndex + 1 + i,
        'log entries must be contiguous after the snapshot',
      );
    }
    this.unstableFrom = this.lastIndex() + 1;
    this.committed = opts.committed;
    this.applied = opts.applied;
  }

  firstIndex(): number {
    return this.snapIndex + 1;
  }

  lastIndex(): number {
    return this.snapIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? this.snapTerm;
  }

  /** The term of the entry at index, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapIndex) return this.snapTerm;
    if (index < this.snapIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapIndex - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.snapIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapIndex - 1];
  }

  /** Entries in [lo, hi), at most maxCount of them. lo must be > snapIndex. */
  slice(lo: number, hi: number, maxCount = Infinity): Entry[] {
    assert(lo > this.snapIndex, `slice from ${lo} reaches into the snapshot at ${this.snapIndex}`);
    const end = Math.min(hi, this.lastIndex() + 1, lo + maxCount);
    if (end <= lo) return [];
    return this.entries.slice(lo - this.snapIndex - 1, end - this.snapIndex - 1);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    assert(first === this.lastIndex() + 1, `append at ${first} does not follow ${this.lastIndex()}`);
    for (const e of entries) this.entries.push(e);
  }

  /**
   * Appends a leader's entries after (prevIndex, prevTerm), truncating a conflicting suffix.
   * Returns the index of the last new entry, or undefined when prevIndex/prevTerm don't match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    for (const e of entries) {
      if (e.index <= this.snapIndex) continue;
      const existing = this.term(e.index);
      if (existing === e.term) continue;
      assert(
        e.index > this.committed,
        `conflict at ${e.index} would truncate committed entries (${this.committed})`,
      );
      this.truncateFrom(e.index);
      this.append(entries.filter((x) => x.index >= e.index));
      break;
    }
    return lastNew;
  }

  private truncateFrom(index: number): void {
    this.entries.length = index - this.snapIndex - 1;
    if (this.unstableFrom > index) this.unstableFrom = index;
  }

  /** The first index of the term that the entry at `index` has: a quicker back-off on rejection. */
  firstIndexOfTermAt(index: number): number {
    const t = this.term(index);
    if (t === undefined) return Math.min(index, this.lastIndex());
    let i = index;
    while (i - 1 > this.snapIndex && this.term(i - 1) === t) i--;
    return i;
  }

  commitTo(index: number): void {
    if (index > this.committed) {
      assert(index <= this.lastIndex(), `commit ${index} beyond the last index ${this.lastIndex()}`);
      this.committed = index;
    }
  }

  unstableEntries(): Entry[] {
    if (this.unstableFrom > this.lastIndex()) return [];
    return this.slice(this.unstableFrom, this.lastIndex() + 1);
  }

  markStable(upTo: number): void {
    this.unstableFrom = Math.max(this.unstableFrom, upTo + 1);
  }

  /** Replaces the whole log with a snapshot's position (a follower installing a leader's snapshot). */
  restore(snapIndex: number, snapTerm: number): void {
    this.snapIndex = snapIndex;
    this.snapTerm = snapTerm;
    this.entries = [];
    this.unstableFrom = snapIndex + 1;
    this.committed = snapIndex;
    this.applied = snapIndex;
  }

  /** Drops entries up to and including index (the application took a snapshot there). */
  compact(index: number, term: number): void {
    assert(index <= this.applied, `compact at ${index} beyond the applied index ${this.applied}`);
    if (index <= this.snapIndex) return;
    this.entries = this.entries.slice(index - this.snapIndex);
    this.snapIndex = index;
    this.snapTerm = term;
  }
}
