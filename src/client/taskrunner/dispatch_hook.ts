/**
 * Writes a dispatched job's payload into the task's local/ directory under the name the task's
 * dispatch_payload block gives (Nomad's dispatch_hook), before every start: the file is the
 * task's input, so a restart finds it again even if the task removed it.
 */
import { join } from 'node:path';
import { TaskHookError, type TaskHookContext, type TaskPrestartHook } from './hooks.ts';
import { resolveSandboxDestination, writeSandboxFile, type TaskSandbox } from './sandbox_path.ts';

export class DispatchHook implements TaskPrestartHook {
  readonly name = 'dispatch_payload';

  prestart(ctx: TaskHookContext): Promise<void> {
    try {
      this.#write(ctx);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #write(ctx: TaskHookContext): void {
    const file = ctx.task.DispatchPayload?.File ?? '';
    const payload = ctx.job.Payload;
    if (file === '' || payload === null || payload === '') return;
    const box: TaskSandbox = { taskDir: ctx.taskPaths.dir, sharedAllocDir: ctx.allocPaths.shared };
    try {
      // Relative to local/; the sandbox refuses a name that climbs out of the task directory.
      const dest = resolveSandboxDestination(box, join('local', file), {
        what: 'dispatch payload file',
        env: {},
        vars: {},
      });
      writeSandboxFile(box, dest, Buffer.from(payload, 'base64'), {
        mode: 0o644,
        what: 'dispatch payload file',
      });
    } catch (err) {
      throw new TaskHookError(`failed to write dispatch payload: ${(err as Error).message}`, {
        recoverable: false,
        cause: err,
      });
    }
  }
}
