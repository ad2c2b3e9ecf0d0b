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
// A hung test fails after TEST_TIMEOUT_MS instead of hanging the run, and a test file whose
// failed test left a process or a socket open still exits (--test-force-exit).
const TEST_TIMEOUT_MS = 180_000;
const r = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-force-exit',
    ...files,
  ],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
