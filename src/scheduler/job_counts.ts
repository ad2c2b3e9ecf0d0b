/**
 * How many live allocations of the evaluated job each node holds, per task group and in total:
 * what job anti-affinity, distinct_hosts, distinct_property and spread read. Built once per
 * evaluation from the snapshot and the plan, then kept current by the plan's changes.
 */
import type { Allocation } from '../structs/allocation.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { NodeTable } from './node_table.ts';
import type { PropertySet } from './property_set.ts';

export class JobCounts {
  readonly namespace: string;
  readonly jobId: string;
  private readonly table: NodeTable;
  readonly total: Int32Array;
  private readonly groups = new Map<string, Int32Array>();
  private readonly propertySets: PropertySet[] = [];

  constructor(table: NodeTable, namespace: string, jobId: string, live: Iterable<Allocation>) {
    this.table = table;
    this.namespace = namespace;
    this.jobId = jobId;
    this.total = new Int32Array(table.size);
    for (const a of live) this.account(a, 1);
  }

  /** Per node counts of one group (zeros for a group with no allocations yet). */
  group(name: string): Int32Array {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = new Int32Array(this.table.size);
      this.groups.set(name, g);
    }
    return g;
  }

  /** Registers a property set and seeds it with the current counts. */
  track(ps: PropertySet): void {
    const counts = ps.taskGroup === null ? this.total : this.group(ps.taskGroup);
    for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) ps.add(i, counts[i]!);
    this.propertySets.push(ps);
  }

  account(alloc: Allocation, sign: 1 | -1): void {
    if (alloc.JobID !== this.jobId || alloc.Namespace !== this.namespace || allocTerminal(alloc)) return;
    const i = this.table.indexOf(alloc.NodeID);
    if (i < 0) return;
    this.total[i]! += sign;
    this.group(alloc.TaskGroup)[i]! += sign;
    for (const ps of this.propertySets) {
      if (ps.taskGroup === null || ps.taskGroup === alloc.TaskGroup) ps.add(i, sign);
    }
  }
}
