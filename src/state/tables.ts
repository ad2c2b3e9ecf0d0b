/**
 * The state store's tables: one immutable record of persistent maps. A snapshot holds one of these
 * records; a write transaction builds the next one. Names follow Nomad's memdb tables, because the
 * per-table index is what blocking queries and X-Nomad-Index report.
 */
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { JobSummary } from '../structs/job_summary.ts';
import type { Node } from '../structs/node.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { Namespace, PeriodicLaunch } from './rows.ts';
import type { SortedMap } from './sorted_map.ts';

export type TableName =
  | 'jobs'
  | 'job_version'
  | 'job_summary'
  | 'evals'
  | 'allocs'
  | 'deployment'
  | 'nodes'
  | 'periodic_launch'
  | 'scheduler_config'
  | 'namespaces';

export const TABLE_NAMES: readonly TableName[] = [
  'jobs',
  'job_version',
  'job_summary',
  'evals',
  'allocs',
  'deployment',
  'nodes',
  'periodic_launch',
  'scheduler_config',
  'namespaces',
];

/** How many versions of a job the store keeps (Nomad's JobTrackedVersions default). */
export const JOB_TRACKED_VERSIONS = 6;

/**
 * A secondary index entry: the rows under one index key, by row ID. It holds the rows themselves
 * (not IDs) so readers such as the scheduler get them without a second lookup; every write of a row
 * rewrites its index entries too.
 */
export type RowSet<T> = SortedMap<T>;

export interface Tables {
  /** nsKey(namespace, id) -> job */
  readonly jobs: SortedMap<Job>;
  /** nsKey(namespace, id) -> versions, newest first, at most JOB_TRACKED_VERSIONS */
  readonly jobVersions: SortedMap<readonly Job[]>;
  readonly jobSummaries: SortedMap<JobSummary>;
  /** eval ID -> evaluation */
  readonly evals: SortedMap<Evaluation>;
  /** nsKey(namespace, jobId) -> evaluations */
  readonly evalsByJob: SortedMap<RowSet<Evaluation>>;
  /** alloc ID -> allocation */
  readonly allocs: SortedMap<Allocation>;
  /** nsKey(namespace, jobId) / node ID / eval ID / deployment ID -> allocations */
  readonly allocsByJob: SortedMap<RowSet<Allocation>>;
  readonly allocsByNode: SortedMap<RowSet<Allocation>>;
  readonly allocsByEval: SortedMap<RowSet<Allocation>>;
  readonly allocsByDeployment: SortedMap<RowSet<Allocation>>;
  /** deployment ID -> deployment */
  readonly deployments: SortedMap<Deployment>;
  /** nsKey(namespace, jobId) -> deployments */
  readonly deploymentsByJob: SortedMap<RowSet<Deployment>>;
  /** node ID -> node */
  readonly nodes: SortedMap<Node>;
  /** nsKey(namespace, jobId) -> launch */
  readonly periodicLaunches: SortedMap<PeriodicLaunch>;
  /** name -> namespace */
  readonly namespaces: SortedMap<Namespace>;
  readonly schedulerConfig: SchedulerConfiguration;
  /** The index of the last write to each table. */
  readonly tableIndexes: Readonly<Record<TableName, number>>;
  /** The index of the last write to any table. */
  readonly latestIndex: number;
}

/** The key of a namespaced row: namespace and ID joined by NUL, so a namespace prefix scan works. */
export function nsKey(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}

export function emptyTableIndexes(): Record<TableName, number> {
  const out = {} as Record<TableName, number>;
  for (const t of TABLE_NAMES) out[t] = 0;
  return out;
}
