import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_SECRETS_MODE, TASK_SECRETS_MODE_UNKNOWN_USER } from '../alloc_dir.ts';
import { taskDirOwnership } from './task_dir_hook.ts';

const root = mkdtempSync(join(tmpdir(), 'nomad-owner-'));
after(() => rmSync(root, { recursive: true, force: true }));
const passwdPath = join(root, 'passwd');
writeFileSync(
  passwdPath,
  'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\napp:x:1001:1002::/:/bin/sh\n',
);
const asRoot = { agentIsRoot: true, passwdPath };

test("an isolated task's dirs belong to its user, nobody by default; secrets are for that user alone", () => {
  assert.deepEqual(taskDirOwnership('chroot', '', asRoot), {
    owner: { uid: 65534, gid: 65534 },
    secretsMode: TASK_SECRETS_MODE,
  });
  assert.deepEqual(taskDirOwnership('chroot', 'app', asRoot).owner, { uid: 1001, gid: 1002 });
  assert.throws(() => taskDirOwnership('chroot', 'ghost', asRoot), /Failed to identify user "ghost"/);
});

test('raw_exec tasks and a non-root agent leave ownership alone', () => {
  assert.deepEqual(taskDirOwnership('none', 'app', asRoot), { secretsMode: TASK_SECRETS_MODE });
  assert.deepEqual(taskDirOwnership('chroot', 'app', { agentIsRoot: false, passwdPath }), {
    secretsMode: TASK_SECRETS_MODE,
  });
});

test("a docker task's numeric user owns its dirs; a user named inside the image cannot, so secrets stay readable", () => {
  assert.deepEqual(taskDirOwnership('image', '1000:1000', asRoot).owner, { uid: 1000, gid: 1000 });
  assert.deepEqual(taskDirOwnership('image', '999', asRoot).owner, { uid: 999, gid: 999 });
  assert.deepEqual(taskDirOwnership('image', '', asRoot), { secretsMode: TASK_SECRETS_MODE_UNKNOWN_USER });
  assert.deepEqual(taskDirOwnership('image', 'redis', asRoot), {
    secretsMode: TASK_SECRETS_MODE_UNKNOWN_USER,
  });
});
