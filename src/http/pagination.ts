/**
 * Pagination as Nomad's list endpoints do it: items in a stable order by a token (the ID, or
 * "<namespace>.<id>" across namespaces); ?next_token=T starts at the first item whose token is >= T;
 * ?per_page=N caps the page, and X-Nomad-NextToken carries the token of the first item left out.
 */
import type { PageOptions } from './request.ts';

export interface Page<T> {
  items: T[];
  /** '' when this is the last page. */
  nextToken: string;
}

export function paginate<T>(all: readonly T[], tokenOf: (item: T) => string, opts: PageOptions): Page<T> {
  const sorted = [...all].sort((a, b) => compare(tokenOf(a), tokenOf(b)));
  if (opts.reverse) sorted.reverse();
  let start = 0;
  if (opts.nextToken !== '') {
    start = sorted.findIndex((item) => {
      const c = compare(tokenOf(item), opts.nextToken);
      return opts.reverse ? c <= 0 : c >= 0;
    });
    if (start === -1) start = sorted.length;
  }
  if (opts.perPage === 0) return { items: sorted.slice(start), nextToken: '' };
  const end = start + opts.perPage;
  const next = sorted[end];
  return { items: sorted.slice(start, end), nextToken: next === undefined ? '' : tokenOf(next) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
