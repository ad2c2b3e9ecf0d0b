/** The allocation's client status from its tasks' states, as Nomad's alloc runner computes it. */
import type { AllocClientStatus, TaskState } from '../../structs/allocation.ts';

export function clientStatusOf(states: Readonly<Record<string, TaskState>>): {
  status: AllocClientStatus;
  description: string;
} {
  let pending = false;
  let running = false;
  let dead = false;
  let failed = false;
  for (const s of Object.values(states)) {
    if (s.State === 'running') running = true;
    else if (s.State === 'pending') pending = true;
    else if (s.Failed) failed = true;
    else dead = true;
  }
  if (failed) return { status: 'failed', description: 'Failed tasks' };
  if (running) return { status: 'running', description: 'Tasks are running' };
  if (pending) return { status: 'pending', description: 'No tasks have started' };
  if (dead) return { status: 'complete', description: 'All tasks have completed' };
  return { status: 'pending', description: 'No tasks have started' };
}

/** Client statuses after which an allocation never runs again on the client (Nomad's ClientTerminalStatus). */
export function isClientTerminal(status: AllocClientStatus): boolean {
  return status === 'complete' || status === 'failed' || status === 'lost';
}
