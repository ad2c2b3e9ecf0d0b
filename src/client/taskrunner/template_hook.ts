/**
 * Renders the task's templates (inline data or a source file) to their destinations before the
 * task starts; `env = true` templates are read as KEY=VALUE lines into the task env. While the task
 * runs, templates are re-rendered every TEMPLATE_CHECK_MS; a changed output is written and acted on
 * by change_mode: "restart", "signal" (change_signal) or "noop". See template/go_template.ts for the
 * template language supported.
 */
import { createHash } from 'node:crypto';
import type { Template } from '../../structs/job.ts';
import type { TimerId } from '../../lib/clock.ts';
import { renderTemplate, type TemplateValue } from '../template/go_template.ts';
import { TaskHookError, type TaskHookContext, type TaskPrestartHook, type TaskStopHook } from './hooks.ts';
import { newTaskEvent, TaskEventType } from './task_events.ts';
import {
  readSandboxFile,
  resolveSandboxDestination,
  resolveSandboxSource,
  writeSandboxFile,
  type TaskSandbox,
} from './sandbox_path.ts';

export const TEMPLATE_CHECK_MS = 5000;

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7) : line;
    const eq = body.indexOf('=');
    if (eq <= 0) continue;
    let v = body.slice(eq + 1).trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) v = v.slice(1, -1);
    out[body.slice(0, eq).trim()] = v;
  }
  return out;
}

function templateData(ctx: TaskHookContext): TemplateValue {
  const n = ctx.node;
  return {
    Node: {
      ID: n.ID,
      Name: n.Name,
      Datacenter: n.Datacenter,
      Class: n.NodeClass,
      Pool: n.NodePool,
      Attributes: n.Attributes,
      Meta: n.Meta,
    },
    Alloc: {
      ID: ctx.alloc.ID,
      Name: ctx.alloc.Name,
      JobID: ctx.alloc.JobID,
      TaskGroup: ctx.alloc.TaskGroup,
      Namespace: ctx.alloc.Namespace,
    },
    Task: { Name: ctx.task.Name, Driver: ctx.task.Driver },
  };
}

export class TemplateHook implements TaskPrestartHook, TaskStopHook {
  readonly name = 'template';
  readonly #hashes = new Map<string, string>();
  #timer: TimerId | undefined;
  #ctx: TaskHookContext | undefined;

  async prestart(ctx: TaskHookContext): Promise<void> {
    const templates = ctx.task.Templates ?? [];
    if (templates.length === 0) return;
    this.#ctx = ctx;
    if (this.#timer !== undefined) ctx.clock.clearTimer(this.#timer);
    for (const t of templates) {
      const { out, dest } = this.#render(ctx, t);
      this.#write(ctx, dest, out, t);
      this.#hashes.set(dest, hash(out));
      if (t.Envvars) Object.assign(ctx.env, parseEnvFile(out));
    }
    this.#schedule();
  }

  /**
   * Renders one template. Its source and destination must stay inside the task dir (see
   * sandbox_path.ts); a path that escapes fails the task with an event naming it.
   */
  #render(ctx: TaskHookContext, t: Template): { out: string; dest: string } {
    const box = sandboxOf(ctx);
    const paths = { env: ctx.env, vars: ctx.nodeVars };
    try {
      const dest = resolveSandboxDestination(box, t.DestPath, { what: 'template destination', ...paths });
      let src = t.EmbeddedTmpl;
      if (src === '') {
        const what = 'template source';
        const path = resolveSandboxSource(box, t.SourcePath, { what, ...paths });
        src = readSandboxFile(box, path, { what, shown: t.SourcePath });
      }
      const vars: Record<string, string> = { ...ctx.nodeVars, ...ctx.env };
      const out = renderTemplate(src, {
        funcs: { env: (k) => vars[String(k)] ?? '' },
        data: templateData(ctx),
        leftDelim: t.LeftDelim,
        rightDelim: t.RightDelim,
        errMissingKey: t.ErrMissingKey,
      });
      return { out, dest };
    } catch (err) {
      throw templateError(ctx, err);
    }
  }

  #write(ctx: TaskHookContext, dest: string, out: string, t: Template): void {
    const mode = parseInt(t.Perms || '644', 8);
    try {
      writeSandboxFile(sandboxOf(ctx), dest, out, { mode, what: 'template destination' });
    } catch (err) {
      throw templateError(ctx, err);
    }
  }

  #schedule(): void {
    const ctx = this.#ctx;
    if (ctx === undefined) return;
    this.#timer = ctx.clock.setTimer(TEMPLATE_CHECK_MS, () => {
      this.#timer = undefined;
      this.checkForChanges();
      this.#schedule();
    });
  }

  /** Re-renders every template; acts on those whose output changed. Returns how many changed. */
  checkForChanges(): number {
    const ctx = this.#ctx;
    if (ctx === undefined) return 0;
    let changed = 0;
    let restart = false;
    const signals = new Set<string>();
    for (const t of ctx.task.Templates ?? []) {
      try {
        const r = this.#render(ctx, t);
        if (this.#hashes.get(r.dest) === hash(r.out)) continue;
        this.#write(ctx, r.dest, r.out, t);
        this.#hashes.set(r.dest, hash(r.out));
      } catch (err) {
        // The task keeps running with the last good render; the reason is logged.
        ctx.logger.warn('re-rendering a template failed', {
          task: ctx.task.Name,
          error: (err as Error).message,
        });
        continue;
      }
      changed += 1;
      if (t.ChangeMode === 'restart') restart = true;
      else if (t.ChangeMode === 'signal') signals.add(t.ChangeSignal || 'SIGHUP');
    }
    if (restart) ctx.restart('template with change_mode restart re-rendered');
    else for (const s of signals) ctx.signal(s, 'template re-rendered');
    return changed;
  }

  async stop(ctx: TaskHookContext): Promise<void> {
    if (this.#timer !== undefined) ctx.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#ctx = undefined;
  }
}

/** A template that cannot be rendered or written fails the task ("Task hook failed" names why). */
function templateError(ctx: TaskHookContext, err: unknown): TaskHookError {
  const msg = `Template failed: ${(err as Error).message}`;
  return new TaskHookError(msg, {
    recoverable: false,
    cause: err,
    event: newTaskEvent(TaskEventType.HookFailed, ctx.clock.nowMs(), { Message: msg, FailsTask: true }),
  });
}

function sandboxOf(ctx: TaskHookContext): TaskSandbox {
  return { taskDir: ctx.taskPaths.dir, sharedAllocDir: ctx.allocPaths.shared };
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
