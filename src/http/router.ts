/**
 * A small path router for the /v1 API. Patterns are split on "/": a literal segment matches itself,
 * ":name" matches one segment, and "*name" matches one or more segments (job IDs of dispatched and
 * periodic children contain "/", as in Nomad). When several patterns match, the one with the most
 * literal segments wins, so "/v1/job/*id/versions" beats "/v1/job/*id" for ".../versions".
 * A path that matches with the wrong method is reported apart from one that matches nothing, so the
 * server can answer 405 rather than 404.
 */
import { assert } from '../lib/assert.ts';
import { badRequest } from '../lib/errors.ts';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';

type Segment =
  { kind: 'literal'; text: string } | { kind: 'param'; name: string } | { kind: 'rest'; name: string };

interface Route<H> {
  pattern: string;
  methods: ReadonlySet<HttpMethod>;
  segments: readonly Segment[];
  literals: number;
  handler: H;
}

export type RouteMatch<H> =
  | { kind: 'found'; handler: H; params: Record<string, string>; pattern: string }
  | { kind: 'method_not_allowed'; allowed: HttpMethod[] }
  | { kind: 'not_found' };

/** Paths longer than this are refused before matching: nothing in the API needs more. */
export const MAX_PATH_SEGMENTS = 64;

export class Router<H> {
  readonly #routes: Route<H>[] = [];

  add(methods: HttpMethod | readonly HttpMethod[], pattern: string, handler: H): this {
    const list = typeof methods === 'string' ? [methods] : methods;
    const segments = parsePattern(pattern);
    const literals = segments.filter((s) => s.kind === 'literal').length;
    this.#routes.push({ pattern, methods: new Set(list), segments, literals, handler });
    return this;
  }

  match(method: string, rawPath: string): RouteMatch<H> {
    const parts = splitPath(rawPath);
    // The routes that fit the path with the most literal segments decide: "/v1/job/*id/plan" owns
    // ".../plan" for every method, so a GET there is a 405, not a read of job "web/plan".
    let bestLiterals = -1;
    let candidates: { route: Route<H>; params: Record<string, string> }[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined || route.literals < bestLiterals) continue;
      if (route.literals > bestLiterals) {
        bestLiterals = route.literals;
        candidates = [];
      }
      candidates.push({ route, params });
    }
    if (candidates.length === 0) return { kind: 'not_found' };
    const hit = candidates.find((c) => c.route.methods.has(method as HttpMethod));
    if (hit !== undefined) {
      return { kind: 'found', handler: hit.route.handler, params: hit.params, pattern: hit.route.pattern };
    }
    const allowed = new Set<HttpMethod>();
    for (const c of candidates) for (const m of c.route.methods) allowed.add(m);
    return { kind: 'method_not_allowed', allowed: [...allowed].sort() };
  }
}

function parsePattern(pattern: string): Segment[] {
  const parts = pattern.split('/').filter((p) => p !== '');
  const segments = parts.map((p): Segment => {
    if (p.startsWith(':')) return { kind: 'param', name: p.slice(1) };
    if (p.startsWith('*')) return { kind: 'rest', name: p.slice(1) };
    return { kind: 'literal', text: p };
  });
  assert(segments.filter((s) => s.kind === 'rest').length <= 1, `pattern "${pattern}" has two rest segments`);
  return segments;
}

function splitPath(rawPath: string): string[] {
  const parts = rawPath.split('/').filter((p) => p !== '');
  if (parts.length > MAX_PATH_SEGMENTS) {
    throw badRequest(`Path has ${parts.length} segments: the limit is ${MAX_PATH_SEGMENTS}`);
  }
  return parts;
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (err) {
    throw badRequest(`Invalid percent-encoding in path segment "${raw}"`, err);
  }
}

/** Matches raw (still percent-encoded) path parts; returns decoded params, or undefined. */
function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const restAt = segments.findIndex((s) => s.kind === 'rest');
  if (restAt === -1 ? parts.length !== segments.length : parts.length < segments.length) return undefined;
  const params: Record<string, string> = {};
  const tail = segments.length - restAt - 1;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === 'rest') {
      const taken = parts.slice(i, parts.length - tail);
      params[seg.name] = taken.map(decode).join('/');
      continue;
    }
    // Segments after the rest segment line up with the end of the path.
    const part = restAt !== -1 && i > restAt ? parts[parts.length - (segments.length - i)]! : parts[i]!;
    if (seg.kind === 'literal') {
      if (part !== seg.text) return undefined;
    } else {
      params[seg.name] = decode(part);
    }
  }
  return params;
}
