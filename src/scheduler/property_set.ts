/**
 * Counts of a job's live allocations per value of a node property (a spread attribute or a
 * distinct_property target), kept up to date as the plan places and stops allocations.
 */
import type { Node } from '../structs/node.ts';
import { resolveTarget } from './constraints.ts';

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
  private readonly nodes: readonly Node[];
  private readonly valueIds: Int32Array;
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  /** Allocation count per value id. */
  readonly counts: number[] = [];
  /** Whether a value ever held an allocation: only those take part in even spreading. */
  readonly used: boolean[] = [];

  constructor(
    nodes: readonly Node[],
    opts: { attribute: string; taskGroup: string | null; targets: readonly string[] | null },
  ) {
    this.nodes = nodes;
    this.attribute = opts.attribute;
    this.taskGroup = opts.taskGroup;
    this.targets = opts.targets !== null && opts.targets.length > 0 ? new Set(opts.targets) : null;
    this.valueIds = new Int32Array(nodes.length).fill(UNKNOWN);
  }

  /** The value id of node i's property, or -1 when the node lacks it. */
  valueIdOf(i: number): number {
    let id = this.valueIds[i]!;
    if (id !== UNKNOWN) return id;
    const r = resolveTarget(this.attribute, this.nodes[i]!);
    if (!r.found) id = MISSING;
    else {
      const v = this.targets === null || this.targets.has(r.value) ? r.value : IMPLICIT_TARGET;
      id = this.idOf(v);
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
