/**
 * An in-memory SchedulerState for tests and benchmarks, with the few writes a test needs: jobs
 * (versioned as the state store does), nodes, allocations, evaluations and deployments. Indexes
 * keep allocation lookups by job and node cheap, as the real state store does.
 */
import type { Allocation } from '../../structs/allocation.ts';
import type { Deployment } from '../../structs/deployment.ts';
import type { Evaluation } from '../../structs/evaluation.ts';
import type { Job } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';
import type { SchedulerConfiguration } from '../../structs/operator.ts';
import { defaultSchedulerConfiguration } from '../../structs/operator.ts';
import type { SchedulerState } from '../state.ts';

const key = (ns: string, id: string): string => `${ns}\u0000${id}`;

export class MemState implements SchedulerState {
  index = 1;
  config: SchedulerConfiguration = defaultSchedulerConfiguration();
  private readonly jobs = new Map<string, Job>();
  private readonly jobVersions = new Map<string, Job[]>();
  private readonly nodeMap = new Map<string, Node>();
  private sortedNodes: Node[] | null = null;
  private readonly allocs = new Map<string, Allocation>();
  private readonly byNode = new Map<string, Map<string, Allocation>>();
  private readonly byJob = new Map<string, Map<string, Allocation>>();
  private readonly evals = new Map<string, Evaluation>();
  private readonly deployments = new Map<string, Deployment>();

  latestIndex(): number {
    return this.index;
  }

  next(): number {
    return ++this.index;
  }

  /** Registers a job: a new version when one exists (keeping CreateIndex), as Job.Register does. */
  registerJob(job: Job): Job {
    const k = key(job.Namespace, job.ID);
    const prev = this.jobs.get(k);
    const i = this.next();
    const stored: Job = {
      ...job,
      Version: prev === undefined ? 0 : prev.Version + 1,
      CreateIndex: prev?.CreateIndex ?? i,
      ModifyIndex: i,
      JobModifyIndex: i,
      Status: job.Status,
    };
    this.jobs.set(k, stored);
    (this.jobVersions.get(k) ?? this.jobVersions.set(k, []).get(k)!).push(stored);
    return stored;
  }

  /** Replaces the stored job as is (e.g. marking it stable), without a new version. */
  putJob(job: Job): void {
    this.jobs.set(key(job.Namespace, job.ID), job);
  }

  deleteJob(ns: string, id: string): void {
    this.jobs.delete(key(ns, id));
  }

  jobByID(namespace: string, id: string): Job | undefined {
    return this.jobs.get(key(namespace, id));
  }

  upsertNode(node: Node): Node {
    const i = this.next();
    const prev = this.nodeMap.get(node.ID);
    const stored = { ...node, CreateIndex: prev?.CreateIndex ?? i, ModifyIndex: i };
    if (prev === undefined) this.sortedNodes = null;
    else if (this.sortedNodes !== null) this.sortedNodes[this.sortedNodes.indexOf(prev)] = stored;
    this.nodeMap.set(node.ID, stored);
    return stored;
  }

  nodes(): Iterable<Node> {
    this.sortedNodes ??= [...this.nodeMap.values()].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
    return this.sortedNodes;
  }

  nodeByID(id: string): Node | undefined {
    return this.nodeMap.get(id);
  }

  upsertAlloc(alloc: Allocation): void {
    this.allocs.set(alloc.ID, alloc);
    let n = this.byNode.get(alloc.NodeID);
    if (n === undefined) this.byNode.set(alloc.NodeID, (n = new Map()));
    n.set(alloc.ID, alloc);
    const jk = key(alloc.Namespace, alloc.JobID);
    let j = this.byJob.get(jk);
    if (j === undefined) this.byJob.set(jk, (j = new Map()));
    j.set(alloc.ID, alloc);
  }

  allocByID(id: string): Allocation | undefined {
    return this.allocs.get(id);
  }

  allAllocs(): Allocation[] {
    return [...this.allocs.values()];
  }

  allocsByJob(namespace: string, jobId: string, all: boolean): Allocation[] {
    const list = [...(this.byJob.get(key(namespace, jobId))?.values() ?? [])];
    const job = this.jobByID(namespace, jobId);
    if (all || job === undefined) return list;
    return list.filter((a) => a.Job === null || a.Job.CreateIndex === job.CreateIndex);
  }

  allocsByNode(nodeId: string): Allocation[] {
    return [...(this.byNode.get(nodeId)?.values() ?? [])];
  }

  upsertEval(e: Evaluation): void {
    this.evals.set(e.ID, e);
  }

  evalByID(id: string): Evaluation | undefined {
    return this.evals.get(id);
  }

  allEvals(): Evaluation[] {
    return [...this.evals.values()];
  }

  upsertDeployment(d: Deployment): void {
    this.deployments.set(d.ID, d);
  }

  deploymentByID(id: string): Deployment | undefined {
    return this.deployments.get(id);
  }

  latestDeploymentByJobID(namespace: string, jobId: string): Deployment | undefined {
    let best: Deployment | undefined;
    for (const d of this.deployments.values()) {
      if (d.Namespace !== namespace || d.JobID !== jobId) continue;
      if (best === undefined || d.CreateIndex > best.CreateIndex) best = d;
    }
    return best;
  }

  schedulerConfig(): SchedulerConfiguration {
    return this.config;
  }
}
