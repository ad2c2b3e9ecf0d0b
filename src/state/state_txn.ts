/**
 * One write transaction: a reader over the version it is building, plus row-level writes that keep
 * the secondary indexes, the table indexes and the change list right. The entity files
 * (state_store_jobs.ts, ...) build Nomad's state-store operations on these. Nothing is visible to
 * anyone until StateStore commits the transaction; a transaction that throws is discarded whole.
 */
import { assert } from '../lib/assert.ts';
import type { Allocation } from '../structs/allocation.ts';
import type { Deployment } from '../structs/deployment.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import type { Job } from '../structs/job.ts';
import type { JobSummary } from '../structs/job_summary.ts';
import type { Node } from '../structs/node.ts';
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { Change } from './changes.ts';
import type { Namespace, PeriodicLaunch } from './rows.ts';
import { newEdit, SortedMap, type Edit } from './sorted_map.ts';
import { StateReader } from './state_reader.ts';
import { nsKey, type TableName, type Tables } from './tables.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableTables = Omit<Mutable<Tables>, 'tableIndexes'> & { tableIndexes: Record<TableName, number> };

/** Jobs whose status must be recomputed before commit, and whether evaluations were deleted. */
export interface DirtyJob {
  namespace: string;
  id: string;
  evalDelete: boolean;
  /** Set by client updates of a non-terminal allocation: the job is running whatever else says. */
  forceRunning: boolean;
}

export class StateTxn extends StateReader {
  readonly index: number;
  readonly changes: Change[] = [];
  readonly dirtyJobs = new Map<string, DirtyJob>();
  private readonly edit: Edit = newEdit();
  private readonly w: MutableTables;

  constructor(base: Tables, index: number) {
    assert(index >= base.latestIndex, `write index ${index} is behind the latest index ${base.latestIndex}`);
    const w: MutableTables = { ...base, tableIndexes: { ...base.tableIndexes } };
    super(w);
    this.w = w;
    this.index = index;
  }

  /** The tables as this transaction leaves them. */
  result(): Tables {
    return Object.freeze({ ...this.w, tableIndexes: Object.freeze({ ...this.w.tableIndexes }) });
  }

  private touch(table: TableName): void {
    this.w.tableIndexes[table] = this.index;
    this.w.latestIndex = this.index;
  }

  markJobDirty(
    namespace: string,
    id: string,
    opts: { evalDelete?: boolean; forceRunning?: boolean } = {},
  ): void {
    const key = nsKey(namespace, id);
    const d = this.dirtyJobs.get(key) ?? { namespace, id, evalDelete: false, forceRunning: false };
    d.evalDelete ||= opts.evalDelete === true;
    d.forceRunning ||= opts.forceRunning === true;
    this.dirtyJobs.set(key, d);
  }

  private indexAdd<T>(
    index: SortedMap<SortedMap<T>>,
    key: string,
    id: string,
    row: T,
  ): SortedMap<SortedMap<T>> {
    const set = index.get(key) ?? SortedMap.empty<T>();
    return index.set(key, set.set(id, row, this.edit), this.edit);
  }

  private indexRemove<T>(index: SortedMap<SortedMap<T>>, key: string, id: string): SortedMap<SortedMap<T>> {
    const set = index.get(key);
    if (set === undefined) return index;
    const next = set.delete(id, this.edit);
    return next.size === 0 ? index.delete(key, this.edit) : index.set(key, next, this.edit);
  }

  // Jobs

  putJob(job: Job): void {
    const key = nsKey(job.Namespace, job.ID);
    const old = this.w.jobs.get(key);
    this.w.jobs = this.w.jobs.set(key, Object.freeze(job), this.edit);
    this.touch('jobs');
    this.changes.push({ table: 'jobs', old, row: job });
  }

  removeJob(namespace: string, id: string): void {
    const key = nsKey(namespace, id);
    const old = this.w.jobs.get(key);
    if (old === undefined) return;
    this.w.jobs = this.w.jobs.delete(key, this.edit);
    this.touch('jobs');
    this.changes.push({ table: 'jobs', old, row: undefined });
  }

  putJobVersions(namespace: string, id: string, versions: readonly Job[]): void {
    const key = nsKey(namespace, id);
    this.w.jobVersions =
      versions.length === 0
        ? this.w.jobVersions.delete(key, this.edit)
        : this.w.jobVersions.set(key, Object.freeze(versions.slice()), this.edit);
    this.touch('job_version');
    this.changes.push({ table: 'job_version', key });
  }

  putJobSummary(summary: JobSummary): void {
    const key = nsKey(summary.Namespace, summary.JobID);
    this.w.jobSummaries = this.w.jobSummaries.set(key, Object.freeze(summary), this.edit);
    this.touch('job_summary');
    this.changes.push({ table: 'job_summary', key });
  }

  removeJobSummary(namespace: string, id: string): void {
    const key = nsKey(namespace, id);
    if (!this.w.jobSummaries.has(key)) return;
    this.w.jobSummaries = this.w.jobSummaries.delete(key, this.edit);
    this.touch('job_summary');
    this.changes.push({ table: 'job_summary', key });
  }

  // Evaluations

  putEval(e: Evaluation): void {
    const old = this.w.evals.get(e.ID);
    const row = Object.freeze(e);
    this.w.evals = this.w.evals.set(e.ID, row, this.edit);
    const jobKey = nsKey(e.Namespace, e.JobID);
    if (old !== undefined && nsKey(old.Namespace, old.JobID) !== jobKey) {
      this.w.evalsByJob = this.indexRemove(this.w.evalsByJob, nsKey(old.Namespace, old.JobID), e.ID);
    }
    this.w.evalsByJob = this.indexAdd(this.w.evalsByJob, jobKey, e.ID, row);
    this.touch('evals');
    this.changes.push({ table: 'evals', old, row });
  }

  removeEval(id: string): void {
    const old = this.w.evals.get(id);
    if (old === undefined) return;
    this.w.evals = this.w.evals.delete(id, this.edit);
    this.w.evalsByJob = this.indexRemove(this.w.evalsByJob, nsKey(old.Namespace, old.JobID), id);
    this.touch('evals');
    this.changes.push({ table: 'evals', old, row: undefined });
  }

  // Allocations

  putAlloc(a: Allocation): void {
    const old = this.w.allocs.get(a.ID);
    const row = Object.freeze(a);
    this.w.allocs = this.w.allocs.set(a.ID, row, this.edit);
    if (old !== undefined) this.unindexAlloc(old, row);
    this.w.allocsByJob = this.indexAdd(this.w.allocsByJob, nsKey(a.Namespace, a.JobID), a.ID, row);
    this.w.allocsByNode = this.indexAdd(this.w.allocsByNode, a.NodeID, a.ID, row);
    this.w.allocsByEval = this.indexAdd(this.w.allocsByEval, a.EvalID, a.ID, row);
    if (a.DeploymentID !== '') {
      this.w.allocsByDeployment = this.indexAdd(this.w.allocsByDeployment, a.DeploymentID, a.ID, row);
    }
    this.touch('allocs');
    this.changes.push({ table: 'allocs', old, row });
  }

  /** Drops the index entries of old whose keys differ in next (all of them when next is undefined). */
  private unindexAlloc(old: Allocation, next: Allocation | undefined): void {
    const oldJob = nsKey(old.Namespace, old.JobID);
    if (next === undefined || nsKey(next.Namespace, next.JobID) !== oldJob) {
      this.w.allocsByJob = this.indexRemove(this.w.allocsByJob, oldJob, old.ID);
    }
    if (next === undefined || next.NodeID !== old.NodeID) {
      this.w.allocsByNode = this.indexRemove(this.w.allocsByNode, old.NodeID, old.ID);
    }
    if (next === undefined || next.EvalID !== old.EvalID) {
      this.w.allocsByEval = this.indexRemove(this.w.allocsByEval, old.EvalID, old.ID);
    }
    if (old.DeploymentID !== '' && (next === undefined || next.DeploymentID !== old.DeploymentID)) {
      this.w.allocsByDeployment = this.indexRemove(this.w.allocsByDeployment, old.DeploymentID, old.ID);
    }
  }

  removeAlloc(id: string): void {
    const old = this.w.allocs.get(id);
    if (old === undefined) return;
    this.w.allocs = this.w.allocs.delete(id, this.edit);
    this.unindexAlloc(old, undefined);
    this.touch('allocs');
    this.changes.push({ table: 'allocs', old, row: undefined });
  }

  // Deployments

  putDeployment(d: Deployment): void {
    const old = this.w.deployments.get(d.ID);
    const row = Object.freeze(d);
    this.w.deployments = this.w.deployments.set(d.ID, row, this.edit);
    this.w.deploymentsByJob = this.indexAdd(this.w.deploymentsByJob, nsKey(d.Namespace, d.JobID), d.ID, row);
    this.touch('deployment');
    this.changes.push({ table: 'deployment', old, row });
  }

  removeDeployment(id: string): void {
    const old = this.w.deployments.get(id);
    if (old === undefined) return;
    this.w.deployments = this.w.deployments.delete(id, this.edit);
    this.w.deploymentsByJob = this.indexRemove(this.w.deploymentsByJob, nsKey(old.Namespace, old.JobID), id);
    this.touch('deployment');
    this.changes.push({ table: 'deployment', old, row: undefined });
  }

  // Nodes

  putNode(n: Node): void {
    const old = this.w.nodes.get(n.ID);
    const row = Object.freeze(n);
    this.w.nodes = this.w.nodes.set(n.ID, row, this.edit);
    this.touch('nodes');
    this.changes.push({ table: 'nodes', old, row });
  }

  removeNode(id: string): void {
    const old = this.w.nodes.get(id);
    if (old === undefined) return;
    this.w.nodes = this.w.nodes.delete(id, this.edit);
    this.touch('nodes');
    this.changes.push({ table: 'nodes', old, row: undefined });
  }

  // Periodic launches, configuration, namespaces

  putPeriodicLaunch(launch: PeriodicLaunch): void {
    const key = nsKey(launch.Namespace, launch.ID);
    this.w.periodicLaunches = this.w.periodicLaunches.set(key, Object.freeze(launch), this.edit);
    this.touch('periodic_launch');
    this.changes.push({ table: 'periodic_launch', key });
  }

  removePeriodicLaunch(namespace: string, id: string): void {
    const key = nsKey(namespace, id);
    if (!this.w.periodicLaunches.has(key)) return;
    this.w.periodicLaunches = this.w.periodicLaunches.delete(key, this.edit);
    this.touch('periodic_launch');
    this.changes.push({ table: 'periodic_launch', key });
  }

  putSchedulerConfig(config: SchedulerConfiguration): void {
    this.w.schedulerConfig = Object.freeze(config);
    this.touch('scheduler_config');
    this.changes.push({ table: 'scheduler_config' });
  }

  putNamespace(ns: Namespace): void {
    this.w.namespaces = this.w.namespaces.set(ns.Name, Object.freeze(ns), this.edit);
    this.touch('namespaces');
    this.changes.push({ table: 'namespaces' });
  }

  removeNamespace(name: string): void {
    if (!this.w.namespaces.has(name)) return;
    this.w.namespaces = this.w.namespaces.delete(name, this.edit);
    this.touch('namespaces');
    this.changes.push({ table: 'namespaces' });
  }
}
