/**
 * The node reconciler for system and sysbatch jobs: every ready node in the job's datacenters and
 * node pool should run one allocation of each group (per index of its count). Per node it says
 * what to place, update, migrate off a draining node, stop, mark lost, or leave alone.
 */
import type { Allocation } from '../structs/allocation.ts';
import { allocName } from '../structs/allocation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import type { TaintedNodes } from './alloc_sets.ts';

export interface AllocTuple {
  name: string;
  taskGroup: TaskGroup;
  nodeId: string;
  /** The existing allocation (or for a placement, the node's latest terminal one), if any. */
  alloc: Allocation | null;
}

export interface NodeReconcileResult {
  place: AllocTuple[];
  update: AllocTuple[];
  migrate: AllocTuple[];
  stop: Allocation[];
  ignore: AllocTuple[];
  lost: AllocTuple[];
}

export interface NodeReconcileInput {
  /** The job; a stopped job requires nothing, so everything stops. */
  job: Job;
  readyNodes: readonly Node[];
  notReady: ReadonlySet<string>;
  tainted: TaintedNodes;
  /** The job's non-terminal allocations. */
  live: readonly Allocation[];
  /** The latest terminal allocation per node and name. */
  terminal: ReadonlyMap<string, ReadonlyMap<string, Allocation>>;
}

function required(job: Job): Map<string, TaskGroup> {
  const out = new Map<string, TaskGroup>();
  if (job.Stop) return out;
  for (const tg of job.TaskGroups)
    for (let i = 0; i < tg.Count; i++) out.set(allocName(job.Name, tg.Name, i), tg);
  return out;
}

function existingOnNode(
  input: NodeReconcileInput,
  nodeId: string,
  eligible: ReadonlySet<string>,
  req: Map<string, TaskGroup>,
  allocs: readonly Allocation[],
  out: NodeReconcileResult,
): void {
  const job = input.job;
  for (const a of allocs) {
    const tg = req.get(a.Name);
    if (tg === undefined) {
      out.stop.push(a);
      continue;
    }
    const t: AllocTuple = { name: a.Name, taskGroup: tg, nodeId, alloc: a };
    if (a.DesiredTransition?.Migrate === true) {
      out.migrate.push(t);
      continue;
    }
    if (input.tainted.has(a.NodeID)) {
      const node = input.tainted.get(a.NodeID) ?? null;
      const done = (a.Job?.Type ?? job.Type) === 'sysbatch' && a.ClientStatus === 'complete';
      if (!done && (node === null || node.Status === 'down' || node.Status === 'disconnected'))
        out.lost.push(t);
      else out.ignore.push(t);
      continue;
    }
    const changed = (a.Job?.JobModifyIndex ?? job.JobModifyIndex) !== job.JobModifyIndex;
    if (input.notReady.has(nodeId)) {
      if (changed) out.stop.push(a);
      else out.ignore.push(t);
      continue;
    }
    if (!eligible.has(nodeId)) {
      out.stop.push(a);
      continue;
    }
    if (changed) out.update.push(t);
    else out.ignore.push(t);
  }
}

function missingOnNode(
  input: NodeReconcileInput,
  nodeId: string,
  eligible: ReadonlySet<string>,
  req: Map<string, TaskGroup>,
  have: ReadonlySet<string>,
  out: NodeReconcileResult,
): void {
  const job = input.job;
  for (const [name, tg] of req) {
    if (have.has(name)) continue;
    const term = input.terminal.get(nodeId)?.get(name) ?? null;
    if (job.Type === 'sysbatch' && term !== null) {
      const t: AllocTuple = { name, taskGroup: tg, nodeId, alloc: term };
      // A sysbatch allocation that ran is not run again unless the job changed.
      if ((term.Job?.JobModifyIndex ?? job.JobModifyIndex) !== job.JobModifyIndex) out.update.push(t);
      else out.ignore.push(t);
      continue;
    }
    if (input.tainted.has(nodeId) || !eligible.has(nodeId)) continue;
    out.place.push({ name, taskGroup: tg, nodeId, alloc: term });
  }
}

export function reconcileNodes(input: NodeReconcileInput): NodeReconcileResult {
  const byNode = new Map<string, Allocation[]>();
  for (const a of input.live) {
    const list = byNode.get(a.NodeID);
    if (list === undefined) byNode.set(a.NodeID, [a]);
    else list.push(a);
  }
  const eligible = new Set<string>();
  for (const n of input.readyNodes) {
    eligible.add(n.ID);
    if (!byNode.has(n.ID)) byNode.set(n.ID, []);
  }
  const req = required(input.job);
  const out: NodeReconcileResult = { place: [], update: [], migrate: [], stop: [], ignore: [], lost: [] };
  const nodeIds = [...byNode.keys()].sort();
  for (const nodeId of nodeIds) {
    const allocs = byNode.get(nodeId)!;
    existingOnNode(input, nodeId, eligible, req, allocs, out);
    missingOnNode(input, nodeId, eligible, req, new Set(allocs.map((a) => a.Name)), out);
  }
  return out;
}
