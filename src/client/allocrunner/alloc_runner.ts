/**
 * The alloc runner: runs one allocation's tasks in lifecycle order (prestart, then main tasks,
 * poststart once the main tasks run, poststop after they die), kills siblings when a task fails or
 * the leader dies, watches deployment health, and reports the allocation's client status.
 */
import type { Allocation, AllocDeploymentStatus, TaskState } from '../../structs/allocation.ts';
import type { Task, TaskGroup } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';
import type { Driver } from '../../drivers/driver.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Rng } from '../../lib/random.ts';
import { msToNs } from '../../lib/clock.ts';
import type { ClientLogger } from '../config.ts';
import type { ClientStateStore } from '../state_db.ts';
import type { AllocClientUpdate } from '../server_rpc.ts';
import { allocPaths, buildAllocDir, destroyAllocDir, type AllocPaths } from '../alloc_dir.ts';
import { TaskRunner } from '../taskrunner/task_runner.ts';
import { newTaskEvent, TaskEventType } from '../taskrunner/task_events.ts';
import { clientStatusOf } from './client_status.ts';
import { HealthHook } from './health_hook.ts';

export interface AllocRunnerOptions {
  alloc: Allocation;
  node: Node;
  region: string;
  drivers: ReadonlyMap<string, Driver>;
  allocDir: string;
  clock: Clock;
  rng: Rng;
  logger: ClientLogger;
  db: ClientStateStore;
  envDenylist: readonly string[];
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** Called on every change worth reporting to the servers. */
  onUpdate: (ar: AllocRunner) => void;
  /** No allocation directory nor log files (the simulator's mock-driver tasks need neither). */
  diskless?: boolean;
}

type Phase = 'prestart' | 'main' | 'poststart' | 'poststop';

function phaseOf(t: Task): Phase {
  const h = t.Lifecycle?.Hook;
  return h === 'prestart' || h === 'poststart' || h === 'poststop' ? h : 'main';
}

export class AllocRunner {
  readonly id: string;
  readonly paths: AllocPaths;
  readonly #o: AllocRunnerOptions;
  readonly #group: TaskGroup;
  readonly #runners = new Map<string, TaskRunner>();
  #health: HealthHook;
  #alloc: Allocation;
  #deploymentStatus: AllocDeploymentStatus | null;
  #waiters: { cond: () => boolean; resolve: () => void }[] = [];
  #killing: Promise<void> | null = null;
  #done: Promise<void> | null = null;
  #modifyTimeMs: number;
  #terminalAtMs: number | undefined;

  constructor(o: AllocRunnerOptions) {
    this.#o = o;
    this.#alloc = o.alloc;
    this.id = o.alloc.ID;
    const job = o.alloc.Job;
    const group = job?.TaskGroups.find((g) => g.Name === o.alloc.TaskGroup);
    if (job === null || group === undefined) {
      throw new Error(`Allocation "${o.alloc.ID}" has no job or no group "${o.alloc.TaskGroup}"`);
    }
    this.#group = group;
    this.#deploymentStatus = o.alloc.DeploymentStatus;
    this.#modifyTimeMs = o.clock.nowMs();
    this.paths = allocPaths(o.allocDir, o.alloc.ID);
    this.#health = this.#newHealthHook(o.alloc);
    for (const task of group.Tasks) {
      this.#runners.set(
        task.Name,
        new TaskRunner({
          alloc: o.alloc,
          job,
          group,
          task,
          node: o.node,
          region: o.region,
          driver: o.drivers.get(task.Driver),
          allocDir: o.allocDir,
          allocPaths: this.paths,
          clock: o.clock,
          rng: o.rng,
          logger: o.logger,
          db: o.db,
          envDenylist: o.envDenylist,
          hostEnv: o.hostEnv,
          onStateChange: () => this.#changed(),
          ...(o.diskless === true ? { diskless: true } : {}),
        }),
      );
    }
  }

  get alloc(): Allocation {
    return this.#alloc;
  }

  get taskStates(): Record<string, TaskState> {
    const out: Record<string, TaskState> = {};
    for (const [name, tr] of this.#runners) out[name] = tr.state;
    return out;
  }

  taskRunner(name: string): TaskRunner | undefined {
    return this.#runners.get(name);
  }

  get taskNames(): string[] {
    return [...this.#runners.keys()];
  }

  /** Every task is dead. */
  get isDone(): boolean {
    return [...this.#runners.values()].every((t) => t.isDead);
  }

  clientUpdate(): AllocClientUpdate {
    const states = this.taskStates;
    const s = clientStatusOf(states);
    return {
      ID: this.id,
      NodeID: this.#o.node.ID,
      ClientStatus: s.status,
      ClientDescription: s.description,
      TaskStates: states,
      DeploymentStatus: this.#deploymentStatus,
      ModifyTime: msToNs(this.#modifyTimeMs),
    };
  }

  #changed(): void {
    this.#modifyTimeMs = this.#o.clock.nowMs();
    this.#health.onTaskStates(this.taskStates);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.cond()) w.resolve();
      else this.#waiters.push(w);
    }
    this.#o.onUpdate(this);
  }

  #waitFor(cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ cond, resolve }));
  }

  #inPhase(p: Phase): TaskRunner[] {
    return this.#group.Tasks.filter((t) => phaseOf(t) === p).map((t) => this.#runners.get(t.Name)!);
  }

  #task(name: string): Task {
    return this.#group.Tasks.find((t) => t.Name === name)!;
  }

  /** Starts the allocation (or resumes it after a restore). Resolves when every task is dead. */
  run(): Promise<void> {
    this.#done ??= this.#lifecycle()
      .catch((err: unknown) => {
        this.#o.logger.error('alloc runner failed', { alloc: this.id, error: String(err) });
      })
      .finally(() => {
        this.#terminalAtMs = lastFinishedMs(this.taskStates) ?? this.#o.clock.nowMs();
      });
    return this.#done;
  }

  /** Every task is dead and the runner is finished: the allocation may be garbage-collected. */
  get isTerminal(): boolean {
    return this.#terminalAtMs !== undefined;
  }

  /** When the allocation became terminal (its last task's finish), for the client's GC order. */
  get terminalAtMs(): number | undefined {
    return this.#terminalAtMs;
  }

  async #lifecycle(): Promise<void> {
    if (this.#o.diskless !== true) buildAllocDir(this.paths);
    if (this.#alloc.DesiredStatus !== 'run') {
      await this.kill();
      return;
    }
    this.#health.start();
    this.#changed();
    const pre = this.#inPhase('prestart');
    const sidecar = (tr: TaskRunner): boolean => this.#task(tr.name).Lifecycle?.Sidecar === true;
    for (const tr of pre) void tr.run();
    await this.#waitFor(
      () =>
        this.#killing !== null ||
        pre.every((tr) => (sidecar(tr) ? tr.state.State !== 'pending' || tr.isDead : tr.isDead)),
    );
    if (this.#killing !== null) return this.#killing;
    const failedPre = pre.find((tr) => tr.state.Failed);
    if (failedPre !== undefined) return this.#killAll({ sibling: failedPre.name });
    const main = this.#inPhase('main');
    for (const tr of main) void tr.run();
    const post = this.#inPhase('poststart');
    void this.#waitFor(
      () => this.#killing !== null || main.every((tr) => tr.state.State === 'running' || tr.isDead),
    ).then(() => {
      if (this.#killing === null) for (const tr of post) void tr.run();
    });
    await this.#watchMain(main);
  }

  async #watchMain(main: TaskRunner[]): Promise<void> {
    const leader = main.find((tr) => this.#task(tr.name).Leader);
    const failed = (): TaskRunner | undefined =>
      [...this.#runners.values()].find((tr) => tr.isDead && tr.state.Failed);
    await this.#waitFor(
      () =>
        this.#killing !== null ||
        failed() !== undefined ||
        leader?.isDead === true ||
        main.every((tr) => tr.isDead),
    );
    if (this.#killing !== null) return this.#killing;
    const f = failed();
    if (f !== undefined) return this.#killAll({ sibling: f.name });
    if (leader?.isDead === true) return this.#killAll({ leaderDead: true });
    return this.#killAll({ mainDead: true });
  }

  /** Stops the allocation's tasks: leader first, then the rest, then runs poststop tasks. Idempotent. */
  kill(): Promise<void> {
    return this.#killAll({});
  }

  #killAll(why: { sibling?: string; leaderDead?: boolean; mainDead?: boolean }): Promise<void> {
    if (this.#killing !== null) return this.#killing;
    this.#killing = this.#doKill(why);
    this.#changed();
    return this.#killing;
  }

  async #doKill(why: { sibling?: string; leaderDead?: boolean; mainDead?: boolean }): Promise<void> {
    const now = (): number => this.#o.clock.nowMs();
    const eventFor = (): ReturnType<typeof newTaskEvent> | undefined =>
      why.sibling !== undefined
        ? newTaskEvent(TaskEventType.SiblingFailed, now(), { FailedSibling: why.sibling })
        : why.leaderDead === true
          ? newTaskEvent(TaskEventType.LeaderDead, now())
          : why.mainDead === true
            ? newTaskEvent(TaskEventType.MainDead, now())
            : undefined;
    const kill = (tr: TaskRunner): Promise<void> => {
      if (tr.isDead) return Promise.resolve();
      if (!tr.hasRun && tr.state.State !== 'running') {
        tr.markDead();
        return Promise.resolve();
      }
      const event = eventFor();
      return tr.kill({ ...(event === undefined ? {} : { event }), failed: why.sibling !== undefined });
    };
    const others = [...this.#runners.values()].filter((tr) => phaseOf(this.#task(tr.name)) !== 'poststop');
    const leader = others.filter((tr) => this.#task(tr.name).Leader);
    await Promise.all(leader.map(kill));
    await Promise.all(others.map(kill));
    this.#health.stop();
    const poststop = this.#inPhase('poststop');
    if (this.#alloc.DesiredStatus === 'run' || poststop.some((tr) => tr.state.StartedAt === null)) {
      await Promise.all(poststop.map((tr) => tr.run()));
    }
    // Dead is reported before the runners finish persisting: wait for them, so nothing writes after us.
    await Promise.all([...this.#runners.values()].map((tr) => tr.wait()));
    this.#changed();
  }

  /**
   * Health for the allocation's deployment, judged afresh for each deployment: an allocation
   * updated in place joins the new version's deployment and must prove itself healthy again.
   */
  #newHealthHook(alloc: Allocation): HealthHook {
    const job = alloc.Job!;
    return new HealthHook({
      alloc,
      job,
      group: job.TaskGroups.find((g) => g.Name === alloc.TaskGroup) ?? this.#group,
      clock: this.#o.clock,
      onResult: (healthy) => {
        this.#deploymentStatus = {
          Healthy: healthy,
          Timestamp: new Date(this.#o.clock.nowMs()).toISOString(),
          Canary: alloc.DeploymentStatus?.Canary ?? false,
          ModifyIndex: 0,
        };
        this.#changed();
      },
    });
  }

  /** A newer version of the allocation from the servers. */
  update(a: Allocation): void {
    const previousDeployment = this.#alloc.DeploymentID;
    this.#alloc = a;
    if (
      a.DeploymentID !== '' &&
      a.DeploymentID !== previousDeployment &&
      a.DesiredStatus === 'run' &&
      a.Job !== null
    ) {
      this.#health.stop();
      this.#deploymentStatus = null;
      this.#health = this.#newHealthHook(a);
      this.#health.start();
      this.#health.onTaskStates(this.taskStates);
    }
    for (const tr of this.#runners.values()) tr.updateAlloc(a);
    if (a.DesiredStatus !== 'run') void this.kill();
  }

  /** Kills, then removes the allocation's directory and local state (garbage collection). */
  async destroy(): Promise<void> {
    await this.kill();
    await this.#done;
    if (this.#o.diskless !== true) destroyAllocDir(this.paths);
    await this.#o.db.deleteAlloc(this.id);
  }

  /** Agent shutdown: tasks keep running; logs stop being read until the next agent start. */
  async detach(): Promise<void> {
    this.#health.stop();
    await Promise.all([...this.#runners.values()].map((tr) => tr.detach()));
  }
}

/** The latest FinishedAt of the tasks, so an allocation restored after a restart keeps its age. */
function lastFinishedMs(states: Record<string, TaskState>): number | undefined {
  let last: number | undefined;
  for (const s of Object.values(states)) {
    const ms = s.FinishedAt === null ? NaN : Date.parse(s.FinishedAt);
    if (Number.isFinite(ms) && (last === undefined || ms > last)) last = ms;
  }
  return last;
}
