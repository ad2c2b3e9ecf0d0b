/**
 * The client's allocation garbage collection (Nomad's client GC with gc_max_allocs): when the client
 * holds more allocations than the limit, it destroys its oldest terminal ones (directory and local
 * state) until it is back at the limit or has no terminal one left. Running allocations are never
 * collected, so the limit does not cap how many a node runs. The servers keep their own record of a
 * collected allocation until their GC; the client remembers what it collected so a later update of
 * that allocation does not start it again.
 */

/** Collected allocation IDs remembered (oldest forgotten first). */
export const COLLECTED_REMEMBERED_MAX = 10_000;

export interface GcCandidate {
  id: string;
  /** When it became terminal; undefined while it still runs. */
  terminalAtMs: number | undefined;
}

/** The allocations to collect, oldest terminal first, so that at most maxAllocs remain. */
export function allocsToCollect(allocs: readonly GcCandidate[], maxAllocs: number): string[] {
  const excess = allocs.length - Math.max(0, maxAllocs);
  if (excess <= 0) return [];
  return allocs
    .filter((a): a is GcCandidate & { terminalAtMs: number } => a.terminalAtMs !== undefined)
    .sort((a, b) => a.terminalAtMs - b.terminalAtMs || a.id.localeCompare(b.id))
    .slice(0, excess)
    .map((a) => a.id);
}

/** The IDs (with their AllocModifyIndex) of allocations this client collected, bounded. */
export class CollectedAllocs {
  readonly #ids = new Map<string, number>();

  add(id: string, allocModifyIndex: number): void {
    this.#ids.delete(id);
    this.#ids.set(id, allocModifyIndex);
    while (this.#ids.size > COLLECTED_REMEMBERED_MAX) {
      const oldest = this.#ids.keys().next().value;
      if (oldest === undefined) break;
      this.#ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** The servers no longer list it: nothing can bring it back. */
  forget(id: string): void {
    this.#ids.delete(id);
  }

  entries(): IterableIterator<[string, number]> {
    return this.#ids.entries();
  }
}
