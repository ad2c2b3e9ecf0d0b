/**
 * Constraint and affinity operators, resolved against a node the way Nomad's feasibility checker
 * does. Targets are literals or interpolations (${attr.*}, ${meta.*}, ${node.unique.id},
 * ${node.unique.name}, ${node.datacenter}, ${node.class}, ${node.pool}); a target that names
 * something the node does not have is "not found", which each operator treats in its own way.
 */
import type { Constraint } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import { parseVersion, parseVersionConstraint, type VersionConstraint } from './version.ts';

export const OPERATOR_DISTINCT_HOSTS = 'distinct_hosts';
export const OPERATOR_DISTINCT_PROPERTY = 'distinct_property';

/** How many compiled regexps and version constraints one evaluation keeps. */
export const MAX_CACHED_PATTERNS = 1024;

/** Compiled regexps and version constraints, kept for one evaluation. */
export class PatternCache {
  private readonly regexps = new Map<string, RegExp | null>();
  private readonly versions = new Map<string, VersionConstraint | null>();

  regexp(pattern: string): RegExp | null {
    let re = this.regexps.get(pattern);
    if (re === undefined) {
      try {
        re = new RegExp(pattern);
      } catch {
        // An invalid pattern never matches (Nomad: a compile error makes the check false).
        re = null;
      }
      if (this.regexps.size < MAX_CACHED_PATTERNS) this.regexps.set(pattern, re);
    }
    return re;
  }

  versionConstraint(text: string, semver: boolean): VersionConstraint | null {
    const key = `${semver ? 's' : 'v'}${text}`;
    let c = this.versions.get(key);
    if (c === undefined) {
      c = parseVersionConstraint(text, semver) ?? null;
      if (this.versions.size < MAX_CACHED_PATTERNS) this.versions.set(key, c);
    }
    return c;
  }
}

export interface Resolved {
  value: string;
  found: boolean;
}

const NOT_FOUND: Resolved = { value: '', found: false };

/** Resolves a constraint target against a node. */
export function resolveTarget(target: string, node: Node): Resolved {
  if (!target.startsWith('${')) return { value: target, found: true };
  switch (target) {
    case '${node.unique.id}':
      return { value: node.ID, found: true };
    case '${node.datacenter}':
      return { value: node.Datacenter, found: true };
    case '${node.unique.name}':
      return { value: node.Name, found: true };
    case '${node.class}':
      return { value: node.NodeClass, found: true };
    case '${node.pool}':
      return { value: node.NodePool, found: true };
  }
  const end = target.endsWith('}') ? target.length - 1 : target.length;
  if (target.startsWith('${attr.')) return lookup(node.Attributes, target.slice(7, end));
  if (target.startsWith('${meta.')) return lookup(node.Meta, target.slice(7, end));
  return NOT_FOUND;
}

function lookup(map: Record<string, string> | null | undefined, key: string): Resolved {
  if (map === null || map === undefined || !Object.hasOwn(map, key)) return NOT_FOUND;
  return { value: map[key]!, found: true };
}

const INTEGER_RE = /^[+-]?[0-9]+$/;
const FLOAT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function compareOrder<T extends number | string>(op: string, l: T, r: T): boolean {
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    default:
      return false;
  }
}

/** Integers if both parse as integers, else floats if both do, else lexical order. */
function checkOrder(op: string, l: string, r: string): boolean {
  if (INTEGER_RE.test(l) && INTEGER_RE.test(r)) return compareOrder(op, Number(l), Number(r));
  if (FLOAT_RE.test(l) && FLOAT_RE.test(r)) return compareOrder(op, Number(l), Number(r));
  return compareOrder(op, l, r);
}

function splitSet(s: string): string[] {
  return s.split(',').map((x) => x.trim());
}

function setContainsAll(l: string, r: string): boolean {
  const have = new Set(splitSet(l));
  return splitSet(r).every((x) => have.has(x));
}

function setContainsAny(l: string, r: string): boolean {
  const have = new Set(splitSet(l));
  return splitSet(r).some((x) => have.has(x));
}

function versionMatches(cache: PatternCache, l: string, r: string, semver: boolean): boolean {
  const v = parseVersion(l);
  if (v === undefined) return false;
  const c = cache.versionConstraint(r, semver);
  return c !== null && c.check(v);
}

/** Checks one operator against resolved values. distinct_* are handled elsewhere and pass here. */
export function checkOperator(cache: PatternCache, operand: string, l: Resolved, r: Resolved): boolean {
  const both = l.found && r.found;
  switch (operand) {
    case OPERATOR_DISTINCT_HOSTS:
    case OPERATOR_DISTINCT_PROPERTY:
      return true;
    case '=':
    case '==':
    case 'is':
      return both && l.value === r.value;
    case '!=':
    case 'not':
      // Nomad compares the resolved strings: a missing target reads as "".
      return l.value !== r.value;
    case '<':
    case '<=':
    case '>':
    case '>=':
      return both && checkOrder(operand, l.value, r.value);
    case 'is_set':
      return l.found;
    case 'is_not_set':
      return !l.found;
    case 'version':
      return both && versionMatches(cache, l.value, r.value, false);
    case 'semver':
      return both && versionMatches(cache, l.value, r.value, true);
    case 'regexp': {
      if (!both) return false;
      const re = cache.regexp(r.value);
      return re !== null && re.test(l.value);
    }
    case 'set_contains':
    case 'set_contains_all':
      return both && setContainsAll(l.value, r.value);
    case 'set_contains_any':
      return both && setContainsAny(l.value, r.value);
    default:
      return false;
  }
}

/** Whether a node meets a constraint (or matches an affinity: same operators). */
export function meetsConstraint(
  cache: PatternCache,
  c: Pick<Constraint, 'LTarget' | 'RTarget' | 'Operand'>,
  node: Node,
): boolean {
  return checkOperator(cache, c.Operand, resolveTarget(c.LTarget, node), resolveTarget(c.RTarget, node));
}

/** The constraint as Nomad prints it in metrics and `job status`: "${attr.kernel.name} = linux". */
export function constraintString(c: Pick<Constraint, 'LTarget' | 'RTarget' | 'Operand'>): string {
  return `${c.LTarget} ${c.Operand} ${c.RTarget}`;
}

/** Whether a constraint's targets escape the computed node class (unique attributes). */
export function constraintEscapes(c: Pick<Constraint, 'LTarget' | 'RTarget'>): boolean {
  return targetEscapes(c.LTarget) || targetEscapes(c.RTarget);
}

function targetEscapes(t: string): boolean {
  return (
    t.startsWith('${unique.') ||
    t.startsWith('${node.unique.') ||
    t.startsWith('${attr.unique.') ||
    t.startsWith('${meta.unique.')
  );
}
