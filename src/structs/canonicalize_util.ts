/** Small helpers shared by the canonicalization files: defaults for missing values, null for empty. */
import type { Affinity, Constraint } from './job.ts';

/** A partial of T at every depth: what a job file or an API body may leave out. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

/** Returns the value unless it is missing (undefined or null), else the default. */
export function or<T>(value: T | null | undefined, fallback: T): T {
  return value === undefined || value === null ? fallback : value;
}

/** Fills each missing field of a flat partial from the defaults. */
export function fill<T extends object>(partial: DeepPartial<T> | null | undefined, defaults: Readonly<T>): T {
  const out = { ...defaults } as Record<string, unknown>;
  if (partial !== null && partial !== undefined) {
    for (const [k, v] of Object.entries(partial)) if (v !== undefined && v !== null) out[k] = v;
  }
  return out as T;
}

export function present<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

export function orNullList<T>(list: T[]): T[] | null {
  return list.length === 0 ? null : list;
}

export function orNullMap<T>(map: Record<string, T> | null): Record<string, T> | null {
  return map === null || Object.keys(map).length === 0 ? null : map;
}

/** A map with its missing values dropped (a DeepPartial map may hold undefined). */
export function stringMap<T>(
  map: { [k: string]: T | null | undefined } | null | undefined,
): Record<string, T> | null {
  if (!present(map)) return null;
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map)) if (present(v)) out[k] = v;
  return out;
}

export function canonicalizeConstraints(list: (DeepPartial<Constraint> | undefined)[] | null | undefined) {
  return orNullList(
    (list ?? []).filter(present).map((c) => ({
      LTarget: or(c.LTarget, ''),
      RTarget: or(c.RTarget, ''),
      Operand: or(c.Operand, '='),
    })),
  );
}

export function canonicalizeAffinities(list: (DeepPartial<Affinity> | undefined)[] | null | undefined) {
  return orNullList(
    (list ?? []).filter(present).map((a) => ({
      LTarget: or(a.LTarget, ''),
      RTarget: or(a.RTarget, ''),
      Operand: or(a.Operand, '='),
      Weight: or(a.Weight, 50),
    })),
  );
}
