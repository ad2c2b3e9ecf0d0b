/** In-place updates: whether an allocation can take the new job version without being replaced. */
import type { Allocation } from '../structs/allocation.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { Job, TaskGroup } from '../structs/job.ts';
import { STATUS_ALLOC_IN_PLACE } from './descriptions.ts';
import type { EvalContext } from './eval_context.ts';
import { inAnyDatacenter } from './node_class.ts';
import type { AllocUpdate } from './reconcile_types.ts';
import type { Stack } from './stack.ts';
import { tasksUpdated } from './tasks_updated.ts';

/**
 * Nomad's genericAllocUpdateFn: unchanged allocations are ignored; a changed group that needs new
 * tasks is destructive; otherwise the allocation is updated in place if the new resources still
 * fit on its node (with its current usage discounted).
 */
export function inplaceCheck(
  ctx: EvalContext,
  stack: Stack,
  w: { existing: Allocation; job: Job; tg: TaskGroup; evalId: string },
): AllocUpdate {
  const { existing, job, tg } = w;
  const ej = existing.Job ?? job;
  if (ej.JobModifyIndex === job.JobModifyIndex) return { kind: 'ignore' };
  if (tasksUpdated(job, ej, tg.Name).modified) return { kind: 'destructive' };
  if (allocTerminal(existing)) return { kind: 'ignore' };
  const node = ctx.state.nodeByID(existing.NodeID);
  if (
    node === undefined ||
    !inAnyDatacenter(job.Datacenters, node.Datacenter) ||
    node.NodePool !== job.NodePool
  ) {
    return { kind: 'destructive' };
  }
  ctx.appendStoppedAlloc(existing, STATUS_ALLOC_IN_PLACE);
  const r = stack.selectOnNode(node, tg);
  ctx.popUpdate(existing);
  if (r.option === null) return { kind: 'destructive' };
  const old = existing.AllocatedResources;
  const tasks: typeof r.option.resources.Tasks = {};
  for (const [name, t] of Object.entries(r.option.resources.Tasks))
    tasks[name] = { ...t, Networks: old?.Tasks[name]?.Networks ?? null };
  const updated: Allocation = {
    ...existing,
    EvalID: w.evalId,
    Job: null,
    AllocatedResources: {
      Tasks: tasks,
      TaskLifecycles: r.option.resources.TaskLifecycles,
      Shared: {
        DiskMB: tg.EphemeralDisk.SizeMB,
        Ports: old?.Shared.Ports ?? null,
        Networks: old?.Shared.Networks ?? null,
      },
    },
    Metrics: r.metric,
  };
  return { kind: 'inplace', updated };
}
