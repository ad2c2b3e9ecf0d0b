/**
 * Builds the task's directories (local, secrets, tmp) before each start, owned by the user the task
 * runs as, so a task that is not the agent's user can write to local/ and tmp/ and read secrets/.
 */
import { DEFAULT_ISOLATED_TASK_USER, type FsIsolation } from '../../drivers/driver.ts';
import { lookupUser } from '../../drivers/exec/users.ts';
import {
  buildTaskDir,
  TASK_SECRETS_MODE,
  TASK_SECRETS_MODE_UNKNOWN_USER,
  type TaskDirOwner,
} from '../alloc_dir.ts';
import { TaskHookError, type TaskHookContext, type TaskPrestartHook } from './hooks.ts';
import { newTaskEvent, TaskEventType } from './task_events.ts';

export interface TaskDirOwnership {
  owner?: TaskDirOwner;
  secretsMode: number;
}

/**
 * Who owns a task's directories:
 * - 'none' (raw_exec, mock): the task runs as the agent's user, which owns them already.
 * - 'chroot' (exec, java): the task's user, `nobody` when it names none (the driver's default).
 * - 'image' (docker): a numeric "uid[:gid]" user owns them. A user named inside the image, or the
 *   image's own USER when the task names none, is unknown to the host, so secrets/ stays readable by
 *   every user as in Nomad (only that container mounts it).
 * An agent that is not root cannot give files away, and its tasks all run as itself: nothing changes.
 */
export function taskDirOwnership(
  fsIsolation: FsIsolation,
  user: string,
  opts: { agentIsRoot: boolean; passwdPath?: string },
): TaskDirOwnership {
  if (fsIsolation === 'none' || !opts.agentIsRoot) return { secretsMode: TASK_SECRETS_MODE };
  if (fsIsolation === 'image') {
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    if (m === null) return { secretsMode: TASK_SECRETS_MODE_UNKNOWN_USER };
    const uid = Number(m[1]);
    return { owner: { uid, gid: m[2] === undefined ? uid : Number(m[2]) }, secretsMode: TASK_SECRETS_MODE };
  }
  const u = lookupUser(user === '' ? DEFAULT_ISOLATED_TASK_USER : user, opts.passwdPath);
  return { owner: { uid: u.uid, gid: u.gid }, secretsMode: TASK_SECRETS_MODE };
}

export class TaskDirHook implements TaskPrestartHook {
  readonly name = 'task_dir';
  #built = false;

  async prestart(ctx: TaskHookContext): Promise<void> {
    if (!this.#built && !ctx.restored) {
      ctx.emit(
        newTaskEvent(TaskEventType.TaskSetup, ctx.clock.nowMs(), { Message: 'Building Task Directory' }),
      );
    }
    let ownership: TaskDirOwnership;
    try {
      ownership = taskDirOwnership(ctx.driver.fsIsolation, ctx.task.User, {
        agentIsRoot: process.getuid?.() === 0,
      });
    } catch (err) {
      const msg = `Failed to build the task directory: ${(err as Error).message}`;
      throw new TaskHookError(msg, {
        recoverable: false,
        cause: err,
        event: newTaskEvent(TaskEventType.SetupFailure, ctx.clock.nowMs(), {
          SetupError: msg,
          FailsTask: true,
        }),
      });
    }
    buildTaskDir(ctx.taskPaths, ownership);
    this.#built = true;
  }
}
