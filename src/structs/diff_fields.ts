/**
 * The building blocks of the job diff: flattening an object into "path -> text" pairs, diffing
 * two such maps into FieldDiffs, and the generic object diffs that every block of a job is made of.
 * The shapes and names are Nomad's (nomad/structs/diff.go), so `job plan` prints what Nomad prints.
 */

export type DiffType = 'None' | 'Added' | 'Deleted' | 'Edited';

export interface FieldDiff {
  Type: DiffType;
  Name: string;
  Old: string;
  New: string;
  Annotations: string[] | null;
}

export interface ObjectDiff {
  Type: DiffType;
  Name: string;
  Fields: FieldDiff[];
  Objects: ObjectDiff[];
}

type Flat = Record<string, string>;
type Obj = Readonly<Record<string, unknown>>;

/**
 * Fields whose values are maps of strings (Go maps), flattened as `Meta[key]`. Every other object
 * value is a nested block, which a primitive flatten skips (as Go's flatmap skips pointers and structs).
 */
const MAP_FIELDS: ReadonlySet<string> = new Set([
  'Meta',
  'Env',
  'CanaryMeta',
  'TaggedAddresses',
  'GetterOptions',
  'GetterHeaders',
  'Target',
]);

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function primitiveText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/**
 * The primitive fields of a block: strings, numbers and booleans, plus the entries of string maps
 * (`Meta[owner]`). Nested blocks and lists are left to their own diffs. Null in, null out.
 */
export function flattenPrimitive(obj: unknown, filter: readonly string[] = []): Flat | null {
  if (!isObject(obj)) return null;
  const out: Flat = {};
  for (const [key, value] of Object.entries(obj)) {
    const text = primitiveText(value);
    if (text !== undefined) {
      out[key] = text;
    } else if (MAP_FIELDS.has(key) && isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        const t = primitiveText(v);
        if (t !== undefined) out[`${key}[${k}]`] = t;
      }
    }
  }
  for (const f of filter) delete out[f];
  return out;
}

/** Every leaf of a free-form value (a driver's config): `image`, `ports[0]`, `port_map[0][db]`; null is "nil". */
export function flattenDeep(value: unknown, filter: readonly string[] = []): Flat | null {
  if (value === null || value === undefined) return null;
  const out: Flat = {};
  walk('', value, out);
  for (const f of filter) delete out[f];
  return out;
}

function walk(prefix: string, value: unknown, out: Flat): void {
  const text = primitiveText(value);
  if (text !== undefined) {
    out[prefix] = text;
  } else if (value === null || value === undefined) {
    out[prefix] = 'nil';
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walk(`${prefix}[${i}]`, v, out));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) walk(prefix === '' ? k : `${prefix}[${k}]`, v, out);
  }
}

export function fieldDiff(oldV: string, newV: string, name: string, contextual: boolean): FieldDiff | null {
  if (oldV === newV) {
    return contextual ? { Type: 'None', Name: name, Old: oldV, New: newV, Annotations: null } : null;
  }
  if (oldV === '') return { Type: 'Added', Name: name, Old: '', New: newV, Annotations: null };
  if (newV === '') return { Type: 'Deleted', Name: name, Old: oldV, New: '', Annotations: null };
  return { Type: 'Edited', Name: name, Old: oldV, New: newV, Annotations: null };
}

/** Diffs two flattened maps; with contextual set, unchanged fields are kept (Type "None"). */
export function fieldDiffs(oldFlat: Flat | null, newFlat: Flat | null, contextual: boolean): FieldDiff[] {
  const o = oldFlat ?? {};
  const n = newFlat ?? {};
  const diffs: FieldDiff[] = [];
  for (const [k, v] of Object.entries(o)) {
    const d = fieldDiff(v, n[k] ?? '', k, contextual);
    if (d !== null) diffs.push(d);
  }
  for (const [k, v] of Object.entries(n)) {
    if (k in o) continue;
    const d = fieldDiff('', v, k, contextual);
    if (d !== null) diffs.push(d);
  }
  return diffs.sort(compareFieldDiffs);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFieldDiffs(a: FieldDiff, b: FieldDiff): number {
  return cmp(a.Name, b.Name) || cmp(a.Old, b.Old) || cmp(a.New, b.New);
}

// Edited sorts first, then Added, Deleted and None, as Nomad orders them.
const TYPE_RANK: Readonly<Record<DiffType, number>> = { Edited: 0, Added: 1, Deleted: 2, None: 3 };

export function compareObjectDiffs(a: ObjectDiff, b: ObjectDiff): number {
  const byShape =
    cmp(a.Name, b.Name) ||
    TYPE_RANK[a.Type] - TYPE_RANK[b.Type] ||
    a.Fields.length - b.Fields.length ||
    a.Objects.length - b.Objects.length;
  if (byShape !== 0) return byShape;
  for (let i = 0; i < a.Fields.length; i++) {
    const c = compareFieldDiffs(a.Fields[i]!, b.Fields[i]!);
    if (c !== 0) return c;
  }
  for (let i = 0; i < a.Objects.length; i++) {
    const c = compareObjectDiffs(a.Objects[i]!, b.Objects[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

export function sortObjectDiffs(diffs: ObjectDiff[]): ObjectDiff[] {
  return diffs.sort(compareObjectDiffs);
}

/** Structural equality of JSON-shaped values; a missing key equals an undefined one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** A stable text for a value, whatever the order of its keys: the identity of an item in a set. */
export function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableKey(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * The diff of two blocks' primitive fields; the type comes from the fields (no changed field, no
 * diff). Used for small blocks: restart, migrate, update, ephemeral_disk, logs, ports, constraints.
 */
export function primitiveObjectDiff(
  oldObj: unknown,
  newObj: unknown,
  name: string,
  opts: { contextual: boolean; filter?: readonly string[] },
): ObjectDiff | null {
  const filter = opts.filter ?? [];
  const fields = fieldDiffs(
    flattenPrimitive(oldObj, filter),
    flattenPrimitive(newObj, filter),
    opts.contextual,
  );
  const edited = fields.some((f) => f.Type === 'Edited');
  const added = fields.some((f) => f.Type === 'Added');
  const deleted = fields.some((f) => f.Type === 'Deleted');
  let type: DiffType;
  if (edited || (added && deleted)) type = 'Edited';
  else if (added) type = 'Added';
  else if (deleted) type = 'Deleted';
  else return null;
  return { Type: type, Name: name, Fields: fields, Objects: [] };
}

/**
 * A set of blocks without identity (constraints, affinities, artifacts): items are matched by their
 * content, so a change shows as one item deleted and one added, as in Nomad.
 */
export function primitiveObjectSetDiff(
  olds: readonly unknown[] | null | undefined,
  news: readonly unknown[] | null | undefined,
  name: string,
  contextual: boolean,
): ObjectDiff[] {
  const oldSet = new Map((olds ?? []).map((o) => [stableKey(o), o]));
  const newSet = new Map((news ?? []).map((o) => [stableKey(o), o]));
  const diffs: ObjectDiff[] = [];
  for (const [k, o] of oldSet) {
    const d = primitiveObjectDiff(o, newSet.get(k) ?? null, name, { contextual });
    if (d !== null) diffs.push(d);
  }
  for (const [k, n] of newSet) {
    if (oldSet.has(k)) continue;
    const d = primitiveObjectDiff(null, n, name, { contextual });
    if (d !== null) diffs.push(d);
  }
  return sortObjectDiffs(diffs);
}

/** A set of strings (datacenters, tags): each member added or deleted is one field named for the set. */
export function stringSetDiff(
  olds: readonly string[] | null | undefined,
  news: readonly string[] | null | undefined,
  name: string,
  contextual: boolean,
): ObjectDiff | null {
  const o = new Set(olds ?? []);
  const n = new Set(news ?? []);
  const same = o.size === n.size && [...o].every((x) => n.has(x));
  if (same && !contextual) return null;
  const fields: FieldDiff[] = [];
  let added = false;
  let removed = false;
  for (const k of o) {
    if (!n.has(k)) {
      fields.push(fieldDiff(k, '', name, contextual)!);
      removed = true;
    } else if (contextual) {
      fields.push(fieldDiff(k, k, name, contextual)!);
    }
  }
  for (const k of n) {
    if (o.has(k)) continue;
    fields.push(fieldDiff('', k, name, contextual)!);
    added = true;
  }
  fields.sort(compareFieldDiffs);
  let type: DiffType;
  if (added && removed) type = 'Edited';
  else if (added) type = 'Added';
  else if (removed) type = 'Deleted';
  else if (fields.length === 0) return null;
  else type = 'None';
  return { Type: type, Name: name, Fields: fields, Objects: [] };
}

export interface BlockDiffOptions<T> {
  contextual: boolean;
  /** Fields left out of the diff. */
  filter?: readonly string[];
  /** Flatten every leaf (free-form maps), not only the primitive fields. */
  deep?: boolean;
  /** Whether unchanged fields are kept; defaults to `contextual`. */
  fieldsContextual?: boolean;
  /** The diffs of the block's nested blocks; each side is the empty object when absent. */
  nested?: (oldObj: Partial<T>, newObj: Partial<T>) => (ObjectDiff | null)[];
}

/**
 * The diff of one block that may be added, deleted or edited as a whole: its type comes from the
 * presence of each side, its fields from the primitive (or, with `deep`, all) leaves.
 */
export function blockDiff<T extends object>(
  oldObj: T | null | undefined,
  newObj: T | null | undefined,
  name: string,
  opts: BlockDiffOptions<T>,
): ObjectDiff | null {
  const o = oldObj ?? null;
  const n = newObj ?? null;
  if (deepEqual(o, n)) return null;
  const type: DiffType = o === null ? 'Added' : n === null ? 'Deleted' : 'Edited';
  const flatten = opts.deep === true ? flattenDeep : flattenPrimitive;
  const filter = opts.filter ?? [];
  const fields = fieldDiffs(flatten(o, filter), flatten(n, filter), opts.fieldsContextual ?? opts.contextual);
  const objects = opts.nested === undefined ? [] : opts.nested(o ?? {}, n ?? {});
  return { Type: type, Name: name, Fields: fields, Objects: objects.filter((d) => d !== null) };
}

/** Like blockDiff, for free-form maps (a driver's config, a scaling policy): empty counts as absent. */
export function mapDiff(
  oldMap: Obj | null | undefined,
  newMap: Obj | null | undefined,
  name: string,
  contextual: boolean,
): ObjectDiff | null {
  if (deepEqual(oldMap ?? null, newMap ?? null)) return null;
  const oldEmpty = oldMap === null || oldMap === undefined || Object.keys(oldMap).length === 0;
  const newEmpty = newMap === null || newMap === undefined || Object.keys(newMap).length === 0;
  const type: DiffType = oldEmpty ? 'Added' : newEmpty ? 'Deleted' : 'Edited';
  const fields = fieldDiffs(flattenDeep(oldMap), flattenDeep(newMap), contextual);
  return { Type: type, Name: name, Fields: fields, Objects: [] };
}

/** Blocks keyed by a name (checks, devices, volumes): matched by key, then diffed one by one. */
export function keyedDiffs<T>(
  olds: Iterable<readonly [string, T]>,
  news: Iterable<readonly [string, T]>,
  diff: (o: T | null, n: T | null) => ObjectDiff | null,
): ObjectDiff[] {
  const oldMap = new Map(olds);
  const newMap = new Map(news);
  const out: ObjectDiff[] = [];
  for (const [k, o] of oldMap) {
    const d = diff(o, newMap.get(k) ?? null);
    if (d !== null) out.push(d);
  }
  for (const [k, n] of newMap) {
    if (oldMap.has(k)) continue;
    const d = diff(null, n);
    if (d !== null) out.push(d);
  }
  return sortObjectDiffs(out);
}

/** Lists matched by position (volume mounts, identities). */
export function positionalDiffs<T>(
  olds: readonly T[] | null | undefined,
  news: readonly T[] | null | undefined,
  diff: (o: T | null, n: T | null) => ObjectDiff | null,
): ObjectDiff[] {
  const o = olds ?? [];
  const n = news ?? [];
  const out: ObjectDiff[] = [];
  for (let i = 0; i < Math.max(o.length, n.length); i++) {
    const d = diff(o[i] ?? null, n[i] ?? null);
    if (d !== null) out.push(d);
  }
  return sortObjectDiffs(out);
}
