/**
 * A persistent (structurally shared) sorted map from string keys to values: a B+tree whose nodes are
 * copied on write, so a snapshot is just a reference to a root and costs O(1) to take. Writes cost
 * O(log n) node copies. An `Edit` token lets one write transaction mutate nodes it created itself in
 * place (a "transient", as in Clojure), which keeps a batch of a thousand inserts from copying the
 * same path a thousand times. Nodes owned by no token, or by another token, are never mutated.
 *
 * Keys compare by UTF-16 code units (`<`), so iteration order is deterministic.
 */
import { assert } from '../lib/assert.ts';

/** An ownership token: nodes stamped with it may be mutated in place by the holder. */
export type Edit = { readonly __edit: true };

export function newEdit(): Edit {
  return { __edit: true };
}

/** Entries per node before it splits; a branch holds as many children. */
const NODE_SIZE_MAX = 32;
/** Below this many entries a node tries to merge with a neighbour after a delete. */
const NODE_SIZE_MIN = 8;

interface Leaf<V> {
  leaf: true;
  owner: Edit | null;
  keys: string[];
  vals: V[];
}

interface Branch<V> {
  leaf: false;
  owner: Edit | null;
  /** keys[i] is the smallest key under kids[i]. */
  keys: string[];
  kids: TreeNode<V>[];
}

type TreeNode<V> = Leaf<V> | Branch<V>;

/** First index i with keys[i] >= key. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of a branch whose range holds key. */
function childIndex(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : lo - 1;
}

function editable<V, N extends TreeNode<V>>(node: N, edit: Edit | null): N {
  if (edit !== null && node.owner === edit) return node;
  if (node.leaf) return { leaf: true, owner: edit, keys: node.keys.slice(), vals: node.vals.slice() } as N;
  return { leaf: false, owner: edit, keys: node.keys.slice(), kids: node.kids.slice() } as N;
}

interface InsertResult<V> {
  node: TreeNode<V>;
  right: TreeNode<V> | null;
  added: boolean;
}

/**
 * Splits a node that grew past NODE_SIZE_MAX; n must be editable. Both halves get arrays of their
 * exact size: nodes live on in every later version of the map, and spare capacity in each of them
 * would be paid for every stored row.
 */
function splitIfFull<V>(n: TreeNode<V>, edit: Edit | null): TreeNode<V> | null {
  if (n.keys.length <= NODE_SIZE_MAX) return null;
  const half = n.keys.length >>> 1;
  const keys = n.keys.slice(half);
  n.keys = n.keys.slice(0, half);
  if (n.leaf) {
    const vals = n.vals.slice(half);
    n.vals = n.vals.slice(0, half);
    return { leaf: true, owner: edit, keys, vals };
  }
  const kids = n.kids.slice(half);
  n.kids = n.kids.slice(0, half);
  return { leaf: false, owner: edit, keys, kids };
}

function insert<V>(node: TreeNode<V>, key: string, val: V, edit: Edit | null): InsertResult<V> {
  if (node.leaf) {
    const i = lowerBound(node.keys, key);
    if (i < node.keys.length && node.keys[i] === key) {
      if (node.vals[i] === val) return { node, right: null, added: false };
      const n = editable(node, edit);
      n.vals[i] = val;
      return { node: n, right: null, added: false };
    }
    // New arrays of the exact size (not splice(), which leaves spare capacity behind).
    const keys = node.keys.toSpliced(i, 0, key);
    const vals = node.vals.toSpliced(i, 0, val);
    let n: Leaf<V>;
    if (edit !== null && node.owner === edit) {
      n = node;
      n.keys = keys;
      n.vals = vals;
    } else n = { leaf: true, owner: edit, keys, vals };
    return { node: n, right: splitIfFull(n, edit), added: true };
  }
  const i = childIndex(node.keys, key);
  const r = insert(node.kids[i]!, key, val, edit);
  if (r.node === node.kids[i] && r.right === null && node.keys[i] === r.node.keys[0]) {
    return { node, right: null, added: r.added };
  }
  const n = editable(node, edit);
  n.kids[i] = r.node;
  n.keys[i] = r.node.keys[0]!;
  if (r.right !== null) {
    n.kids.splice(i + 1, 0, r.right);
    n.keys.splice(i + 1, 0, r.right.keys[0]!);
  }
  return { node: n, right: splitIfFull(n, edit), added: r.added };
}

function mergeNodes<V>(a: TreeNode<V>, b: TreeNode<V>, edit: Edit | null): TreeNode<V> {
  if (a.leaf && b.leaf) {
    return { leaf: true, owner: edit, keys: a.keys.concat(b.keys), vals: a.vals.concat(b.vals) };
  }
  assert(!a.leaf && !b.leaf, 'sorted map: siblings differ in kind');
  return { leaf: false, owner: edit, keys: a.keys.concat(b.keys), kids: a.kids.concat(b.kids) };
}

/** After a child shrank, merge it with a neighbour when both fit in one node. */
function rebalance<V>(n: Branch<V>, i: number, edit: Edit | null): void {
  const child = n.kids[i]!;
  if (child.keys.length >= NODE_SIZE_MIN || n.kids.length < 2) return;
  const j = i + 1 < n.kids.length ? i + 1 : i - 1;
  const [lo, hi] = j > i ? [i, j] : [j, i];
  const left = n.kids[lo]!;
  const right = n.kids[hi]!;
  if (left.keys.length + right.keys.length > NODE_SIZE_MAX) return;
  n.kids.splice(lo, 2, mergeNodes(left, right, edit));
  n.keys.splice(hi, 1);
}

/** Returns null when the key was absent (nothing changed). */
function remove<V>(node: TreeNode<V>, key: string, edit: Edit | null): TreeNode<V> | null {
  if (node.leaf) {
    const i = lowerBound(node.keys, key);
    if (i >= node.keys.length || node.keys[i] !== key) return null;
    const n = editable(node, edit);
    n.keys.splice(i, 1);
    n.vals.splice(i, 1);
    return n;
  }
  const i = childIndex(node.keys, key);
  const r = remove(node.kids[i]!, key, edit);
  if (r === null) return null;
  const n = editable(node, edit);
  if (r.keys.length === 0) {
    n.kids.splice(i, 1);
    n.keys.splice(i, 1);
    return n;
  }
  n.kids[i] = r;
  n.keys[i] = r.keys[0]!;
  rebalance(n, i, edit);
  return n;
}

function* iterate<V>(node: TreeNode<V>, from: string | undefined): Generator<[string, V]> {
  if (node.leaf) {
    const start = from === undefined ? 0 : lowerBound(node.keys, from);
    for (let i = start; i < node.keys.length; i++) yield [node.keys[i]!, node.vals[i]!];
    return;
  }
  const start = from === undefined ? 0 : childIndex(node.keys, from);
  for (let i = start; i < node.kids.length; i++)
    yield* iterate(node.kids[i]!, i === start ? from : undefined);
}

function collectValues<V>(node: TreeNode<V>, out: V[]): void {
  if (node.leaf) {
    for (const v of node.vals) out.push(v);
    return;
  }
  for (const kid of node.kids) collectValues(kid, out);
}

function collectKeys<V>(node: TreeNode<V>, out: string[]): void {
  if (node.leaf) {
    for (const k of node.keys) out.push(k);
    return;
  }
  for (const kid of node.kids) collectKeys(kid, out);
}

function fillValues<V>(node: TreeNode<V>, out: V[], at: number): number {
  if (node.leaf) {
    for (const v of node.vals) out[at++] = v;
    return at;
  }
  for (const kid of node.kids) at = fillValues(kid, out, at);
  return at;
}

export class SortedMap<V> {
  readonly size: number;
  private readonly root: TreeNode<V> | null;
  /** committedValues()' list, made on first call. */
  private committed: readonly V[] | null = null;

  private constructor(root: TreeNode<V> | null, size: number) {
    this.root = root;
    this.size = size;
  }

  static empty<V>(): SortedMap<V> {
    return new SortedMap<V>(null, 0);
  }

  static fromEntries<V>(entries: Iterable<readonly [string, V]>): SortedMap<V> {
    const edit = newEdit();
    let m = SortedMap.empty<V>();
    for (const [k, v] of entries) m = m.set(k, v, edit);
    return m;
  }

  get(key: string): V | undefined {
    let node = this.root;
    if (node === null) return undefined;
    while (!node.leaf) node = node.kids[childIndex(node.keys, key)]!;
    const i = lowerBound(node.keys, key);
    return node.keys[i] === key ? node.vals[i] : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A map with key set to val; `edit` allows in-place changes to nodes this edit created. */
  set(key: string, val: V, edit: Edit | null = null): SortedMap<V> {
    if (this.root === null) {
      return new SortedMap<V>({ leaf: true, owner: edit, keys: [key], vals: [val] }, 1);
    }
    const r = insert(this.root, key, val, edit);
    if (r.node === this.root && r.right === null && !r.added) return this;
    let root = r.node;
    if (r.right !== null) {
      root = { leaf: false, owner: edit, keys: [r.node.keys[0]!, r.right.keys[0]!], kids: [r.node, r.right] };
    }
    return new SortedMap<V>(root, this.size + (r.added ? 1 : 0));
  }

  delete(key: string, edit: Edit | null = null): SortedMap<V> {
    if (this.root === null) return this;
    let root: TreeNode<V> | null = remove(this.root, key, edit);
    if (root === null) return this;
    while (root !== null && !root.leaf && root.kids.length === 1) root = root.kids[0]!;
    if (root !== null && root.keys.length === 0) root = null;
    return new SortedMap<V>(root, this.size - 1);
  }

  /** Entries in key order, starting at the first key >= from when given. */
  *entries(from?: string): Generator<[string, V]> {
    if (this.root !== null) yield* iterate(this.root, from);
  }

  /** Entries whose key starts with prefix, in key order. */
  *withPrefix(prefix: string): Generator<[string, V]> {
    for (const e of this.entries(prefix)) {
      if (!e[0].startsWith(prefix)) return;
      yield e;
    }
  }

  /** All values in key order, collected without generators (hot path). */
  valuesArray(): V[] {
    const out: V[] = [];
    if (this.root !== null) collectValues(this.root, out);
    return out;
  }

  /**
   * All values in key order as one frozen list, made once and then handed out again. Only for a
   * map that no edit will change any more (one in a committed version of the tables): an edit may
   * change the nodes it owns in place, which would leave the list stale.
   */
  committedValues(): readonly V[] {
    let list = this.committed;
    if (list === null) {
      // Sized up front: the list lives as long as the map, so it should not carry spare capacity.
      const out = new Array<V>(this.size);
      if (this.root !== null) fillValues(this.root, out, 0);
      list = Object.freeze(out);
      this.committed = list;
    }
    return list;
  }

  keysArray(): string[] {
    const out: string[] = [];
    if (this.root !== null) collectKeys(this.root, out);
    return out;
  }

  [Symbol.iterator](): Generator<[string, V]> {
    return this.entries();
  }
}
