/**
 * What the scheduler derives from a list of nodes alone, shared by every evaluation that sees the
 * same list: a state snapshot hands out one frozen node list until a node changes, and one frozen
 * list of a node's allocations until those change. Evaluations against the same lists then skip
 * recomputing, per node, its position, capacity, feasibility key, properties (spread and
 * distinct_property attributes) and the usage of its allocations; and their placements' metrics
 * share equal score objects.
 *
 * Everything here is a pure function of the (immutable) lists, so sharing it between evaluations
 * cannot change what an evaluation decides.
 */
import type { Allocation } from '../structs/allocation.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { Node } from '../structs/node.ts';
import { resolveTarget } from './constraints.ts';
import { ScoreSharing } from './metrics.ts';
import { feasibilityKeyOf, nodeClassOf } from './node_class.ts';
import { forEachAllocPort, nodeCapacity, nodeReservedPorts, type Amount } from './resources.ts';

/** Node properties (spread and distinct_property attributes) one node list keeps resolved. */
export const MAX_CACHED_PROPERTIES = 64;

const UNRESOLVED = -2;
const MISSING = -1;

/** One node property resolved for every node of a list, as ids into its distinct values. */
export class PropertyValues {
  readonly attribute: string;
  private readonly nodes: readonly Node[];
  private readonly ids: Int32Array;
  /** The distinct values, by id. */
  readonly values: string[] = [];
  private readonly byValue = new Map<string, number>();

  constructor(nodes: readonly Node[], attribute: string) {
    this.nodes = nodes;
    this.attribute = attribute;
    this.ids = new Int32Array(nodes.length).fill(UNRESOLVED);
  }

  /** The id of node i's value, or -1 when the node lacks the property. */
  idOf(i: number): number {
    let id = this.ids[i]!;
    if (id !== UNRESOLVED) return id;
    const r = resolveTarget(this.attribute, this.nodes[i]!);
    if (!r.found) id = MISSING;
    else {
      const known = this.byValue.get(r.value);
      if (known !== undefined) id = known;
      else {
        id = this.values.length;
        this.values.push(r.value);
        this.byValue.set(r.value, id);
      }
    }
    this.ids[i] = id;
    return id;
  }
}

/** What a node's live allocations in one list of them use. */
export interface SnapshotUsage {
  /** The list this was computed from (compared by identity). */
  list: readonly Allocation[];
  cpu: number;
  memoryMb: number;
  diskMb: number;
  /** Live allocations counted. */
  count: number;
  /** Ports the allocations hold, in order (an empty shared list when none). */
  ports: readonly number[];
}

const NO_PORTS: readonly number[] = Object.freeze([]);

export class NodeBase {
  readonly nodes: readonly Node[];
  readonly indexById = new Map<string, number>();
  readonly cpuCap: Float64Array;
  readonly memCap: Float64Array;
  readonly diskCap: Float64Array;
  private readonly featureKeyIds: Int32Array;
  private readonly featureKeys: { key: string; computedClass: string }[] = [];
  private readonly featureKeyIdByKey = new Map<string, number>();
  private readonly properties = new Map<string, PropertyValues>();
  private readonly usage: (SnapshotUsage | undefined)[];
  private readonly reserved: (readonly number[] | undefined)[];
  /** Score objects shared by the metrics of placements on these nodes (see metrics.ts). */
  readonly scoreSharing = new ScoreSharing();

  constructor(nodes: readonly Node[]) {
    const n = nodes.length;
    this.nodes = nodes;
    this.cpuCap = new Float64Array(n);
    this.memCap = new Float64Array(n);
    this.diskCap = new Float64Array(n);
    this.featureKeyIds = new Int32Array(n).fill(UNRESOLVED);
    this.usage = new Array<SnapshotUsage | undefined>(n).fill(undefined);
    this.reserved = new Array<readonly number[] | undefined>(n).fill(undefined);
    for (let i = 0; i < n; i++) {
      const node = nodes[i]!;
      this.indexById.set(node.ID, i);
      const cap = nodeCapacity(node);
      this.cpuCap[i] = cap.cpu;
      this.memCap[i] = cap.memoryMb;
      this.diskCap[i] = cap.diskMb;
    }
  }

  /** The base for a node list: the shared one when the list is an array seen before. */
  static of(list: Iterable<Node>): NodeBase {
    if (!Array.isArray(list)) return new NodeBase([...list]);
    const nodes = list as readonly Node[];
    let base = bases.get(nodes);
    // The list is the snapshot's own and never changes; the length check guards against one that did.
    if (base === undefined || base.nodes.length !== nodes.length) {
      base = new NodeBase(nodes);
      bases.set(nodes, base);
    }
    return base;
  }

  /** A small id for node i's feasibility key (see feasibilityKeyOf), the same for equal keys. */
  featureKeyId(i: number): number {
    let id = this.featureKeyIds[i]!;
    if (id !== UNRESOLVED) return id;
    const node = this.nodes[i]!;
    const key = feasibilityKeyOf(node);
    const known = this.featureKeyIdByKey.get(key);
    if (known !== undefined) id = known;
    else {
      id = this.featureKeys.length;
      // The key starts with the computed class: nodes with equal keys have equal classes.
      this.featureKeys.push({ key, computedClass: nodeClassOf(node) });
      this.featureKeyIdByKey.set(key, id);
    }
    this.featureKeyIds[i] = id;
    return id;
  }

  /** The host ports node i reserves. */
  reservedPorts(i: number): readonly number[] {
    let r = this.reserved[i];
    if (r === undefined) {
      r = nodeReservedPorts(this.nodes[i]!);
      this.reserved[i] = r;
    }
    return r;
  }

  featureKey(id: number): { key: string; computedClass: string } {
    return this.featureKeys[id]!;
  }

  /** The property resolved for every node; a fresh, unshared one past MAX_CACHED_PROPERTIES. */
  property(attribute: string): PropertyValues {
    let p = this.properties.get(attribute);
    if (p === undefined) {
      p = new PropertyValues(this.nodes, attribute);
      if (this.properties.size < MAX_CACHED_PROPERTIES) this.properties.set(attribute, p);
    }
    return p;
  }

  /**
   * What node i's live allocations in `list` use, remembered for as long as the node's list is the
   * same object. `amountOf` must be a pure function of the allocation.
   */
  snapshotUsage(i: number, list: readonly Allocation[], amountOf: (a: Allocation) => Amount): SnapshotUsage {
    const known = this.usage[i];
    if (known !== undefined && known.list === list) return known;
    let cpu = 0;
    let memoryMb = 0;
    let diskMb = 0;
    let count = 0;
    let ports: number[] | null = null;
    for (const a of list) {
      if (allocTerminal(a)) continue;
      const amt = amountOf(a);
      cpu += amt.cpu;
      memoryMb += amt.memoryMb;
      diskMb += amt.diskMb;
      count++;
      forEachAllocPort(a, (p) => (ports ??= []).push(p));
    }
    const u: SnapshotUsage = { list, cpu, memoryMb, diskMb, count, ports: ports ?? NO_PORTS };
    this.usage[i] = u;
    return u;
  }
}

const bases = new WeakMap<readonly Node[], NodeBase>();
