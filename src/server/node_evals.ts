/** Evaluations a node change calls for (Nomad's createNodeEvals). */
import { proposeOrThrow } from '../fsm/log.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { newJobEval, type EndpointDeps } from './endpoint_common.ts';

/**
 * One evaluation per job with an allocation on the node, and per system or sysbatch job of the
 * node's pool (it may now belong there), proposed as one entry. Returns the evaluation IDs.
 */
export async function createNodeEvals(
  deps: EndpointDeps,
  nodeId: string,
  nodeIndex: number,
): Promise<string[]> {
  const snap = deps.store.snapshot();
  const node = snap.nodeByID(nodeId);
  const seen = new Set<string>();
  const evals: Evaluation[] = [];
  const add = (job: { ID: string; Namespace: string; Priority: number; Type: string }): void => {
    const key = `${job.Namespace}\u0000${job.ID}`;
    if (seen.has(key)) return;
    seen.add(key);
    evals.push({
      ...newJobEval(deps, job, { triggeredBy: 'node-update', nodeId }),
      NodeModifyIndex: nodeIndex,
    });
  };
  for (const a of snap.allocsByNode(nodeId)) {
    if (a.Job !== null)
      add({ ID: a.JobID, Namespace: a.Namespace, Priority: a.Job.Priority, Type: a.Job.Type });
  }
  for (const job of snap.jobs()) {
    if (job.Type !== 'system' && job.Type !== 'sysbatch') continue;
    if (job.Stop || (node !== undefined && job.NodePool !== 'all' && job.NodePool !== node.NodePool))
      continue;
    add(job);
  }
  if (evals.length === 0) return [];
  await proposeOrThrow(deps.log, { type: 'EvalUpdate', evals });
  return evals.map((e) => e.ID);
}
