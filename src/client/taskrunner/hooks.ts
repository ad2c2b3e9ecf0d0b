/**
 * The task runner is built from hooks, one file each (*_hook.ts), as Nomad's. Prestart hooks run
 * in order before every start (and must be idempotent: they run again on each restart); poststart
 * hooks after the task is running; stop hooks once the task is dead for good.
 */
import type { Allocation, TaskEvent } from '../../structs/allocation.ts';
import type { Job, Task, TaskGroup } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';
import type { Driver, TaskHandle } from '../../drivers/driver.ts';
import type { Clock } from '../../lib/clock.ts';
import type { ClientLogger } from '../config.ts';
import type { AllocPaths, TaskPaths } from '../alloc_dir.ts';

export interface TaskHookContext {
  alloc: Allocation;
  job: Job;
  group: TaskGroup;
  task: Task;
  node: Node;
  region: string;
  driver: Driver;
  allocPaths: AllocPaths;
  taskPaths: TaskPaths;
  /** The task env, built before the hooks run; hooks may add to it (templates with env = true). */
  env: Record<string, string>;
  /** ${attr.*}, ${node.*}, ${meta.*} values. */
  nodeVars: Record<string, string>;
  /** Where the driver sends stdout and stderr (set by the logmon hook). */
  stdoutPath: string;
  stderrPath: string;
  clock: Clock;
  logger: ClientLogger;
  emit(event: TaskEvent): void;
  /** Restarts the task (template change_mode "restart"). */
  restart(reason: string): void;
  /** Signals the task (template change_mode "signal"). */
  signal(sig: string, reason: string): void;
  /** Whether this start follows a restore: a running task was reattached. */
  restored: boolean;
}

/** A hook failure that no restart can fix (bad config): the task fails at once. */
export class TaskHookError extends Error {
  override name = 'TaskHookError';
  readonly recoverable: boolean;
  readonly event: TaskEvent | undefined;
  constructor(message: string, opts: { recoverable: boolean; event?: TaskEvent; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.recoverable = opts.recoverable;
    this.event = opts.event;
  }
}

export interface TaskPrestartHook {
  readonly name: string;
  /** Idempotent: runs before every start of the task. */
  prestart(ctx: TaskHookContext): Promise<void>;
}

export interface TaskPoststartHook {
  readonly name: string;
  poststart(ctx: TaskHookContext, handle: TaskHandle): Promise<void>;
}

export interface TaskStopHook {
  readonly name: string;
  /** Runs once, when the task is dead for good (or its runner is shut down). Idempotent. */
  stop(ctx: TaskHookContext, opts: { final: boolean }): Promise<void>;
}

export type TaskHook = Partial<TaskPrestartHook & TaskPoststartHook & TaskStopHook> & {
  readonly name: string;
};
