/**
 * What one write transaction changed, row by row. Watches and the event stream are both derived
 * from this list after the transaction commits.
 */
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';

/** A row written (row set) or deleted (row undefined); old is the row it replaced, if any. */
interface RowChange<Tbl extends string, T> {
  table: Tbl;
  old: T | undefined;
  row: T | undefined;
}

export type Change =
  | RowChange<'jobs', Job>
  | RowChange<'evals', Evaluation>
  | RowChange<'allocs', Allocation>
  | RowChange<'deployment', Deployment>
  | RowChange<'nodes', Node>
  /** Tables whose rows are keyed by nsKey(namespace, jobId). */
  | { table: 'job_version' | 'job_summary' | 'periodic_launch'; key: string }
  | { table: 'scheduler_config' | 'namespaces' };
