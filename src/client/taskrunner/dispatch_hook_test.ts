import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DispatchHook } from './dispatch_hook.ts';
import { TaskHookError, type TaskHookContext } from './hooks.ts';

function context(file: string | null, payload: string | null): { ctx: TaskHookContext; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dispatch-hook-'));
  const taskDir = join(dir, 't');
  mkdirSync(join(taskDir, 'local'), { recursive: true });
  mkdirSync(join(dir, 'alloc'));
  // Only the fields the hook reads: the task's block, the job's payload and the paths.
  const ctx = {
    task: { DispatchPayload: file === null ? null : { File: file } },
    job: { Payload: payload },
    taskPaths: { dir: taskDir, local: join(taskDir, 'local'), secrets: '', tmp: '' },
    allocPaths: { shared: join(dir, 'alloc') },
  } as unknown as TaskHookContext;
  return { ctx, dir };
}

test('DispatchHook writes the decoded payload into local/ under the dispatch_payload file name', async () => {
  const { ctx, dir } = context('in/input.txt', Buffer.from('payload-data\n').toString('base64'));
  try {
    await new DispatchHook().prestart(ctx);
    assert.equal(readFileSync(join(dir, 't/local/in/input.txt'), 'utf8'), 'payload-data\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DispatchHook writes nothing without a payload or a dispatch_payload block', async () => {
  for (const [file, payload] of [
    [null, 'eA=='],
    ['input.txt', null],
  ] as const) {
    const { ctx, dir } = context(file, payload);
    try {
      await new DispatchHook().prestart(ctx);
      assert.equal(existsSync(join(dir, 't/local/input.txt')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('DispatchHook refuses a file name that leaves the task directory, for good', async () => {
  const { ctx, dir } = context('../../escape.txt', 'eA==');
  try {
    await assert.rejects(new DispatchHook().prestart(ctx), (err: unknown) => {
      assert.ok(err instanceof TaskHookError);
      assert.equal(err.recoverable, false);
      assert.match(err.message, /outside the task directory/);
      return true;
    });
    assert.equal(existsSync(join(dir, 'escape.txt')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
