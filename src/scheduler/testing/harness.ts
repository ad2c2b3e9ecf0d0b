/**
 * A test harness: an in-memory state, a planner that applies plans to it the way the plan applier
 * and the state store do (re-checking each node's fit, refusing what no longer fits, denormalizing
 * the job into allocations, tracking deployment placements and canaries), and helpers to register
 * jobs, change nodes, report client status and run evaluations.
 */
import type { Allocation } from '../../structs/allocation.ts';
import { allocTerminal } from '../../structs/allocation.ts';
import type { Deployment } from '../../structs/deployment.ts';
import type { Evaluation } from '../../structs/evaluation.ts';
import type { Job } from '../../structs/job.ts';
import type { Node } from '../../structs/node.ts';
import type { Plan, PlanResult } from '../../structs/plan.ts';
import type { IdSource } from '../../lib/random.ts';
import { rngFromSeed, uuidFrom } from '../../lib/random.ts';
import { newEvaluation } from '../eval_util.ts';
import { allocAmount, forEachAllocPort, nodeCapacity, nodeReservedPorts } from '../resources.ts';
import { newScheduler, type SchedulerKind } from '../scheduler.ts';
import type { Planner, SchedulerState } from '../state.ts';
import { MemState } from './mem_state.ts';

export function seededIds(seed: string): IdSource {
  const rng = rngFromSeed(seed);
  return { uuid: () => uuidFrom(rng) };
}

/** Why a node's placements do not fit, or "" when they do (the plan applier's check). */
export function nodeOvercommit(node: Node, allocs: readonly Allocation[]): string {
  const cap = nodeCapacity(node);
  let cpu = 0;
  let mem = 0;
  let disk = 0;
  const ports = new Set<number>(nodeReservedPorts(node));
  let collision = '';
  for (const a of allocs) {
    if (allocTerminal(a)) continue;
    const amt = allocAmount(a);
    cpu += amt.cpu;
    mem += amt.memoryMb;
    disk += amt.diskMb;
    const own = new Set<number>();
    forEachAllocPort(a, (p) => {
      if (own.has(p)) return;
      own.add(p);
      if (ports.has(p)) collision = `port ${p}`;
      ports.add(p);
    });
  }
  if (cpu > cap.cpu) return 'cpu';
  if (mem > cap.memoryMb) return 'memory';
  if (disk > cap.diskMb) return 'disk';
  return collision;
}

export class TestPlanner implements Planner {
  readonly state: MemState;
  readonly plans: Plan[] = [];
  readonly evalUpdates: Evaluation[] = [];
  readonly createdEvals: Evaluation[] = [];
  readonly reblocked: Evaluation[] = [];
  /** Nodes refused by the fit check over the harness's life (a correct scheduler causes none). */
  refusedNodes = 0;
  /** Called before each plan is applied: tests use it to race the scheduler. */
  beforeApply: ((plan: Plan) => void) | null = null;
  /** Whether to re-check each node's fit before applying (benchmarks of the scheduler skip it). */
  private readonly verifyFit: boolean;

  constructor(state: MemState, opts: { verifyFit?: boolean } = {}) {
    this.state = state;
    this.verifyFit = opts.verifyFit ?? true;
  }

  submitPlan(plan: Plan): Promise<{ result: PlanResult; newState: SchedulerState | undefined }> {
    this.plans.push(plan);
    this.beforeApply?.(plan);
    const s = this.state;
    const index = s.next();
    const result: PlanResult = {
      NodeUpdate: {},
      NodeAllocation: {},
      NodePreemptions: {},
      Deployment: plan.Deployment,
      DeploymentUpdates: plan.DeploymentUpdates,
      AllocIndex: index,
      RefreshIndex: 0,
    };
    if (plan.Deployment !== null)
      s.upsertDeployment({ ...plan.Deployment, CreateIndex: index, ModifyIndex: index });
    for (const u of plan.DeploymentUpdates ?? []) {
      const d = s.deploymentByID(u.DeploymentID);
      if (d !== undefined)
        s.upsertDeployment({
          ...d,
          Status: u.Status,
          StatusDescription: u.StatusDescription,
          ModifyIndex: index,
        });
    }
    const nodes = new Set([
      ...Object.keys(plan.NodeUpdate),
      ...Object.keys(plan.NodeAllocation),
      ...Object.keys(plan.NodePreemptions),
    ]);
    for (const nodeId of nodes) {
      if (this.verifyFit && !this.nodeFits(plan, nodeId)) {
        this.refusedNodes++;
        result.RefreshIndex = index;
        continue;
      }
      this.applyNode(plan, nodeId, index, result);
    }
    return Promise.resolve({ result, newState: result.RefreshIndex === 0 ? undefined : s });
  }

  private nodeFits(plan: Plan, nodeId: string): boolean {
    const node = this.state.nodeByID(nodeId);
    const placing = plan.NodeAllocation[nodeId] ?? [];
    if (placing.length === 0) return true;
    if (node === undefined || node.Status !== 'ready') return false;
    const removed = new Set(
      [...(plan.NodeUpdate[nodeId] ?? []), ...(plan.NodePreemptions[nodeId] ?? [])].map((a) => a.ID),
    );
    const updated = new Set(placing.map((a) => a.ID));
    const after = this.state.allocsByNode(nodeId).filter((a) => !removed.has(a.ID) && !updated.has(a.ID));
    return nodeOvercommit(node, [...after, ...placing]) === '';
  }

  private applyNode(plan: Plan, nodeId: string, index: number, result: PlanResult): void {
    const s = this.state;
    for (const list of [plan.NodeUpdate[nodeId] ?? [], plan.NodePreemptions[nodeId] ?? []]) {
      for (const a of list) {
        const prev = s.allocByID(a.ID);
        if (prev === undefined) continue;
        s.upsertAlloc({
          ...prev,
          DesiredStatus: a.DesiredStatus,
          DesiredDescription: a.DesiredDescription,
          ClientStatus: a.ClientStatus,
          FollowupEvalID: a.FollowupEvalID,
          PreemptedByAllocation: a.PreemptedByAllocation,
          ModifyIndex: index,
        });
      }
    }
    if (plan.NodeUpdate[nodeId] !== undefined) result.NodeUpdate[nodeId] = plan.NodeUpdate[nodeId]!;
    if (plan.NodePreemptions[nodeId] !== undefined)
      result.NodePreemptions[nodeId] = plan.NodePreemptions[nodeId]!;
    const placed = plan.NodeAllocation[nodeId];
    if (placed === undefined) return;
    result.NodeAllocation[nodeId] = placed;
    for (const a of placed) this.applyAlloc(plan, a, index);
  }

  private applyAlloc(plan: Plan, a: Allocation, index: number): void {
    const s = this.state;
    const prior = s.allocByID(a.ID);
    const stored: Allocation = {
      ...a,
      Job: a.Job ?? plan.Job,
      CreateIndex: prior?.CreateIndex ?? index,
      ModifyIndex: index,
      AllocModifyIndex: index,
    };
    s.upsertAlloc(stored);
    if (prior !== undefined) return;
    if (a.PreviousAllocation !== '') {
      const prev = s.allocByID(a.PreviousAllocation);
      if (prev !== undefined) s.upsertAlloc({ ...prev, NextAllocation: a.ID, ModifyIndex: index });
    }
    const d = a.DeploymentID === '' ? undefined : s.deploymentByID(a.DeploymentID);
    const st = d?.TaskGroups[a.TaskGroup];
    if (d === undefined || st === undefined) return;
    const next = { ...st, PlacedAllocs: st.PlacedAllocs + 1 };
    if (a.DeploymentStatus?.Canary === true) next.PlacedCanaries = [...(st.PlacedCanaries ?? []), a.ID];
    s.upsertDeployment({ ...d, TaskGroups: { ...d.TaskGroups, [a.TaskGroup]: next }, ModifyIndex: index });
  }

  updateEval(evaluation: Evaluation): Promise<void> {
    this.evalUpdates.push(evaluation);
    this.state.upsertEval(evaluation);
    return Promise.resolve();
  }

  createEval(evaluation: Evaluation): Promise<void> {
    this.createdEvals.push(evaluation);
    this.state.upsertEval(evaluation);
    return Promise.resolve();
  }

  reblockEval(evaluation: Evaluation): Promise<void> {
    this.reblocked.push(evaluation);
    this.state.upsertEval(evaluation);
    return Promise.resolve();
  }
}

/** State, planner and a clock that the test moves; runs evaluations through the real schedulers. */
export class Harness {
  readonly state = new MemState();
  readonly planner = new TestPlanner(this.state);
  readonly ids: IdSource;
  nowNs = 1_700_000_000_000_000_000;

  constructor(seed = 'harness') {
    this.ids = seededIds(seed);
  }

  addNodes(nodes: Node[]): Node[] {
    return nodes.map((n) => this.state.upsertNode(n));
  }

  register(job: Job): Job {
    return this.state.registerJob(job);
  }

  /** Runs one evaluation of the job with the scheduler of its type; returns the evaluation's final form. */
  async evaluate(
    job: Pick<Job, 'ID' | 'Namespace' | 'Type' | 'Priority'>,
    fields: Partial<Evaluation> = {},
  ): Promise<Evaluation> {
    const e = newEvaluation({
      ID: this.ids.uuid(),
      Namespace: job.Namespace,
      Priority: job.Priority,
      Type: job.Type,
      TriggeredBy: 'job-register',
      JobID: job.ID,
      Status: 'pending',
      nowNs: this.nowNs,
      ...fields,
    });
    this.state.upsertEval(e);
    const scheduler = newScheduler(job.Type as SchedulerKind, {
      state: this.state,
      planner: this.planner,
      ids: this.ids,
      nowNs: this.nowNs,
    });
    await scheduler.process(e);
    return this.state.evalByID(e.ID)!;
  }

  /** Live allocations of a job (desired run, not terminal on the client). */
  live(jobId: string, ns = 'default'): Allocation[] {
    return this.state.allocsByJob(ns, jobId, true).filter((a) => !allocTerminal(a));
  }

  /** Sets client-reported fields of an allocation, as Node.UpdateAlloc does. */
  clientUpdate(allocId: string, fields: Partial<Allocation>): Allocation {
    const a = this.state.allocByID(allocId)!;
    const next = { ...a, ...fields, ModifyIndex: this.state.next(), ModifyTime: this.nowNs };
    this.state.upsertAlloc(next);
    return next;
  }

  /** Marks allocations healthy for their deployment and counts them, as the deployment watcher sees it. */
  markHealthy(allocs: readonly Allocation[]): void {
    for (const a of allocs) {
      const cur = this.state.allocByID(a.ID)!;
      this.clientUpdate(a.ID, {
        ClientStatus: 'running',
        DeploymentStatus: {
          Healthy: true,
          Timestamp: '',
          Canary: cur.DeploymentStatus?.Canary ?? false,
          ModifyIndex: 0,
        },
      });
      const d = cur.DeploymentID === '' ? undefined : this.state.deploymentByID(cur.DeploymentID);
      const st = d?.TaskGroups[cur.TaskGroup];
      if (d !== undefined && st !== undefined) {
        this.state.upsertDeployment({
          ...d,
          TaskGroups: { ...d.TaskGroups, [cur.TaskGroup]: { ...st, HealthyAllocs: st.HealthyAllocs + 1 } },
        });
      }
    }
  }

  /** Promotes a deployment's canaries, as Deployment.Promote does. */
  promote(deployment: Deployment): void {
    const d = this.state.deploymentByID(deployment.ID)!;
    const groups: Deployment['TaskGroups'] = {};
    for (const [k, v] of Object.entries(d.TaskGroups)) groups[k] = { ...v, Promoted: true };
    this.state.upsertDeployment({ ...d, TaskGroups: groups, StatusDescription: 'Deployment is running' });
    for (const id of Object.values(d.TaskGroups).flatMap((s) => s.PlacedCanaries ?? [])) {
      const a = this.state.allocByID(id);
      if (a?.DeploymentStatus)
        this.clientUpdate(id, { DeploymentStatus: { ...a.DeploymentStatus, Canary: false } });
    }
  }
}
