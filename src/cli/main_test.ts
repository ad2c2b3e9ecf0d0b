import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import { fakeIO } from './testing/fake_io.ts';

test('nomad -h lists the common and other commands and exits 0', async () => {
  const io = fakeIO();
  assert.equal(await main(['-h'], io), 0);
  assert.match(
    io.out(),
    /^Usage: nomad \[-version\] \[-help\] <command> \[args\]\n\nCommon commands:\n {4}run +Run a new job/,
  );
  assert.match(io.out(), /\n {4}job +Interact with jobs\n/);
  assert.match(io.out(), /Other commands:\n[\s\S]* {4}version +Prints the Nomad version/);
});

test('nomad with no command prints the usage and exits 127, as Nomad', async () => {
  const io = fakeIO();
  assert.equal(await main([], io), 127);
  assert.match(io.out(), /^Usage: nomad/);
});

test('an unknown command is an error naming it, with exit code 1', async () => {
  const io = fakeIO();
  assert.equal(await main(['frobnicate'], io), 1);
  assert.equal(io.err(), 'Unknown command "frobnicate". Run "nomad -help" to see the commands.\n');
});

test('an unknown subcommand names itself and lists the group', async () => {
  const io = fakeIO();
  assert.equal(await main(['job', 'frobnicate'], io), 1);
  assert.match(io.err(), /^Unknown command "job frobnicate"\.\n\nUsage: nomad job <subcommand>/);
  assert.match(io.err(), /\n {4}run +Run a new job or update an existing job\n/);
});

test('a command group without a subcommand prints its help', async () => {
  const io = fakeIO();
  assert.equal(await main(['job', '-h'], io), 0);
  assert.match(io.out(), /Subcommands:\n {4}allocs +List allocations for a job/);
});

test('nomad <command> -h prints Nomad-style usage with general and command options', async () => {
  const io = fakeIO();
  assert.equal(await main(['job', 'run', '-h'], io), 0);
  const help = io.out();
  assert.match(help, /^Usage: nomad job run \[options\] <path>\n\n  Registers a job/);
  assert.match(help, /\n\nGeneral Options:\n\n {2}-address=<addr>\n {4}Where the Nomad HTTP API listens/);
  assert.match(help, /\n\nRun Options:\n\n {2}-check-index\n/);
});

test("an unknown flag is an error in Go's words, with the usage, and exit code 1", async () => {
  const io = fakeIO();
  assert.equal(await main(['job', 'status', '-frobnicate'], io), 1);
  // As Nomad's flag sets: the error on stderr, the help on stdout.
  assert.equal(io.err(), 'flag provided but not defined: -frobnicate\n');
  assert.match(io.out(), /^Usage: nomad job status/);
});

test('aliases reach the full commands', async () => {
  const io = fakeIO();
  assert.equal(await main(['run', '-h'], io), 0);
  assert.match(io.out(), /^Usage: nomad job run/);
  const io2 = fakeIO();
  assert.equal(await main(['alloc-status', '-h'], io2), 0);
  assert.match(io2.out(), /^Usage: nomad alloc status/);
});

test('nomad version and -version print the version', async () => {
  for (const args of [['version'], ['-version'], ['--version']]) {
    const io = fakeIO();
    assert.equal(await main(args, io), 0);
    assert.match(io.out(), /^Nomad v\d+\.\d+\.\d+\n$/);
  }
});

test('job init writes the example job once and refuses to overwrite it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-init-'));
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['job', 'init'], io), 0);
  assert.equal(io.out(), 'Example job file written to example.nomad\n');
  const text = readFileSync(join(dir, 'example.nomad'), 'utf8');
  assert.match(text, /\n {4}count = 1\n/);
  assert.match(text, /count += +1/);
  assert.match(text, /driver += +"docker"/);
  assert.match(text, /image = "redis:3\.2"/);
  assert.match(text, /min_healthy_time = "10s"/);
  const again = fakeIO({ cwd: dir });
  assert.equal(await main(['job', 'init'], again), 1);
  assert.equal(again.err(), "Job 'example.nomad' already exists\n");
});

test('job init -short writes the short example to the given file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-init-'));
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['job', 'init', '-short', 'short.nomad'], io), 0);
  const text = readFileSync(join(dir, 'short.nomad'), 'utf8');
  assert.ok(!text.includes('#'));
  assert.match(text, /ports = \["db"\]/);
});

test('job validate checks the example without an agent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-validate-'));
  await main(['job', 'init'], fakeIO({ cwd: dir }));
  // An address where nothing listens: validation falls back to the local checks.
  const io = fakeIO({ cwd: dir, env: { NOMAD_ADDR: 'http://127.0.0.1:1' } });
  assert.equal(await main(['job', 'validate', 'example.nomad'], io), 0);
  assert.match(io.out(), /Job validation successful\n$/);
});

test('job validate lists the errors of an invalid job', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-validate-'));
  writeFileSync(
    join(dir, 'bad.nomad'),
    'job "bad" {\n  group "g" {\n    count = -1\n    task "t" {\n      driver = "raw_exec"\n      config { command = "true" }\n    }\n  }\n}\n',
  );
  const io = fakeIO({ cwd: dir, env: { NOMAD_ADDR: 'http://127.0.0.1:1' } });
  assert.equal(await main(['job', 'validate', 'bad.nomad'], io), 1);
  assert.match(io.err(), /Job validation errors:\n/);
  assert.match(io.err(), /count/);
});

test("job run -output prints the job as the API's JSON without an agent", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-output-'));
  await main(['job', 'init'], fakeIO({ cwd: dir }));
  const io = fakeIO({ cwd: dir, env: { NOMAD_ADDR: 'http://127.0.0.1:1' } });
  assert.equal(await main(['job', 'run', '-output', 'example.nomad'], io), 0);
  const parsed = JSON.parse(io.out()) as {
    Job: { ID: string; TaskGroups: { Count: number; Tasks: { Config: unknown }[] }[] };
  };
  assert.equal(parsed.Job.ID, 'example');
  assert.equal(parsed.Job.TaskGroups[0]!.Count, 1);
  assert.deepEqual(parsed.Job.TaskGroups[0]!.Tasks[0]!.Config, { image: 'redis:3.2', ports: ['db'] });
});

test('job run of a missing file says so', async () => {
  const io = fakeIO({ cwd: tmpdir() });
  assert.equal(await main(['job', 'run', 'does-not-exist.nomad'], io), 1);
  assert.match(io.err(), /does-not-exist\.nomad/);
});

test('job run with a syntax error names file:line:col', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-syntax-'));
  writeFileSync(join(dir, 'broken.nomad'), 'job "x" {\n  group "g" {\n');
  const io = fakeIO({ cwd: dir });
  assert.equal(await main(['job', 'run', '-output', 'broken.nomad'], io), 1);
  assert.match(io.err(), /^Error getting job struct: .*broken\.nomad:\d+:\d+/);
});
