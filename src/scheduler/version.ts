/**
 * Version constraints as Nomad's `version` and `semver` constraint operators read them (the rules of
 * hashicorp/go-version): versions are dotted numeric segments with an optional pre-release and build
 * metadata; constraints are comma-separated clauses, each an operator and a version, all of which
 * must hold.
 */

export interface Version {
  /** Numeric segments, padded with zeros to at least three. */
  segments: number[];
  /** How many segments the text spelled out (for the pessimistic operator). */
  specified: number;
  prerelease: string;
}

const VERSION_RE =
  /^v?([0-9]+(?:\.[0-9]+)*?)(?:-([0-9]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)|(?:-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(?:\.[0-9A-Za-z\-~]+)*)))?(?:\+(?:[0-9A-Za-z\-~]+(?:\.[0-9A-Za-z\-~]+)*))?$/;

/** Parses a version the way go-version's NewVersion does; undefined when it is not one. */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (m === null) return undefined;
  const parts = m[1]!.split('.').map(Number);
  if (parts.some((p) => !Number.isSafeInteger(p))) return undefined;
  const specified = parts.length;
  while (parts.length < 3) parts.push(0);
  return { segments: parts, specified, prerelease: m[2] ?? m[3] ?? '' };
}

function comparePrereleasePart(a: string, b: string): number {
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1; // a release sorts after its pre-releases
  if (b === '') return -1;
  const ap = a.split('.');
  const bp = b.split('.');
  for (let i = 0; i < Math.max(ap.length, bp.length); i++) {
    const x = ap[i];
    const y = bp[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = comparePrereleasePart(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

/** Orders two versions: negative, zero or positive. Build metadata is ignored. */
export function compareVersions(a: Version, b: Version): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = (a.segments[i] ?? 0) - (b.segments[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

type Operator = '=' | '!=' | '>' | '<' | '>=' | '<=' | '~>';

interface Clause {
  op: Operator;
  version: Version;
}

const CLAUSE_RE = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/;

/** A parsed constraint: every clause must hold. */
export interface VersionConstraint {
  check(v: Version): boolean;
}

/** go-version: a release-only constraint never matches a pre-release (except with = and !=). */
function prereleaseAllowed(v: Version, c: Version): boolean {
  const vPre = v.prerelease !== '';
  const cPre = c.prerelease !== '';
  if (cPre && vPre) return v.segments.join('.') === c.segments.join('.');
  if (!cPre && vPre) return false;
  return true;
}

function pessimistic(v: Version, c: Version): boolean {
  if (compareVersions(v, c) < 0) return false;
  for (let i = 0; i < c.specified - 1; i++) if (v.segments[i] !== c.segments[i]) return false;
  return (c.segments[c.specified - 1] ?? 0) <= (v.segments[c.specified - 1] ?? 0);
}

function checkClause(clause: Clause, v: Version, semver: boolean): boolean {
  const c = clause.version;
  const cmp = compareVersions(v, c);
  if (clause.op === '=') return cmp === 0;
  if (clause.op === '!=') return cmp !== 0;
  if (!semver && !prereleaseAllowed(v, c)) return false;
  switch (clause.op) {
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    case '~>':
      return pessimistic(v, c);
  }
}

/**
 * Parses a constraint such as ">= 1.2, < 2.0" or "~> 1.4". With `semver`, pre-releases compare by
 * semver's ordering and the pessimistic operator is not accepted. Undefined when it does not parse.
 */
export function parseVersionConstraint(text: string, semver: boolean): VersionConstraint | undefined {
  const clauses: Clause[] = [];
  for (const part of text.split(',')) {
    const m = CLAUSE_RE.exec(part);
    if (m === null) return undefined;
    const op = (m[1] ?? '=') as Operator;
    if (semver && op === '~>') return undefined;
    const version = parseVersion(m[2]!);
    if (version === undefined) return undefined;
    clauses.push({ op, version });
  }
  if (clauses.length === 0) return undefined;
  return { check: (v) => clauses.every((c) => checkClause(c, v, semver)) };
}
