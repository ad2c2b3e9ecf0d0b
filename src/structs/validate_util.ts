/** The pieces every validator shares: an error list that names each error by its path. */
import { formatDuration } from '../lib/duration.ts';

/** Collects errors; each scope prefixes its path (`group "cache" task "redis"`) to what it adds. */
export class Errors {
  readonly list: string[];
  readonly path: string;
  constructor(list: string[] = [], path = '') {
    this.list = list;
    this.path = path;
  }
  at(segment: string): Errors {
    return new Errors(this.list, this.path === '' ? segment : `${this.path} ${segment}`);
  }
  add(message: string): void {
    this.list.push(this.path === '' ? message : `${this.path}: ${message}`);
  }
}

export function q(value: unknown): string {
  return JSON.stringify(value);
}

export function dur(ns: number): string {
  return formatDuration(ns);
}

/** True when a path given in a job file would leave the allocation directory (Nomad refuses it). */
export function escapesAllocDir(path: string): boolean {
  if (path.startsWith('/')) return false; // absolute paths are taken relative to the task directory
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    // The task directory sits one level below the allocation directory, so one ".." stays inside.
    if (depth < -1) return true;
  }
  return false;
}

const TIME_ZONE_CACHE = new Map<string, boolean>();

/** True when the IANA time zone name is known (or "Local"/"UTC", which Go accepts). */
export function validTimeZone(name: string): boolean {
  if (name === 'Local' || name === 'UTC' || name === '') return true;
  const known = TIME_ZONE_CACHE.get(name);
  if (known !== undefined) return known;
  let ok = true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    // Intl throws a RangeError for an unknown zone: that is the answer, not an error to keep.
    ok = false;
  }
  if (TIME_ZONE_CACHE.size < TIME_ZONE_CACHE_MAX) TIME_ZONE_CACHE.set(name, ok);
  return ok;
}
const TIME_ZONE_CACHE_MAX = 1000;

/** Returns the regular expression's compile error, or null when it compiles. */
export function regexpError(source: string): string | null {
  try {
    new RegExp(source);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const VERSION_PART = /^\s*(=|!=|>=|<=|>|<|~>)?\s*v?\d+(\.\d+)*(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\s*$/;

/** True when the text is a go-version constraint list such as ">= 1.2, < 2.0" or "~> 1.4". */
export function validVersionConstraint(text: string): boolean {
  if (text.trim() === '') return false;
  return text.split(',').every((part) => VERSION_PART.test(part));
}
