// Runs every test: unit tests beside the code (src/**/*_test.ts), end-to-end tests (test/**/*_test.ts).
// Arguments narrow the run to files whose path contains one of them: `npm test -- jobspec`.
import { globSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const filters = process.argv.slice(2);
const files = [
  ...globSync('src/**/*_test.ts'),
  ...globSync('test/**/*_test.ts'),
  ...globSync('bench/**/*_test.ts'),
]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${JSON.stringify(filters)}`);
  process.exit(1);
}
// A hung test fails after TEST_TIMEOUT_MS; and should a test file still not exit (a failed test
// left a process or a socket open), the whole run is stopped after RUN_TIMEOUT_MS instead of hanging.
// (--test-force-exit is not used: it ends a file before tests registered after an await have run.)
const TEST_TIMEOUT_MS = 180_000;
const RUN_TIMEOUT_MS = 25 * 60_000;
const r = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files],
  { stdio: 'inherit', timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' },
);
if (r.error !== undefined) console.error(`The test run was stopped: ${r.error.message}`);
process.exit(r.status ?? 1);
