/**
 * The whole state as plain JSON-compatible data, for raft snapshots. Jobs are written once each and
 * referred to by position, so the job each allocation carries is shared again after a restore
 * instead of being copied a hundred thousand times.
 */
import { assert } from '../lib/assert.ts';
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { JobSummary } from '../structs/job_summary.ts';
import type { Node } from '../structs/node.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { Namespace, PeriodicLaunch } from './rows.ts';
import { StateTxn } from './state_txn.ts';
import { emptyTables } from './state_store.ts';
import type { TableName, Tables } from './tables.ts';

export const SERIALIZED_STATE_VERSION = 1;

export type SerializedAlloc = Omit<Allocation, 'Job'> & { Job: null; JobRef: number };

export interface SerializedState {
  Version: number;
  LatestIndex: number;
  TableIndexes: Record<TableName, number>;
  /** Every distinct job object; the fields below refer to positions in it. */
  JobPool: Job[];
  Jobs: number[];
  JobVersions: number[][];
  JobSummaries: JobSummary[];
  Evals: Evaluation[];
  /** JobRef is a JobPool position, or -1 when the allocation carries no job. */
  Allocs: SerializedAlloc[];
  Deployments: Deployment[];
  Nodes: Node[];
  PeriodicLaunches: PeriodicLaunch[];
  Namespaces: Namespace[];
  SchedulerConfig: SchedulerConfiguration;
}

export function serializeTables(t: Tables): SerializedState {
  const pool: Job[] = [];
  const refs = new Map<Job, number>();
  const ref = (job: Job): number => {
    let n = refs.get(job);
    if (n === undefined) {
      n = pool.length;
      pool.push(job);
      refs.set(job, n);
    }
    return n;
  };
  return {
    Version: SERIALIZED_STATE_VERSION,
    LatestIndex: t.latestIndex,
    TableIndexes: { ...t.tableIndexes },
    Jobs: t.jobs.valuesArray().map(ref),
    JobVersions: t.jobVersions.valuesArray().map((vs) => vs.map(ref)),
    JobSummaries: t.jobSummaries.valuesArray(),
    Evals: t.evals.valuesArray(),
    Allocs: t.allocs
      .valuesArray()
      .map((a) => ({ ...a, Job: null, JobRef: a.Job === null ? -1 : ref(a.Job) })),
    Deployments: t.deployments.valuesArray(),
    Nodes: t.nodes.valuesArray(),
    PeriodicLaunches: t.periodicLaunches.valuesArray(),
    Namespaces: t.namespaces.valuesArray(),
    SchedulerConfig: t.schedulerConfig,
    JobPool: pool,
  };
}

export function deserializeTables(s: SerializedState): Tables {
  assert(s.Version === SERIALIZED_STATE_VERSION, `unknown serialized state version ${s.Version}`);
  const pool = s.JobPool.map((j) => Object.freeze(j));
  const job = (n: number): Job => {
    const j = pool[n];
    assert(j !== undefined, `serialized state refers to job ${n}, past the pool of ${pool.length}`);
    return j;
  };
  const txn = new StateTxn(emptyTables(), s.LatestIndex);
  for (const n of s.Jobs) txn.putJob(job(n));
  for (const versions of s.JobVersions) {
    const vs = versions.map(job);
    if (vs.length > 0) txn.putJobVersions(vs[0]!.Namespace, vs[0]!.ID, vs);
  }
  for (const summary of s.JobSummaries) txn.putJobSummary(summary);
  for (const e of s.Evals) txn.putEval(e);
  for (const { JobRef, ...a } of s.Allocs) txn.putAlloc({ ...a, Job: JobRef < 0 ? null : job(JobRef) });
  for (const d of s.Deployments) txn.putDeployment(d);
  for (const n of s.Nodes) txn.putNode(n);
  for (const p of s.PeriodicLaunches) txn.putPeriodicLaunch(p);
  for (const ns of s.Namespaces) txn.putNamespace(ns);
  txn.putSchedulerConfig(s.SchedulerConfig);
  const built = txn.result();
  return Object.freeze({
    ...built,
    tableIndexes: Object.freeze({ ...s.TableIndexes }),
    latestIndex: s.LatestIndex,
  });
}
