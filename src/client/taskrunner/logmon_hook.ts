/**
 * Sets up the task's log FIFOs and the agent-side pumps that copy them into rotated files
 * (see logs/log_rotator.ts). No helper process: the pumps live in the agent, the FIFOs outlive it.
 */
import { join } from 'node:path';
import { FifoLogPump, DEFAULT_LOG_MAX_FILES, DEFAULT_LOG_MAX_FILE_SIZE_MB } from '../logs/log_rotator.ts';
import type { TaskHookContext, TaskPrestartHook, TaskStopHook } from './hooks.ts';

const BYTES_PER_MB = 1024 * 1024;

export function logFifoPath(logsDir: string, task: string, stream: 'stdout' | 'stderr'): string {
  return join(logsDir, `.${task}.${stream}.fifo`);
}

export class LogmonHook implements TaskPrestartHook, TaskStopHook {
  readonly name = 'logmon';
  #pumps: FifoLogPump[] = [];

  async prestart(ctx: TaskHookContext): Promise<void> {
    const logs = ctx.allocPaths.logs;
    const lc = ctx.task.LogConfig;
    ctx.stdoutPath = logFifoPath(logs, ctx.task.Name, 'stdout');
    ctx.stderrPath = logFifoPath(logs, ctx.task.Name, 'stderr');
    if (this.#pumps.length > 0) return;
    if (lc.Disabled) {
      ctx.stdoutPath = '/dev/null';
      ctx.stderrPath = '/dev/null';
      return;
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      this.#pumps.push(
        new FifoLogPump({
          fifoPath: logFifoPath(logs, ctx.task.Name, stream),
          dir: logs,
          baseName: `${ctx.task.Name}.${stream}`,
          maxFiles: lc.MaxFiles > 0 ? lc.MaxFiles : DEFAULT_LOG_MAX_FILES,
          maxFileSizeBytes:
            (lc.MaxFileSizeMB > 0 ? lc.MaxFileSizeMB : DEFAULT_LOG_MAX_FILE_SIZE_MB) * BYTES_PER_MB,
          onError: (err) =>
            ctx.logger.error('writing task logs failed', { task: ctx.task.Name, error: err.message }),
        }),
      );
    }
  }

  async stop(): Promise<void> {
    const pumps = this.#pumps;
    this.#pumps = [];
    await Promise.all(pumps.map((p) => p.close()));
  }
}
