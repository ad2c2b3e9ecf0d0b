/** Builds the task's directories (local, secrets, tmp) before its first start. */
import { buildTaskDir } from '../alloc_dir.ts';
import type { TaskHookContext, TaskPrestartHook } from './hooks.ts';
import { newTaskEvent, TaskEventType } from './task_events.ts';

export class TaskDirHook implements TaskPrestartHook {
  readonly name = 'task_dir';
  #built = false;

  async prestart(ctx: TaskHookContext): Promise<void> {
    if (this.#built || ctx.restored) {
      buildTaskDir(ctx.taskPaths);
      this.#built = true;
      return;
    }
    ctx.emit(
      newTaskEvent(TaskEventType.TaskSetup, ctx.clock.nowMs(), { Message: 'Building Task Directory' }),
    );
    buildTaskDir(ctx.taskPaths);
    this.#built = true;
  }
}
