/**
 * Watches for blocking queries. A query names what it read (a whole table, or one key of one of the
 * table's indexes); after a commit, only the waiters whose items that commit changed are woken.
 */
import { nsKey, type TableName } from './tables.ts';
import type { Change } from './changes.ts';

export type WatchIndex = 'id' | 'job' | 'node' | 'eval' | 'deployment';

/** What a query read: the whole table, or the rows under one key of one index. */
export interface WatchItem {
  table: TableName;
  index?: WatchIndex;
  key?: string;
}

/** Constructors for the items the endpoints read. */
export const watchItems = {
  table: (table: TableName): WatchItem => ({ table }),
  job: (namespace: string, id: string): WatchItem => ({
    table: 'jobs',
    index: 'id',
    key: nsKey(namespace, id),
  }),
  jobVersions: (namespace: string, id: string): WatchItem => ({
    table: 'job_version',
    index: 'id',
    key: nsKey(namespace, id),
  }),
  jobSummary: (namespace: string, id: string): WatchItem => ({
    table: 'job_summary',
    index: 'id',
    key: nsKey(namespace, id),
  }),
  alloc: (id: string): WatchItem => ({ table: 'allocs', index: 'id', key: id }),
  allocsByNode: (nodeId: string): WatchItem => ({ table: 'allocs', index: 'node', key: nodeId }),
  allocsByJob: (namespace: string, jobId: string): WatchItem => ({
    table: 'allocs',
    index: 'job',
    key: nsKey(namespace, jobId),
  }),
  allocsByEval: (evalId: string): WatchItem => ({ table: 'allocs', index: 'eval', key: evalId }),
  allocsByDeployment: (id: string): WatchItem => ({ table: 'allocs', index: 'deployment', key: id }),
  eval: (id: string): WatchItem => ({ table: 'evals', index: 'id', key: id }),
  evalsByJob: (namespace: string, jobId: string): WatchItem => ({
    table: 'evals',
    index: 'job',
    key: nsKey(namespace, jobId),
  }),
  deployment: (id: string): WatchItem => ({ table: 'deployment', index: 'id', key: id }),
  deploymentsByJob: (namespace: string, jobId: string): WatchItem => ({
    table: 'deployment',
    index: 'job',
    key: nsKey(namespace, jobId),
  }),
  node: (id: string): WatchItem => ({ table: 'nodes', index: 'id', key: id }),
};

function channel(table: TableName, index?: WatchIndex, key?: string): string {
  return index === undefined ? table : `${table}|${index}|${key ?? ''}`;
}

function channelOf(item: WatchItem): string {
  return channel(item.table, item.index, item.key);
}

/** Every channel a change touches: its table, and each index key of the old and new row. */
export function channelsOfChange(c: Change, out: Set<string>): void {
  out.add(c.table);
  switch (c.table) {
    case 'jobs':
      for (const r of [c.old, c.row])
        if (r !== undefined) out.add(channel('jobs', 'id', nsKey(r.Namespace, r.ID)));
      return;
    case 'evals':
      for (const r of [c.old, c.row]) {
        if (r === undefined) continue;
        out.add(channel('evals', 'id', r.ID));
        out.add(channel('evals', 'job', nsKey(r.Namespace, r.JobID)));
      }
      return;
    case 'allocs':
      for (const r of [c.old, c.row]) {
        if (r === undefined) continue;
        out.add(channel('allocs', 'id', r.ID));
        out.add(channel('allocs', 'node', r.NodeID));
        out.add(channel('allocs', 'job', nsKey(r.Namespace, r.JobID)));
        out.add(channel('allocs', 'eval', r.EvalID));
        if (r.DeploymentID !== '') out.add(channel('allocs', 'deployment', r.DeploymentID));
      }
      return;
    case 'deployment':
      for (const r of [c.old, c.row]) {
        if (r === undefined) continue;
        out.add(channel('deployment', 'id', r.ID));
        out.add(channel('deployment', 'job', nsKey(r.Namespace, r.JobID)));
      }
      return;
    case 'nodes':
      for (const r of [c.old, c.row]) if (r !== undefined) out.add(channel('nodes', 'id', r.ID));
      return;
    case 'job_version':
    case 'job_summary':
    case 'periodic_launch':
      out.add(channel(c.table, 'id', c.key));
      return;
    case 'scheduler_config':
    case 'namespaces':
      return;
  }
}

interface Waiter {
  channels: string[];
  wake: (changed: boolean) => void;
}

/** Maximum waiters at once: a blocking query beyond it is refused rather than leaking memory. */
export const WATCHERS_MAX = 100_000;

export class WatchRegistry {
  private readonly byChannel = new Map<string, Set<Waiter>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Resolves true when a commit touches one of the items, false when the signal aborts first. */
  wait(items: readonly WatchItem[], signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) return Promise.resolve(false);
    if (this.count >= WATCHERS_MAX) {
      return Promise.reject(new Error(`Too many blocking queries: at most ${WATCHERS_MAX} may wait at once`));
    }
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => waiter.wake(false);
      const waiter: Waiter = {
        channels: [...new Set(items.map(channelOf))],
        wake: (changed) => {
          this.remove(waiter);
          signal?.removeEventListener('abort', onAbort);
          resolve(changed);
        },
      };
      for (const ch of waiter.channels) {
        let set = this.byChannel.get(ch);
        if (set === undefined) this.byChannel.set(ch, (set = new Set()));
        set.add(waiter);
      }
      this.count++;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Wakes the waiters of the channels a commit touched. */
  notify(changes: readonly Change[]): void {
    if (this.count === 0) return;
    const channels = new Set<string>();
    for (const c of changes) channelsOfChange(c, channels);
    const woken = new Set<Waiter>();
    for (const ch of channels) {
      const set = this.byChannel.get(ch);
      if (set !== undefined) for (const w of set) woken.add(w);
    }
    for (const w of woken) w.wake(true);
  }

  /** Wakes every waiter (after a restore replaced the whole state). */
  notifyAll(): void {
    const all = new Set<Waiter>();
    for (const set of this.byChannel.values()) for (const w of set) all.add(w);
    for (const w of all) w.wake(true);
  }

  private remove(w: Waiter): void {
    let removed = false;
    for (const ch of w.channels) {
      const set = this.byChannel.get(ch);
      if (set === undefined || !set.delete(w)) continue;
      removed = true;
      if (set.size === 0) this.byChannel.delete(ch);
    }
    if (removed) this.count--;
  }
}
