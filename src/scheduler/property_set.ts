/**
 * Counts of a job's live allocations per value of a node property (a spread attribute or a
 * distinct_property target), kept up to date as the plan places and stops allocations.
 */
import type { NodeBase, PropertyValues } from './node_base.ts';

/** The value every node property outside a spread's explicit targets counts under. */
export const IMPLICIT_TARGET = '*';
const UNKNOWN = -2;
const MISSING = -1;

export class PropertySet {
  /** The node property, as a constraint target ("${meta.rack}", "${node.datacenter}"). */
  readonly attribute: string;
  /** The task group whose allocations count, or null for every group of the job. */
  readonly taskGroup: string | null;
  private readonly targets: Set<string> | null;
  /** The property resolved per node, shared with other evaluations of the same nodes. */
  private readonly resolved: PropertyValues;
  /** This set's value id per resolved value id (filled as values are first met). */
  private readonly idOfResolved: number[] = [];
  private readonly valueIds: Int32Array;
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  /** Allocation count per value id. */
  readonly counts: number[] = [];
  /** Whether a value ever held an allocation: only those take part in even spreading. */
  readonly used: boolean[] = [];

  constructor(
    base: NodeBase,
    opts: { attribute: string; taskGroup: string | null; targets: readonly string[] | null },
  ) {
    this.attribute = opts.attribute;
    this.taskGroup = opts.taskGroup;
    this.targets = opts.targets !== null && opts.targets.length > 0 ? new Set(opts.targets) : null;
    this.resolved = base.property(opts.attribute);
    this.valueIds = new Int32Array(base.nodes.length).fill(UNKNOWN);
  }

  /** The value id of node i's property, or -1 when the node lacks it. */
  valueIdOf(i: number): number {
    let id = this.valueIds[i]!;
    if (id !== UNKNOWN) return id;
    const rid = this.resolved.idOf(i);
    if (rid < 0) id = MISSING;
    else {
      const known = this.idOfResolved[rid];
      if (known !== undefined) id = known;
      else {
        // Ids are given in the order values are first met, as when each node was resolved here.
        const value = this.resolved.values[rid]!;
        id = this.idOf(this.targets === null || this.targets.has(value) ? value : IMPLICIT_TARGET);
        this.idOfResolved[rid] = id;
      }
    }
    this.valueIds[i] = id;
    return id;
  }

  idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.counts.push(0);
      this.used.push(false);
      this.ids.set(value, id);
    }
    return id;
  }

  /** Records that delta allocations of the counted group(s) appeared on node i. */
  add(i: number, delta: number): void {
    const id = this.valueIdOf(i);
    if (id < 0) return;
    this.counts[id]! += delta;
    this.used[id] = true;
  }

  countOfNode(i: number): number {
    const id = this.valueIdOf(i);
    return id < 0 ? 0 : this.counts[id]!;
  }
}
