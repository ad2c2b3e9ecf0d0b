/**
 * Allocation names, "<job>.<group>[<index>]": which indexes are taken, which to use for new
 * placements (the lowest free ones below the count, reusing indexes), and which to stop when
 * scaling down (the highest).
 */
import type { Allocation } from '../structs/allocation.ts';
import { allocIndex, allocName } from '../structs/allocation.ts';

/**
 * A string joined from parts is a tree of pieces in V8 (about 130 bytes for a name like
 * "web.api[12]" and its parts); a name lives as long as its allocation, so it is copied into one
 * flat string. Parsing makes a new flat string; engine shortcuts such as converting to a number
 * or joining a one-element array leave the tree in place in Node 24.
 */
export function flatString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

export class AllocNameIndex {
  private readonly jobId: string;
  private readonly group: string;
  private readonly count: number;
  private readonly used = new Set<number>();

  constructor(jobId: string, group: string, count: number, inUse: Iterable<Allocation>) {
    this.jobId = jobId;
    this.group = group;
    this.count = count;
    for (const a of inUse) this.used.add(allocIndex(a.Name));
  }

  private name(i: number): string {
    return flatString(allocName(this.jobId, this.group, i));
  }

  /** Names for n new placements: free indexes below the count first, then reused low ones. */
  next(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count && out.length < n; i++) {
      if (this.used.has(i)) continue;
      this.used.add(i);
      out.push(this.name(i));
    }
    for (let i = 0; out.length < n; i++) {
      this.used.add(i);
      out.push(this.name(i));
    }
    return out;
  }

  /**
   * Names for n canaries: first those of allocations being destructively updated (they will be
   * replaced), then free indexes, then indexes above the count, never a name a canary has.
   */
  nextCanaries(n: number, canaries: Iterable<Allocation>, destructive: Iterable<Allocation>): string[] {
    const out: string[] = [];
    const taken = new Set<string>();
    for (const c of canaries) taken.add(c.Name);
    const destructiveIdx = [...new Set([...destructive].map((a) => allocIndex(a.Name)))]
      .filter((i) => i < this.count)
      .sort((x, y) => x - y);
    for (const i of destructiveIdx) {
      if (out.length >= n) return out;
      const name = this.name(i);
      if (taken.has(name)) continue;
      out.push(name);
      taken.add(name);
      this.used.add(i);
    }
    for (let i = 0; i < this.count && out.length < n; i++) {
      const name = this.name(i);
      if (this.used.has(i) || taken.has(name)) continue;
      out.push(name);
      taken.add(name);
      this.used.add(i);
    }
    for (let i = this.count; out.length < n; i++) out.push(this.name(i));
    return out;
  }

  /** The names of the n highest taken indexes. */
  highest(n: number): Set<string> {
    const sorted = [...this.used].sort((x, y) => y - x).slice(0, Math.max(0, n));
    return new Set(sorted.map((i) => this.name(i)));
  }

  unset(index: number): void {
    this.used.delete(index);
  }
}
