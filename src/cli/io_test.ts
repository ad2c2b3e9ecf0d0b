import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXIT_BROKEN_PIPE } from './io.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

test('a command whose reader closed the pipe stops quietly, as a program stopped by SIGPIPE', async () => {
  const child = spawn(process.execPath, [MAIN, 'version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // The reader goes away before the command writes its first line.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(stderr, '');
  assert.equal(code, EXIT_BROKEN_PIPE);
});
