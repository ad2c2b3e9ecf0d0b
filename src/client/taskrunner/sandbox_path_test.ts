import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readSandboxFile,
  resolveSandboxDestination,
  resolveSandboxSource,
  SandboxEscapeError,
  writeSandboxFile,
  type TaskSandbox,
} from './sandbox_path.ts';

const root = mkdtempSync(join(tmpdir(), 'nomad-sandbox-'));
after(() => rmSync(root, { recursive: true, force: true }));

const box: TaskSandbox = {
  taskDir: join(root, 'alloc1', 't'),
  sharedAllocDir: join(root, 'alloc1', 'alloc'),
};
mkdirSync(join(box.taskDir, 'local'), { recursive: true });
mkdirSync(box.sharedAllocDir, { recursive: true });
const outside = join(root, 'outside');
mkdirSync(outside);
const paths = { env: { NOMAD_TASK_DIR: '/local', HOME: '/root' }, vars: { 'meta.dir': 'conf' } };

test('destinations are joined into the task dir as in Nomad; NOMAD_* dirs and alloc/ map to the sandbox', () => {
  const dest = (raw: string): string =>
    resolveSandboxDestination(box, raw, { what: 'destination', ...paths });
  assert.equal(dest('local/a'), join(box.taskDir, 'local/a'));
  assert.equal(dest('/local/a'), join(box.taskDir, 'local/a'));
  assert.equal(dest('/etc/passwd'), join(box.taskDir, 'etc/passwd'));
  assert.equal(dest('${NOMAD_TASK_DIR}/${meta.dir}/a'), join(box.taskDir, 'local/conf/a'));
  assert.equal(dest('${NOMAD_SECRETS_DIR}/s'), join(box.taskDir, 'secrets/s'));
  assert.equal(dest('${NOMAD_ALLOC_DIR}/data/x'), join(box.sharedAllocDir, 'data/x'));
  assert.equal(dest(join(box.taskDir, 'local/host-path')), join(box.taskDir, 'local/host-path'));
  assert.throws(() => dest('../t2/local/x'), SandboxEscapeError);
  assert.throws(
    () => dest('alloc/../../t2/x'),
    /destination "alloc\/\.\.\/\.\.\/t2\/x" resolves to ".*alloc1\/t2\/x"/,
  );
});

test('sources are relative to the task dir; an absolute source must already be inside it', () => {
  const src = (raw: string): string => resolveSandboxSource(box, raw, { what: 'source', ...paths });
  assert.equal(src('local/a.tpl'), join(box.taskDir, 'local/a.tpl'));
  assert.equal(src(join(box.sharedAllocDir, 'data/x')), join(box.sharedAllocDir, 'data/x'));
  assert.throws(
    () => src('/etc/passwd'),
    /source "\/etc\/passwd" resolves to "\/etc\/passwd", outside the task directory/,
  );
  assert.throws(() => src('${HOME}/.ssh/id_rsa'), SandboxEscapeError);
  assert.throws(() => src('local/../../../outside/x'), SandboxEscapeError);
});

test('reading refuses a link that leads out of the sandbox', () => {
  writeFileSync(join(outside, 'secret'), 'host secret');
  symlinkSync(join(outside, 'secret'), join(box.taskDir, 'local', 'planted'));
  assert.throws(
    () =>
      readSandboxFile(box, join(box.taskDir, 'local', 'planted'), { what: 'source', shown: 'local/planted' }),
    /source "local\/planted" resolves to ".*outside\/secret", outside the task directory/,
  );
  writeFileSync(join(box.taskDir, 'local', 'ok'), 'fine');
  symlinkSync('ok', join(box.taskDir, 'local', 'ok-link'));
  assert.equal(
    readSandboxFile(box, join(box.taskDir, 'local', 'ok-link'), { what: 'source', shown: 'x' }),
    'fine',
  );
});

test('writing never follows a link planted at the temporary name, and sets the mode whatever the umask', () => {
  const dest = join(box.taskDir, 'local', 'conf.txt');
  const victim = join(outside, 'victim');
  writeFileSync(victim, 'untouched');
  symlinkSync(victim, `${dest}.nomad-tmp`);
  const umask = process.umask(0o077);
  try {
    writeSandboxFile(box, dest, 'rendered', { mode: 0o644, what: 'destination' });
  } finally {
    process.umask(umask);
  }
  assert.equal(readFileSync(victim, 'utf8'), 'untouched');
  assert.equal(readFileSync(dest, 'utf8'), 'rendered');
  assert.equal(statSync(dest).mode & 0o777, 0o644);
});

test('writing refuses a directory on the way that is a link out of the sandbox, and replaces a link at the target', () => {
  symlinkSync(outside, join(box.taskDir, 'local', 'sub'));
  assert.throws(
    () =>
      writeSandboxFile(box, join(box.taskDir, 'local', 'sub', 'new', 'f'), 'x', {
        mode: 0o644,
        what: 'destination',
      }),
    SandboxEscapeError,
  );
  assert.throws(() => statSync(join(outside, 'new')), /ENOENT/);
  const target = join(box.taskDir, 'local', 'target');
  symlinkSync(join(outside, 'victim'), target);
  writeSandboxFile(box, target, 'replaced', { mode: 0o600, what: 'destination' });
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'untouched');
  assert.throws(() => readlinkSync(target), /EINVAL/);
  assert.equal(readFileSync(target, 'utf8'), 'replaced');
});
