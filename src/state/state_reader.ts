/**
 * Reads over one version of the tables. A StateSnapshot is a reader over a version no write will
 * ever change; a StateTxn is a reader over the version it is building (it sees its own writes).
 * Returned rows are the stored objects: readonly, never to be mutated (copy to change).
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
import { nsKey, type TableName, type Tables } from './tables.ts';

function rowsOf<T>(index: SortedMap<SortedMap<T>>, key: string): T[] {
  const set = index.get(key);
  return set === undefined ? [] : set.valuesArray();
}

function byPrefix<T>(table: SortedMap<T>, prefix: string): T[] {
  const out: T[] = [];
  for (const [, v] of table.withPrefix(prefix)) out.push(v);
  return out;
}

/** Implements src/scheduler/state.ts SchedulerState structurally (state may not import scheduler). */
export class StateReader {
  protected t: Tables;

  constructor(tables: Tables) {
    this.t = tables;
  }

  latestIndex(): number {
    return this.t.latestIndex;
  }

  /** The index of the last write to the table: what a list query reports as its index. */
  tableIndex(table: TableName): number {
    return this.t.tableIndexes[table];
  }

  /** The highest index among the tables: what a query over several tables reports. */
  maxIndex(...tables: TableName[]): number {
    let max = 0;
    for (const t of tables) max = Math.max(max, this.t.tableIndexes[t]);
    return max;
  }

  // Jobs

  jobByID(namespace: string, id: string): Job | undefined {
    return this.t.jobs.get(nsKey(namespace, id));
  }

  /** Jobs of every namespace, ordered by namespace then ID. */
  jobs(): Job[] {
    return this.t.jobs.valuesArray();
  }

  /** Jobs of one namespace whose ID starts with prefix (all when prefix is ""). */
  jobsByIDPrefix(namespace: string, prefix: string): Job[] {
    return byPrefix(this.t.jobs, nsKey(namespace, prefix));
  }

  /** Tracked versions of a job, newest first. */
  jobVersionsByID(namespace: string, id: string): readonly Job[] {
    return this.t.jobVersions.get(nsKey(namespace, id)) ?? [];
  }

  jobByIDAndVersion(namespace: string, id: string, version: number): Job | undefined {
    return this.jobVersionsByID(namespace, id).find((j) => j.Version === version);
  }

  jobSummaryByID(namespace: string, id: string): JobSummary | undefined {
    return this.t.jobSummaries.get(nsKey(namespace, id));
  }

  /** Children of a periodic or parameterized job, in ID order. */
  jobsByParent(namespace: string, parentId: string): Job[] {
    return byPrefix(this.t.jobs, nsKey(namespace, `${parentId}/`)).filter((j) => j.ParentID === parentId);
  }

  // Nodes

  /** Every node, ordered by ID. */
  nodes(): readonly Node[] {
    return this.t.nodes.valuesArray();
  }

  nodeByID(id: string): Node | undefined {
    return this.t.nodes.get(id);
  }

  nodesByIDPrefix(prefix: string): Node[] {
    return byPrefix(this.t.nodes, prefix);
  }

  // Allocations

  allocByID(id: string): Allocation | undefined {
    return this.t.allocs.get(id);
  }

  allocs(): Allocation[] {
    return this.t.allocs.valuesArray();
  }

  allocsByIDPrefix(prefix: string): Allocation[] {
    return byPrefix(this.t.allocs, prefix);
  }

  allocsByJob(namespace: string, jobId: string, all: boolean): Allocation[] {
    const rows = rowsOf(this.t.allocsByJob, nsKey(namespace, jobId));
    if (all) return rows;
    const job = this.jobByID(namespace, jobId);
    if (job === undefined) return rows;
    return rows.filter((a) => a.Job === null || a.Job.CreateIndex === job.CreateIndex);
  }

  allocsByNode(nodeId: string): readonly Allocation[] {
    return rowsOf(this.t.allocsByNode, nodeId);
  }

  allocsByEval(evalId: string): Allocation[] {
    return rowsOf(this.t.allocsByEval, evalId);
  }

  allocsByDeployment(deploymentId: string): Allocation[] {
    return rowsOf(this.t.allocsByDeployment, deploymentId);
  }

  // Evaluations

  evalByID(id: string): Evaluation | undefined {
    return this.t.evals.get(id);
  }

  evals(): Evaluation[] {
    return this.t.evals.valuesArray();
  }

  evalsByIDPrefix(prefix: string): Evaluation[] {
    return byPrefix(this.t.evals, prefix);
  }

  evalsByJob(namespace: string, jobId: string): Evaluation[] {
    return rowsOf(this.t.evalsByJob, nsKey(namespace, jobId));
  }

  // Deployments

  deploymentByID(id: string): Deployment | undefined {
    return this.t.deployments.get(id);
  }

  deployments(): Deployment[] {
    return this.t.deployments.valuesArray();
  }

  deploymentsByIDPrefix(prefix: string): Deployment[] {
    return byPrefix(this.t.deployments, prefix);
  }

  deploymentsByJob(namespace: string, jobId: string): Deployment[] {
    return rowsOf(this.t.deploymentsByJob, nsKey(namespace, jobId));
  }

  /** The deployment with the highest CreateIndex for the job. */
  latestDeploymentByJobID(namespace: string, jobId: string): Deployment | undefined {
    let latest: Deployment | undefined;
    for (const d of this.deploymentsByJob(namespace, jobId)) {
      if (latest === undefined || d.CreateIndex > latest.CreateIndex) latest = d;
    }
    return latest;
  }

  // Periodic launches, configuration, namespaces

  periodicLaunchByID(namespace: string, jobId: string): PeriodicLaunch | undefined {
    return this.t.periodicLaunches.get(nsKey(namespace, jobId));
  }

  periodicLaunches(): PeriodicLaunch[] {
    return this.t.periodicLaunches.valuesArray();
  }

  schedulerConfig(): SchedulerConfiguration {
    return this.t.schedulerConfig;
  }

  namespaces(): Namespace[] {
    return this.t.namespaces.valuesArray();
  }

  namespaceByName(name: string): Namespace | undefined {
    return this.t.namespaces.get(name);
  }
}
