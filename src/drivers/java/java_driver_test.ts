import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, requireAll } from '../../../test/helpers/requirements.ts';
import { runDriverConformance } from '../conformance_test_suite.ts';
import { DEFAULT_CHROOT_ENV } from '../exec/launch_script.ts';
import { isolatedTaskConfig } from '../exec/testing.ts';
import { javaArgs, parseJavaConfig, validateJavaConfig } from './java_config.ts';
import { JavaDriver } from './java_driver.ts';
import { parseJavaVersion } from './java_fingerprint.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** Where the compiled test classes appear inside every task's chroot. */
const CLASSES_IN_CHROOT = '/opt/nomad-java-test';
/** JVM flags that keep a test JVM small and quick to start. */
const SMALL_JVM = ['-Xmx32m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k'];

function hasJdk(): boolean {
  for (const dir of ['/usr/bin', '/usr/local/bin']) {
    try {
      accessSync(join(dir, 'javac'), constants.X_OK);
      return true;
    } catch (err) {
      void err; // not here: look in the next directory
    }
  }
  return false;
}

let classesDir: string | undefined;
/** Compiles the fixtures once, on first use (javac takes a second or two). */
function compiled(): string {
  if (classesDir !== undefined) return classesDir;
  const dir = mkdtempSync(join(tmpdir(), 'nomad-java-classes-'));
  // The task runs as nobody: it must be able to read the classes through the bind mount.
  chmodSync(dir, 0o755);
  execFileSync(
    'javac',
    ['-nowarn', '-d', dir, join(here, 'testdata/ShellRunner.java'), join(here, 'testdata/Hello.java')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  execFileSync('jar', ['cfe', join(dir, 'hello.jar'), 'Hello', '-C', dir, 'Hello.class']);
  classesDir = dir;
  return dir;
}
after(() => {
  if (classesDir !== undefined) rmSync(classesDir, { recursive: true, force: true });
});

const newDriver = (): JavaDriver =>
  new JavaDriver({ chrootEnv: { ...DEFAULT_CHROOT_ENV, [compiled()]: CLASSES_IN_CHROOT } });
const resources = { cpuMhz: 200, cores: 0, memoryMb: 256, memoryMaxMb: 0 };

if (hasJdk()) {
  runDriverConformance({
    name: 'java',
    newDriver,
    taskConfigFor: (script) => ({
      class: 'ShellRunner',
      class_path: CLASSES_IN_CHROOT,
      jvm_options: SMALL_JVM,
      args: [script],
    }),
    wrongType: { key: 'jvm_options', value: '-Xmx32m' },
    pidOf: (h) => h.state['launcherPid'] as number,
    needs: { root: true },
    taskOverrides: { resources },
  });

  test("java fingerprints the installed JVM's version, runtime and VM", async (t) => {
    if (!(await needs(t, { root: true }))) return;
    const fp = await newDriver().fingerprint();
    assert.equal(fp.detected, true, fp.healthDescription);
    assert.match(fp.attributes['driver.java.version'] ?? '', /^\d+(\.\d+)*/);
    assert.match(fp.attributes['driver.java.runtime'] ?? '', /Runtime Environment/);
    assert.match(fp.attributes['driver.java.vm'] ?? '', /VM/);
  });

  test('java runs a jar from the task dir with jvm_options and args, as nobody', async (t) => {
    if (!(await needs(t, { root: true }))) return;
    const root = mkdtempSync(join(tmpdir(), 'nomad-java-'));
    try {
      const d = newDriver();
      const cfg = isolatedTaskConfig(
        root,
        { jar_path: 'local/hello.jar', jvm_options: [...SMALL_JVM, '-Dnomad.test=yes'], args: ['a', 'b'] },
        { resources },
      );
      copyFileSync(join(compiled(), 'hello.jar'), join(cfg.taskDir, 'local/hello.jar'));
      chmodSync(join(cfg.taskDir, 'local'), 0o755);
      await d.startTask(cfg);
      const r = await d.waitTask(cfg.id);
      assert.equal(r.exitCode, 2, readFileSync(cfg.stderrPath, 'utf8'));
      assert.equal(readFileSync(cfg.stdoutPath, 'utf8').trim(), 'hello a,b prop=yes');
      await d.destroyTask(cfg.id, { force: false });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
} else {
  test('java driver tests', (t) => {
    const reason = 'needs a JDK (javac and jar; Debian: default-jdk-headless)';
    if (requireAll) throw new Error(`${reason} (NOMAD_TEST_REQUIRE_ALL=1 makes this a failure)`);
    t.skip(reason);
  });
}

test('parseJavaVersion() reads the version, runtime and VM of OpenJDK and other vendors', () => {
  const openjdk = [
    'openjdk version "17.0.15" 2025-04-15',
    'OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
    'OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)',
  ].join('\n');
  assert.deepEqual(parseJavaVersion(openjdk), {
    version: '17.0.15',
    runtime: 'OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
    vm: 'OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)',
  });
  const oracle =
    'Picked up JAVA_TOOL_OPTIONS: -Xmx1g\njava version "1.8.0_202"\nJava(TM) SE Runtime Environment (build 1.8.0_202-b08)\nJava HotSpot(TM) 64-Bit Server VM (build 25.202-b08, mixed mode)';
  assert.equal(parseJavaVersion(oracle)?.version, '1.8.0_202');
  assert.equal(parseJavaVersion('bash: java: command not found'), undefined);
});

test("java config needs a jar or a class, and builds the JVM command line in Nomad's order", () => {
  assert.deepEqual(validateJavaConfig({ args: ['x'] }), [
    'Invalid driver config: "jar_path" or "class" must be set',
  ]);
  assert.deepEqual(validateJavaConfig({ class: 'Main', jvm_opts: [] }), [
    'Invalid driver config: unsupported argument "jvm_opts"',
  ]);
  const jar = parseJavaConfig({
    jar_path: 'local/app.jar',
    jvm_options: ['-Xmx64m'],
    args: ['--port', '8080'],
  });
  assert.deepEqual(javaArgs(jar), ['-Xmx64m', '-jar', 'local/app.jar', '--port', '8080']);
  const cls = parseJavaConfig({
    class: 'com.example.Main',
    class_path: 'local/lib',
    jar_path: 'local/app.jar',
  });
  assert.deepEqual(javaArgs(cls), ['-cp', 'local/lib:local/app.jar', 'com.example.Main']);
});
