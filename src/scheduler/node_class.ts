/**
 * Node classes: nodes that look alike to the feasibility checks share a computed class, so one
 * check result serves them all (Nomad's computed node class). Also the node filters that come
 * before any check: ready, in the job's datacenters and node pool, with the task drivers.
 */
import type { Node } from '../structs/node.ts';
import { nodeReady } from '../structs/node.ts';

const UNIQUE_PREFIX = 'unique.';

/** FNV-1a over a string, two lanes for 64 bits of hash. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

function sortedNonUnique(map: Record<string, string> | null | undefined): [string, string][] {
  if (map === null || map === undefined) return [];
  return Object.entries(map)
    .filter(([k]) => !k.startsWith(UNIQUE_PREFIX))
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/**
 * The computed class of a node as Nomad defines it: a hash of the datacenter, node class, node
 * pool, and the attributes and meta that are not in the "unique." namespace. The server stores it
 * in Node.ComputedClass at registration; blocked evaluations are keyed by it.
 */
export function computeNodeClass(node: Node): string {
  const shape = JSON.stringify([
    node.Datacenter,
    node.NodeClass,
    node.NodePool,
    sortedNonUnique(node.Attributes),
    sortedNonUnique(node.Meta),
  ]);
  return `v1:${hash64(shape)}`;
}

// Nodes from the state store are immutable, so derived values can be kept per object.
const classCache = new WeakMap<Node, string>();
const feasibilityKeyCache = new WeakMap<Node, string>();

/** The node's computed class: the stored one, or computed when the node has none. */
export function nodeClassOf(node: Node): string {
  if (node.ComputedClass !== '' && node.ComputedClass !== undefined) return node.ComputedClass;
  let c = classCache.get(node);
  if (c === undefined) {
    c = computeNodeClass(node);
    classCache.set(node, c);
  }
  return c;
}

/**
 * The key under which feasibility results are cached: the computed class plus the health of the
 * node's drivers, which the driver check reads but the computed class leaves out.
 */
export function feasibilityKeyOf(node: Node): string {
  let k = feasibilityKeyCache.get(node);
  if (k === undefined) {
    const drivers = Object.entries(node.Drivers ?? {})
      .map(([name, d]) => `${name}:${d.Detected ? 1 : 0}${d.Healthy ? 1 : 0}`)
      .sort()
      .join(',');
    k = `${nodeClassOf(node)}|${drivers}`;
    feasibilityKeyCache.set(node, k);
  }
  return k;
}

/** A datacenter pattern with `*` wildcards (Nomad's glob), matched against a node's datacenter. */
export function datacenterMatches(pattern: string, dc: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === dc;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!dc.startsWith(first) || dc.length < first.length + last.length || !dc.endsWith(last)) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = dc.indexOf(parts[i]!, at);
    if (found < 0 || found + parts[i]!.length > dc.length - last.length) return false;
    at = found + parts[i]!.length;
  }
  return true;
}

export function inAnyDatacenter(patterns: readonly string[], dc: string): boolean {
  for (const p of patterns) if (datacenterMatches(p, dc)) return true;
  return false;
}

export const NODE_POOL_ALL = 'all';

export function inNodePool(pool: string, node: Node): boolean {
  return pool === NODE_POOL_ALL || pool === '' || node.NodePool === pool;
}

/** Whether the node has every driver, detected and healthy (or, for old clients, attr.driver.<name>). */
export function hasDrivers(node: Node, drivers: Iterable<string>): boolean {
  for (const name of drivers) {
    const info = node.Drivers?.[name];
    if (info !== undefined) {
      if (info === null || !info.Detected || !info.Healthy) return false;
      continue;
    }
    const attr = node.Attributes[`driver.${name}`];
    if (attr === undefined || !parseGoBool(attr)) return false;
  }
  return true;
}

/** Go's strconv.ParseBool truthy forms; anything else is false. */
export function parseGoBool(s: string): boolean {
  return s === '1' || s === 't' || s === 'T' || s === 'true' || s === 'TRUE' || s === 'True';
}

export interface ReadyNodes {
  /** Ready nodes in the job's datacenters and node pool, in the state's order. */
  ready: Node[];
  /** IDs of nodes in the node pool that are not ready (down, draining, ineligible). */
  notReady: Set<string>;
  /** Ready node counts per datacenter (AllocMetric.NodesAvailable). */
  byDatacenter: Record<string, number>;
}

/** Nomad's readyNodesInDCsAndPool. */
export function readyNodesInDatacentersAndPool(
  nodes: Iterable<Node>,
  datacenters: readonly string[],
  pool: string,
): ReadyNodes {
  const ready: Node[] = [];
  const notReady = new Set<string>();
  const byDatacenter: Record<string, number> = {};
  for (const node of nodes) {
    if (!inNodePool(pool, node)) continue;
    if (!nodeReady(node)) {
      notReady.add(node.ID);
      continue;
    }
    if (inAnyDatacenter(datacenters, node.Datacenter)) {
      ready.push(node);
      byDatacenter[node.Datacenter] = (byDatacenter[node.Datacenter] ?? 0) + 1;
    }
  }
  return { ready, notReady, byDatacenter };
}
