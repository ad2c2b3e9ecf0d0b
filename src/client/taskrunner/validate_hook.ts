/** Interpolates the driver config with the task env and has the driver validate it. */
import { interpolateDeep } from './task_env.ts';
import { TaskHookError, type TaskHookContext } from './hooks.ts';
import { newTaskEvent, TaskEventType } from './task_events.ts';

export function driverConfigFor(ctx: TaskHookContext): Record<string, unknown> {
  const cfg = interpolateDeep(ctx.task.Config ?? {}, ctx.env, ctx.nodeVars) as Record<string, unknown>;
  const errors = ctx.driver.validateConfig(cfg);
  if (errors.length > 0) {
    const msg = errors.join('; ');
    throw new TaskHookError(msg, {
      recoverable: false,
      event: newTaskEvent(TaskEventType.FailedValidation, ctx.clock.nowMs(), {
        ValidationError: msg,
        FailsTask: true,
      }),
    });
  }
  return cfg;
}
