/**
 * When has a healed cluster converged? One leader; every client registered and ready; every
 * service job runs exactly its count, each allocation running on its client; a stopped job has
 * nothing live; batch allocations still live are running; and no client runs an allocation the
 * servers want stopped (or have forgotten).
 */
import { allocTerminal } from '../structs/allocation.ts';
import type { ClusterSim } from './cluster_sim.ts';

/** Why the cluster has not converged yet, or undefined when it has. */
export function convergenceProblem(sim: ClusterSim): string | undefined {
  const leader = sim.leader();
  if (leader === undefined) return 'no single leader';
  const snap = leader.server.state.snapshot();
  const running = new Map<string, Set<string>>();
  for (const name of sim.clientNames) {
    const c = sim.clients.get(name);
    const nodeId = sim.clientDisks.get(name)!.identity.id;
    if (c === undefined || !c.alive) return `client ${name} is not running`;
    if (snap.nodeByID(nodeId)?.Status !== 'ready') return `node of ${name} is not ready`;
    running.set(nodeId, c.runningAllocs());
  }
  for (const job of snap.jobs()) {
    const live = snap.allocsByJob(job.Namespace, job.ID, true).filter((a) => !allocTerminal(a));
    if (job.Stop) {
      if (live.length > 0) return `stopped job ${job.ID} has ${live.length} live allocations`;
      continue;
    }
    for (const g of job.TaskGroups) {
      const mine = live.filter((a) => a.TaskGroup === g.Name);
      if (job.Type === 'service' && mine.length !== g.Count)
        return `job ${job.ID} group ${g.Name} has ${mine.length} live allocations, not ${g.Count}`;
      for (const a of mine) {
        if (a.ClientStatus !== 'running') return `allocation ${a.Name} of ${job.ID} is ${a.ClientStatus}`;
        if (running.get(a.NodeID)?.has(a.ID) !== true)
          return `allocation ${a.Name} of ${job.ID} is not running on its client`;
      }
    }
  }
  for (const [nodeId, ids] of running) {
    for (const id of ids) {
      const a = snap.allocByID(id);
      if (a === undefined || allocTerminal(a) || a.NodeID !== nodeId)
        return `a client runs allocation ${id}, which the servers ${a === undefined ? 'do not know' : 'want stopped'}`;
    }
  }
  return undefined;
}
