/**
 * The task runner: runs one task of an allocation through its life. Prestart hooks (task dir,
 * logs, artifacts, templates), validation, driver start, wait, restart policy, kill; every step
 * recorded as Nomad's task events and persisted, so a restarted agent reattaches instead of
 * starting the task again.
 */
import type { Allocation, TaskEvent, TaskState } from '../../structs/allocation.ts';
import type { Job, Task, TaskGroup } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';
import {
  DriverError,
  type Driver,
  type ExitResult,
  type TaskConfig,
  type TaskHandle,
  type TaskResourceUsage,
} from '../../drivers/driver.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/random.ts';
import type { ClientLogger } from '../config.ts';
import type { ClientStateStore } from '../state_db.ts';
import { taskPaths, type AllocPaths } from '../alloc_dir.ts';
import { TaskHookError, type TaskHook, type TaskHookContext } from './hooks.ts';
import { newTaskEvent, TaskEventType, TASK_EVENTS_MAX } from './task_events.ts';
import { RestartTracker, type RestartDecision } from './restart_tracker.ts';
import { allocPorts, buildTaskEnv, nodeVars, taskEnvDirs } from './task_env.ts';
import { TaskDirHook } from './task_dir_hook.ts';
import { LogmonHook } from './logmon_hook.ts';
import { ArtifactHook } from './artifact_hook.ts';
import { DispatchHook } from './dispatch_hook.ts';
import { TemplateHook } from './template_hook.ts';
import { driverConfigFor } from './validate_hook.ts';

/** Nomad's default kill_signal for process drivers. */
export const DEFAULT_KILL_SIGNAL = 'SIGINT';
export const DEFAULT_KILL_TIMEOUT_MS = 5000;

export interface TaskRunnerOptions {
  alloc: Allocation;
  job: Job;
  group: TaskGroup;
  task: Task;
  node: Node;
  region: string;
  driver: Driver | undefined;
  allocDir: string;
  allocPaths: AllocPaths;
  clock: Clock;
  rng: Rng;
  logger: ClientLogger;
  db: ClientStateStore;
  envDenylist: readonly string[];
  hostEnv: Readonly<Record<string, string | undefined>>;
  onStateChange: () => void;
  /** No task directories nor log files: the task dir and logmon hooks are left out (simulator). */
  diskless?: boolean;
}

export interface KillOptions {
  /** Emitted before the kill (Sibling Task Failed, Leader Task Dead, ...). */
  event?: TaskEvent;
  /** Mark the task failed (a sibling failed). */
  failed?: boolean;
  /** Skip shutdown_delay (job stop -no-shutdown-delay). */
  noShutdownDelay?: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function emptyTaskState(): TaskState {
  return {
    State: 'pending',
    Failed: false,
    Restarts: 0,
    LastRestart: null,
    StartedAt: null,
    FinishedAt: null,
    Events: [],
  };
}

export class TaskRunner {
  readonly name: string;
  readonly #o: TaskRunnerOptions;
  readonly #hooks: TaskHook[];
  readonly #tracker: RestartTracker;
  #alloc: Allocation;
  #state: TaskState;
  #handle: TaskHandle | null = null;
  #restored = false;
  #started = false;
  #kill: KillOptions | null = null;
  #killDone: Promise<void> | null = null;
  #restartReason: string | null = null;
  #wake: () => void = () => undefined;
  #done: Promise<void> | null = null;
  #persist: Promise<void> = Promise.resolve();
  #ctx: TaskHookContext | null = null;
  #detached = false;

  constructor(o: TaskRunnerOptions) {
    this.#o = o;
    this.name = o.task.Name;
    this.#alloc = o.alloc;
    this.#hooks =
      o.diskless === true
        ? [new ArtifactHook(), new TemplateHook()]
        : [new TaskDirHook(), new LogmonHook(), new DispatchHook(), new ArtifactHook(), new TemplateHook()];
    const saved = o.db.taskLocal(o.alloc.ID, o.task.Name);
    const policy = o.task.RestartPolicy ?? o.group.RestartPolicy;
    this.#tracker = new RestartTracker(policy, o.job.Type, o.rng, saved?.restart);
    const state = o.db.taskState(o.alloc.ID, o.task.Name);
    if (state !== undefined) {
      this.#state = state;
      this.#handle = saved?.handle ?? null;
      this.#restored = true;
      this.#started = state.StartedAt !== null;
    } else {
      this.#state = emptyTaskState();
      this.#emit(newTaskEvent(TaskEventType.Received, o.clock.nowMs()));
    }
  }

  get state(): TaskState {
    return this.#state;
  }

  /** run() was called (or the task was reattached after a restore). */
  get hasRun(): boolean {
    return this.#done !== null;
  }

  get isDead(): boolean {
    return this.#state.State === 'dead';
  }

  get taskId(): string {
    return `${this.#o.alloc.ID}/${this.name}`;
  }

  updateAlloc(a: Allocation): void {
    this.#alloc = a;
  }

  #emit(e: TaskEvent, patch: Partial<TaskState> = {}): void {
    if (this.#detached) return;
    const events = [...this.#state.Events, e].slice(-TASK_EVENTS_MAX);
    this.#state = { ...this.#state, ...patch, Events: events };
    if (e.FailsTask) this.#state.Failed = true;
    this.#save();
  }

  #setState(patch: Partial<TaskState>): void {
    if (this.#detached) return;
    this.#state = { ...this.#state, ...patch };
    this.#save();
  }

  #save(): void {
    const s = this.#state;
    const local = { handle: this.#handle, restart: this.#tracker.state, templateHashes: {} };
    this.#persist = this.#persist
      .then(async () => {
        await this.#o.db.putTaskState(this.#o.alloc.ID, this.name, s);
        await this.#o.db.putTaskLocal(this.#o.alloc.ID, this.name, local);
      })
      .catch((err: unknown) =>
        this.#o.logger.error('persisting task state failed', { task: this.name, error: String(err) }),
      );
    this.#o.onStateChange();
  }

  /** Runs the task until it is dead for good. Call once; later calls return the same promise. */
  run(): Promise<void> {
    this.#done ??= this.#loop()
      .catch((err: unknown) => {
        this.#o.logger.error('task runner failed', { task: this.name, error: String(err) });
        this.#emit(
          newTaskEvent(TaskEventType.SetupFailure, this.#o.clock.nowMs(), {
            SetupError: String(err),
            FailsTask: true,
          }),
        );
      })
      .finally(() => this.#finish());
    return this.#done;
  }

  /** Waits until the task is dead (run() must have been called, or kill()). */
  wait(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  #context(): TaskHookContext {
    const o = this.#o;
    const tp = taskPaths(o.allocDir, o.alloc.ID, o.task.Name);
    const env = buildTaskEnv({
      alloc: this.#alloc,
      job: o.job,
      group: o.group,
      task: o.task,
      node: o.node,
      region: o.region,
      ...taskEnvDirs(o.driver?.fsIsolation ?? 'none', o.allocPaths, tp),
      hostEnv: o.hostEnv,
      envDenylist: o.envDenylist,
    });
    return {
      alloc: this.#alloc,
      job: o.job,
      group: o.group,
      task: o.task,
      node: o.node,
      region: o.region,
      driver: o.driver!,
      allocPaths: o.allocPaths,
      taskPaths: tp,
      env,
      nodeVars: nodeVars(o.node, o.region),
      stdoutPath: '',
      stderrPath: '',
      clock: o.clock,
      logger: o.logger,
      emit: (e) => this.#emit(e),
      restart: (reason) => void this.restart(reason),
      signal: (sig, reason) =>
        void this.signal(sig, reason).catch((err: unknown) =>
          o.logger.warn('signal failed', { error: String(err) }),
        ),
      restored: this.#handle !== null,
    };
  }

  async #loop(): Promise<void> {
    if (this.#o.driver === undefined) {
      const msg = `missing drivers: "${this.#o.task.Driver}" is not available on this client`;
      this.#emit(
        newTaskEvent(TaskEventType.DriverFailure, this.#o.clock.nowMs(), {
          DriverError: msg,
          FailsTask: true,
        }),
      );
      return;
    }
    if (this.#restored && this.#state.State === 'dead') return;
    for (;;) {
      if (this.#kill !== null || this.#detached) return;
      const ctx = this.#context();
      this.#ctx = ctx;
      const started = await this.#prestartAndStart(ctx);
      if (started === 'stop') return;
      if (started === 'retry') continue;
      const res = await this.#waitExit();
      if (this.#detached) return;
      this.#handle = null;
      // The driver forgets this run, so the next start can reuse the task ID.
      await this.#o.driver.destroyTask(this.taskId, { force: true });
      const fields = { ExitCode: res.exitCode, Signal: res.signal, Message: res.err ?? '' };
      this.#emit(newTaskEvent(TaskEventType.Terminated, this.#o.clock.nowMs(), fields));
      if (this.#kill !== null) return;
      if (this.#restartReason !== null) {
        this.#restartReason = null;
        const d: RestartDecision = { state: TaskEventType.Restarting, delayMs: 0, reason: '' };
        if (await this.#apply(d)) continue;
        return;
      }
      if (!(await this.#apply(this.#tracker.afterExit(res, this.#o.clock.nowMs())))) return;
    }
  }

  /** Runs prestart hooks and starts (or reattaches to) the task. */
  async #prestartAndStart(ctx: TaskHookContext): Promise<'running' | 'retry' | 'stop'> {
    const o = this.#o;
    try {
      for (const h of this.#hooks) if (h.prestart !== undefined) await h.prestart(ctx);
      if (this.#kill !== null) return 'stop';
      if (this.#handle !== null) {
        if (await this.#reattach()) return 'running';
        return (await this.#apply(
          this.#tracker.afterExit(
            { exitCode: 0, signal: 0, oomKilled: false, err: 'task exited while the client was down' },
            o.clock.nowMs(),
          ),
        ))
          ? 'retry'
          : 'stop';
      }
      const driverConfig = driverConfigFor(ctx);
      const handle = await o.driver!.startTask(this.#taskConfig(ctx, driverConfig));
      this.#handle = handle;
      this.#started = true;
      this.#emit(newTaskEvent(TaskEventType.Started, o.clock.nowMs()), {
        State: 'running',
        StartedAt: iso(o.clock.nowMs()),
      });
      await this.#persist;
      // A kill that came while the driver was starting the task finds it running now.
      if (this.#kill !== null) void this.#killRunning(this.#kill);
      for (const h of this.#hooks) if (h.poststart !== undefined) await h.poststart(ctx, handle);
      return 'running';
    } catch (err) {
      const now = o.clock.nowMs();
      let recoverable = true;
      if (err instanceof TaskHookError) {
        recoverable = err.recoverable;
        this.#emit(err.event ?? newTaskEvent(TaskEventType.SetupFailure, now, { SetupError: err.message }));
      } else if (err instanceof DriverError) {
        recoverable = err.recoverable;
        this.#emit(newTaskEvent(TaskEventType.DriverFailure, now, { DriverError: err.message }));
      } else {
        this.#emit(
          newTaskEvent(TaskEventType.SetupFailure, now, {
            SetupError: (err as Error).message ?? String(err),
          }),
        );
      }
      if (this.#state.Failed) return 'stop';
      return (await this.#apply(this.#tracker.afterStartError(recoverable, now))) ? 'retry' : 'stop';
    }
  }

  async #reattach(): Promise<boolean> {
    const o = this.#o;
    try {
      await o.driver!.recoverTask(this.#handle!);
      this.#started = true;
      if (this.#state.State !== 'running') this.#setState({ State: 'running' });
      return true;
    } catch (err) {
      o.logger.info('task is gone after a client restart', {
        task: this.name,
        error: (err as Error).message,
      });
      this.#handle = null;
      return false;
    }
  }

  #taskConfig(ctx: TaskHookContext, driverConfig: Record<string, unknown>): TaskConfig {
    const o = this.#o;
    const r = this.#alloc.AllocatedResources?.Tasks[o.task.Name];
    return {
      id: this.taskId,
      allocId: o.alloc.ID,
      taskName: o.task.Name,
      jobName: o.job.Name,
      groupName: o.group.Name,
      namespace: o.alloc.Namespace,
      env: ctx.env,
      user: o.task.User,
      driverConfig,
      resources: {
        cpuMhz: r?.Cpu.CpuShares ?? o.task.Resources.CPU,
        cores: r?.Cpu.ReservedCores?.length ?? o.task.Resources.Cores,
        memoryMb: r?.Memory.MemoryMB ?? o.task.Resources.MemoryMB,
        memoryMaxMb: r?.Memory.MemoryMaxMB ?? o.task.Resources.MemoryMaxMB,
      },
      ports: allocPorts(this.#alloc, o.task.Name).map((p) => ({
        label: p.Label,
        hostPort: p.Value,
        to: p.To,
        hostIp: p.HostIP,
      })),
      allocDir: o.allocPaths.root,
      taskDir: ctx.taskPaths.dir,
      stdoutPath: ctx.stdoutPath,
      stderrPath: ctx.stderrPath,
    };
  }

  async #waitExit(): Promise<ExitResult> {
    try {
      return await this.#o.driver!.waitTask(this.taskId);
    } catch (err) {
      return {
        exitCode: 0,
        signal: 0,
        oomKilled: false,
        err: `waiting for the task failed: ${(err as Error).message}`,
      };
    }
  }

  /** Acts on a restart decision; true when the task should start again. */
  async #apply(d: RestartDecision): Promise<boolean> {
    const now = this.#o.clock.nowMs();
    if (d.state === TaskEventType.NotRestarting) {
      this.#emit(
        newTaskEvent(TaskEventType.NotRestarting, now, { RestartReason: d.reason, FailsTask: true }),
      );
      return false;
    }
    if (d.state === TaskEventType.Terminated) return false;
    this.#emit(
      newTaskEvent(TaskEventType.Restarting, now, {
        RestartReason: d.reason,
        StartDelay: Math.round(d.delayMs * 1e6),
      }),
      {
        State: 'pending',
      },
    );
    await new Promise<void>((resolve) => {
      const timer = this.#o.clock.setTimer(d.delayMs, resolve);
      this.#wake = () => {
        this.#o.clock.clearTimer(timer);
        resolve();
      };
    });
    this.#wake = () => undefined;
    if (this.#kill !== null || this.#detached) return false;
    this.#setState({ Restarts: this.#state.Restarts + 1, LastRestart: iso(this.#o.clock.nowMs()) });
    return true;
  }

  async #finish(): Promise<void> {
    const o = this.#o;
    if (this.#detached) return;
    const ctx = this.#ctx ?? this.#context();
    for (const h of this.#hooks) {
      if (h.stop === undefined) continue;
      try {
        await h.stop(ctx, { final: true });
      } catch (err) {
        o.logger.warn('task stop hook failed', { task: this.name, hook: h.name, error: String(err) });
      }
    }
    if (o.driver !== undefined) await o.driver.destroyTask(this.taskId, { force: true });
    const patch: Partial<TaskState> = { State: 'dead', FinishedAt: iso(o.clock.nowMs()) };
    if (this.#kill !== null && this.#started)
      this.#emit(newTaskEvent(TaskEventType.Killed, o.clock.nowMs()), patch);
    else this.#setState(patch);
    if (this.#kill?.failed === true && !this.#state.Failed) this.#setState({ Failed: true });
    await this.#persist;
  }

  /** Stops the task for good: shutdown_delay, then the kill signal, escalating after kill_timeout. Idempotent. */
  kill(opts: KillOptions = {}): Promise<void> {
    if (this.#killDone !== null) return this.#killDone;
    this.#kill = opts;
    if (opts.event !== undefined) this.#emit(opts.event);
    this.#wake();
    this.#killDone = (async () => {
      // A restored task not yet reattached is reattached first, so the kill reaches its process.
      if (this.#done === null && this.#handle !== null && !(await this.#reattach())) this.#handle = null;
      await this.#killRunning(opts);
    })().then(() => this.run());
    return this.#killDone;
  }

  async #killRunning(opts: KillOptions): Promise<void> {
    const o = this.#o;
    if (this.#handle === null || this.#state.State !== 'running') return;
    const delayNs = o.task.ShutdownDelay;
    if (delayNs > 0 && opts.noShutdownDelay !== true) {
      this.#emit(
        newTaskEvent(TaskEventType.WaitingShutdownDelay, o.clock.nowMs(), {
          Message: `Waiting for shutdown_delay of ${delayNs / 1e9}s before killing the task.`,
        }),
      );
      await new Promise<void>((r) => o.clock.setTimer(delayNs / 1e6, r));
    }
    const timeoutNs = o.task.KillTimeout > 0 ? o.task.KillTimeout : DEFAULT_KILL_TIMEOUT_MS * 1e6;
    this.#emit(newTaskEvent(TaskEventType.Killing, o.clock.nowMs(), { KillTimeout: timeoutNs }));
    try {
      await o.driver!.stopTask(this.taskId, {
        timeoutMs: timeoutNs / 1e6,
        signal: o.task.KillSignal || DEFAULT_KILL_SIGNAL,
      });
    } catch (err) {
      this.#emit(newTaskEvent(TaskEventType.Killed, o.clock.nowMs(), { KillError: (err as Error).message }));
    }
  }

  /** Restarts a running task in place (template change, `alloc restart`): not counted by the policy. */
  async restart(reason: string): Promise<void> {
    if (this.#handle === null || this.#kill !== null || this.#state.State !== 'running') return;
    this.#restartReason = reason;
    this.#emit(newTaskEvent(TaskEventType.RestartSignal, this.#o.clock.nowMs(), { RestartReason: reason }));
    const timeoutNs = this.#o.task.KillTimeout > 0 ? this.#o.task.KillTimeout : DEFAULT_KILL_TIMEOUT_MS * 1e6;
    await this.#o.driver!.stopTask(this.taskId, {
      timeoutMs: timeoutNs / 1e6,
      signal: this.#o.task.KillSignal || DEFAULT_KILL_SIGNAL,
    });
  }

  async signal(sig: string, reason: string): Promise<void> {
    if (this.#handle === null || this.#state.State !== 'running') return;
    this.#emit(
      newTaskEvent(TaskEventType.Signaling, this.#o.clock.nowMs(), {
        TaskSignal: sig,
        TaskSignalReason: reason,
      }),
    );
    await this.#o.driver!.signalTask(this.taskId, sig);
  }

  async stats(): Promise<TaskResourceUsage | undefined> {
    if (this.#handle === null || this.#state.State !== 'running' || this.#o.driver === undefined)
      return undefined;
    return this.#o.driver.taskStats(this.taskId);
  }

  /** The template hook, for tests and `alloc restart`-style callers that force a re-render check. */
  checkTemplates(): number {
    const h = this.#hooks.find((x): x is TemplateHook => x instanceof TemplateHook);
    return h?.checkForChanges() ?? 0;
  }

  /** Marks a task that never ran (its alloc stopped first) dead, with no events. */
  markDead(): void {
    if (this.#done !== null || this.isDead) return;
    this.#kill = {};
    this.#setState({ State: 'dead', FinishedAt: iso(this.#o.clock.nowMs()) });
  }

  /** Agent shutdown: leave the task running, stop reading its logs. */
  async detach(): Promise<void> {
    await this.#persist;
    this.#detached = true;
    this.#wake();
    const ctx = this.#ctx;
    if (ctx !== null)
      for (const h of this.#hooks) if (h.stop !== undefined) await h.stop(ctx, { final: false });
    await this.#persist;
  }
}
