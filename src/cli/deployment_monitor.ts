/**
 * Follows a deployment until it ends. On a terminal, a spinner line ("⠙ Deployment "62eb607c" in
 * progress...") with the deployment's table below it, redrawn in place, ending in "✓ Deployment
 * ... successful" or "! Deployment ... failed". Elsewhere, the table is printed each time it
 * changes, so logs stay short. A failed deployment with auto revert is followed by its rollback.
 */
import type { NomadClient } from '../api/index.ts';
import type { Deployment } from '../structs/deployment.ts';
import { indent } from './command.ts';
import { formatDeployment } from './formatters.ts';
import { formatTime } from './format/time.ts';
import { errorText, limitId } from './lookup.ts';
import type { CliIO, Ui } from './ui.ts';
import { colorize } from './ui.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPINNER_FRAME_MS = 100;
const DEPLOYMENT_WAIT_MS = 5000;
/** Rollbacks followed after failed deployments: each is a new deployment, so bound the chain. */
const ROLLBACKS_MAX = 3;
const ROLLBACK_WAIT_MS = 1000;

interface Options {
  client: NomadClient;
  ui: Ui;
  io: CliIO;
  length: number;
}

const ENDED = new Set(['successful', 'failed', 'cancelled', 'blocked']);

/** Follows the deployment; returns its final status ('' when it could not be read). */
export async function monitorDeployment(opts: Options, deploymentId: string, rollbacks = 0): Promise<string> {
  const view = opts.io.isTTY ? new TtyView(opts, deploymentId) : new PlainView(opts);
  let waitIndex = 0;
  let d: Deployment;
  try {
    for (;;) {
      const res = await opts.client.deployments.info(deploymentId, {
        waitIndex,
        waitTimeMs: DEPLOYMENT_WAIT_MS,
        allowStale: true,
        signal: opts.io.signal,
      });
      d = res.data;
      view.show(d);
      if (ENDED.has(d.Status) || opts.io.signal.aborted) break;
      waitIndex = res.meta.lastIndex;
    }
  } catch (err) {
    view.end(null);
    if (!opts.io.signal.aborted)
      opts.ui.error(`    ${formatTime(opts.io.nowMs())}: Error fetching deployment: ${errorText(err)}`);
    return '';
  }
  view.end(d);
  if (d.Status === 'failed' && hasAutoRevert(d) && rollbacks < ROLLBACKS_MAX) {
    await opts.io.sleep(ROLLBACK_WAIT_MS);
    const rollback = (await opts.client.jobs.latestDeployment(d.JobID)).data;
    if (rollback !== null && rollback.ID !== d.ID) return monitorDeployment(opts, rollback.ID, rollbacks + 1);
  }
  return d.Status;
}

function hasAutoRevert(d: Deployment): boolean {
  return Object.values(d.TaskGroups ?? {}).some((s) => s.AutoRevert);
}

interface View {
  show(d: Deployment): void;
  end(d: Deployment | null): void;
}

class PlainView implements View {
  readonly #o: Options;
  #last = '';
  constructor(opts: Options) {
    this.#o = opts;
  }
  show(d: Deployment): void {
    const block = formatDeployment(d, this.#o.length);
    if (block === this.#last) return;
    this.#last = block;
    this.#o.ui.output(`\n${indent(`${formatTime(this.#o.io.nowMs())}\n${block}`, 4)}`);
  }
  end(): void {}
}

class TtyView implements View {
  readonly #o: Options;
  readonly #id: string;
  #frame = 0;
  #block = '';
  #drawnLines = 0;
  readonly #timer: ReturnType<typeof setInterval>;
  constructor(opts: Options, deploymentId: string) {
    this.#o = opts;
    this.#id = limitId(deploymentId, opts.length);
    this.#timer = setInterval(() => this.#draw(this.#spinnerLine()), SPINNER_FRAME_MS);
    this.#timer.unref();
    this.#draw(this.#spinnerLine());
  }
  #spinnerLine(): string {
    this.#frame = (this.#frame + 1) % SPINNER.length;
    return `  ${SPINNER[this.#frame]} Deployment "${this.#id}" in progress...`;
  }
  #draw(head: string): void {
    const body = this.#block === '' ? '' : `\n\n${indent(this.#block, 4)}`;
    const text = colorize(`${head}${body}`, this.#o.ui.color);
    const up = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A` : '';
    this.#o.io.stdout(`${up}\r\x1b[J${text}\n`);
    this.#drawnLines = text.split('\n').length;
  }
  show(d: Deployment): void {
    this.#block = `${formatTime(this.#o.io.nowMs())}\n${formatDeployment(d, this.#o.length)}`;
    this.#draw(this.#spinnerLine());
  }
  end(d: Deployment | null): void {
    clearInterval(this.#timer);
    if (d === null) return;
    const mark = d.Status === 'successful' ? '✓' : '!';
    this.#draw(`  ${mark} Deployment "${this.#id}" ${d.Status}`);
  }
}
