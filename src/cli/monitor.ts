/**
 * The evaluation monitor that `job run`, `job stop` and friends print: it follows an evaluation
 * until the scheduler is done with it, telling what happened on the way (allocations created or
 * modified, status changes, placement failures), then follows the deployment it started, if any.
 * Exit codes are Nomad's: 0 done, 1 error or failed deployment, 2 placements failed.
 */
import type { NomadClient } from '../api/index.ts';
import type { AllocListStub } from '../structs/allocation.ts';
import type { Evaluation } from '../structs/evaluation.ts';
import { formatAllocMetrics } from './alloc_metrics.ts';
import { monitorDeployment } from './deployment_monitor.ts';
import { formatDurationNs, formatTime } from './format/time.ts';
import { errorText, FULL_ID_LENGTH, limitId } from './lookup.ts';
import type { Ui } from './ui.ts';
import type { CliIO } from './ui.ts';

/** How often an evaluation is polled while it is still pending, as Nomad's updateWait. */
export const EVAL_POLL_MS = 1000;
/** Evaluations followed through NextEval before giving up: a bound on an endless chain. */
export const EVAL_CHAIN_MAX = 100;

interface AllocState {
  id: string;
  group: string;
  node: string;
  desired: string;
  client: string;
  clientDesc: string;
  index: number;
}

interface EvalState {
  status: string;
  node: string;
  job: string;
  deployment: string;
  wait: number;
  index: number;
  allocs: Map<string, AllocState>;
}

function newEvalState(): EvalState {
  return { status: 'pending', node: '', job: '', deployment: '', wait: 0, index: 0, allocs: new Map() };
}

export interface MonitorOptions {
  client: NomadClient;
  ui: Ui;
  io: CliIO;
  /** 8, or 36 with -verbose. */
  length: number;
}

export class EvalMonitor {
  readonly #o: MonitorOptions;
  #state: EvalState = newEvalState();
  constructor(opts: MonitorOptions) {
    this.#o = opts;
  }

  #ts(): string {
    return formatTime(this.#o.io.nowMs());
  }
  #info(text: string): void {
    this.#o.ui.output(`==> ${this.#ts()}: ${text}`);
  }
  #out(text: string): void {
    this.#o.ui.output(`    ${this.#ts()}: ${text}`);
  }
  #id(id: string): string {
    return limitId(id, this.#o.length);
  }

  /** Follows the evaluation (and its successors), then its deployment. */
  async monitor(evalId: string): Promise<number> {
    let current = evalId;
    let placementFailed = false;
    for (let chain = 0; chain < EVAL_CHAIN_MAX; chain++) {
      this.#state = newEvalState();
      this.#info(`Monitoring evaluation "${this.#id(current)}"`);
      const result = await this.#follow(current);
      if (result === 'error') return 1;
      placementFailed ||= result.placementFailed;
      const next = result.eval.NextEval;
      if (next === '') break;
      if (result.eval.Wait !== 0) {
        this.#info(`Monitoring next evaluation "${this.#id(next)}" in ${formatDurationNs(result.eval.Wait)}`);
        await this.#o.io.sleep(result.eval.Wait / 1e6);
      }
      current = next;
    }
    const deploymentId = this.#state.deployment;
    if (deploymentId !== '' && !this.#o.io.signal.aborted) {
      this.#info(`Monitoring deployment "${this.#id(deploymentId)}"`);
      const status = await monitorDeployment(this.#o, deploymentId);
      if (status !== 'successful') return 1;
      placementFailed = false;
    }
    return placementFailed ? 2 : 0;
  }

  async #follow(evalId: string): Promise<{ eval: Evaluation; placementFailed: boolean } | 'error'> {
    const { client, ui, io } = this.#o;
    let waitIndex = 0;
    for (;;) {
      let evaluation: Evaluation;
      let allocs: AllocListStub[];
      try {
        const res = await client.evaluations.info(evalId, {
          waitIndex,
          waitTimeMs: EVAL_POLL_MS,
          signal: io.signal,
        });
        evaluation = res.data;
        waitIndex = res.meta.lastIndex;
        allocs = (await client.evaluations.allocations(evalId)).data ?? [];
      } catch (err) {
        if (io.signal.aborted) return 'error';
        ui.error(`==> No evaluation with id "${evalId}" found: ${errorText(err)}`);
        return 'error';
      }
      this.#update(stateOf(evaluation, allocs));
      if (
        evaluation.Status === 'complete' ||
        evaluation.Status === 'failed' ||
        evaluation.Status === 'canceled'
      ) {
        return { eval: evaluation, placementFailed: this.#finished(evaluation) };
      }
      if (io.signal.aborted) return 'error';
      await io.sleep(EVAL_POLL_MS / 10);
    }
  }

  #finished(e: Evaluation): boolean {
    const failed = Object.keys(e.FailedTGAllocs ?? {}).sort();
    if (failed.length === 0) {
      this.#info(`Evaluation "${this.#id(e.ID)}" finished with status "${e.Status}"`);
      return false;
    }
    this.#info(
      `Evaluation "${this.#id(e.ID)}" finished with status "${e.Status}" but failed to place all allocations:`,
    );
    for (const tg of failed) {
      const metric = e.FailedTGAllocs![tg]!;
      const noun = metric.CoalescedFailures > 0 ? 'allocations' : 'allocation';
      this.#out(`Task Group "${tg}" (failed to place ${metric.CoalescedFailures + 1} ${noun}):`);
      for (const line of formatAllocMetrics(metric, { scores: false, prefix: '  ' }).split('\n')) {
        this.#o.ui.output(`    ${line}`);
      }
    }
    if (e.BlockedEval !== '') {
      this.#out(`Evaluation "${this.#id(e.BlockedEval)}" waiting for additional capacity to place remainder`);
    }
    return true;
  }

  #update(next: EvalState): void {
    const prev = this.#state;
    this.#state = next;
    if (prev.node === '' && next.node !== '')
      this.#out(`Evaluation triggered by node "${this.#id(next.node)}"`);
    if (prev.job === '' && next.job !== '') this.#out(`Evaluation triggered by job "${next.job}"`);
    if (prev.deployment === '' && next.deployment !== '') {
      this.#out(`Evaluation within deployment: "${this.#id(next.deployment)}"`);
    }
    for (const a of [...next.allocs.values()].sort((x, y) => x.index - y.index || (x.id < y.id ? -1 : 1))) {
      const before = prev.allocs.get(a.id);
      if (before === undefined) {
        // An allocation older than the evaluation was updated in place, not created by it.
        if (a.index < next.index) {
          this.#out(
            `Allocation "${this.#id(a.id)}" modified: node "${this.#id(a.node)}", group "${a.group}"`,
          );
        } else if (a.desired === 'run') {
          this.#out(`Allocation "${this.#id(a.id)}" created: node "${this.#id(a.node)}", group "${a.group}"`);
        }
      } else if (before.client !== a.client) {
        const desc = a.clientDesc === '' ? '' : ` (${a.clientDesc})`;
        this.#out(
          `Allocation "${this.#id(a.id)}" status changed: "${before.client}" -> "${a.client}"${desc}`,
        );
      }
    }
    if (prev.status !== '' && next.status !== 'pending' && prev.status !== next.status) {
      this.#out(`Evaluation status changed: "${prev.status}" -> "${next.status}"`);
    }
  }
}

function stateOf(e: Evaluation, allocs: readonly AllocListStub[]): EvalState {
  const state = newEvalState();
  state.status = e.Status;
  state.node = e.NodeID;
  state.job = e.JobID;
  state.deployment = e.DeploymentID;
  state.wait = e.Wait;
  state.index = e.CreateIndex;
  for (const a of allocs) {
    state.allocs.set(a.ID, {
      id: a.ID,
      group: a.TaskGroup,
      node: a.NodeID,
      desired: a.DesiredStatus,
      client: a.ClientStatus,
      clientDesc: a.ClientDescription,
      index: a.CreateIndex,
    });
  }
  return state;
}

export function monitorLength(verbose: boolean): number {
  return verbose ? FULL_ID_LENGTH : 8;
}
