import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllocFs, type LogFrame } from './fs.ts';

const root = mkdtempSync(join(tmpdir(), 'nomad-fs-'));
const id = 'a110c000-0000-4000-8000-00000000f5f5';
mkdirSync(join(root, id, 'alloc/logs'), { recursive: true });
mkdirSync(join(root, id, 'web/local'), { recursive: true });
writeFileSync(join(root, id, 'web/local/hello.txt'), 'hello world');
writeFileSync(join(root, 'secret.txt'), 'outside');
symlinkSync('/etc', join(root, id, 'web/local/etc-link'));
symlinkSync('hello.txt', join(root, id, 'web/local/inside-link'));
writeFileSync(join(root, id, 'alloc/logs/web.stdout.0'), 'aaaa');
writeFileSync(join(root, id, 'alloc/logs/web.stdout.1'), 'bbbb');
const fs = new AllocFs(root);

test('ls, stat, cat and readAt read inside the allocation directory', () => {
  assert.deepEqual(
    fs.ls(id, '/web/local').map((f) => [f.Name, f.IsDir]),
    [
      ['etc-link', false],
      ['hello.txt', false],
      ['inside-link', false],
    ],
  );
  assert.equal(fs.stat(id, 'web/local/hello.txt').Size, 11);
  assert.equal(fs.stat(id, '/').IsDir, true);
  assert.equal(fs.cat(id, 'web/local/hello.txt').toString(), 'hello world');
  assert.equal(fs.readAt(id, 'web/local/hello.txt', 6, 3).toString(), 'wor');
  assert.equal(fs.cat(id, 'web/local/inside-link').toString(), 'hello world');
});

test('hostile paths that leave the allocation directory are refused', () => {
  for (const p of [
    '../../etc/passwd',
    '../secret.txt',
    '/../secret.txt',
    'web/../../secret.txt',
    'web/local/etc-link/passwd',
    'web/local/etc-link',
  ]) {
    assert.throws(
      () => fs.cat(id, p),
      (e: Error & { kind?: string }) => e.kind === 'permission_denied',
      p,
    );
  }
  assert.throws(() => fs.ls('../' + id, '/'), /Invalid allocation ID/);
  assert.throws(() => fs.cat(id, 'nope.txt'), /no such file/);
});

async function collect(gen: AsyncGenerator<LogFrame>): Promise<string> {
  let s = '';
  for await (const f of gen) s += f.Data.toString();
  return s;
}

test('logs() reads across rotated files from the start or back from the end', async () => {
  assert.equal(await collect(fs.logs(id, 'web', 'stdout')), 'aaaabbbb');
  assert.equal(await collect(fs.logs(id, 'web', 'stdout', { origin: 'end', offset: 6 })), 'aabbbb');
  assert.equal(await collect(fs.logs(id, 'web', 'stdout', { origin: 'start', offset: 2 })), 'aabbbb');
  await assert.rejects(collect(fs.logs(id, '../web', 'stdout')), /Invalid task name/);
});

test('logs() with follow picks up new output and new files until aborted', async () => {
  const ac = new AbortController();
  const frames: string[] = [];
  const done = (async () => {
    for await (const f of fs.logs(id, 'web', 'stdout', {
      origin: 'end',
      offset: 0,
      follow: true,
      signal: ac.signal,
    })) {
      frames.push(`${f.File}:${f.Data.toString()}`);
      if (frames.length === 2) ac.abort();
    }
  })();
  appendFileSync(join(root, id, 'alloc/logs/web.stdout.1'), 'cc');
  await new Promise((r) => setTimeout(r, 250));
  writeFileSync(join(root, id, 'alloc/logs/web.stdout.2'), 'dd');
  await done;
  assert.deepEqual(frames, ['web.stdout.1:cc', 'web.stdout.2:dd']);
});
