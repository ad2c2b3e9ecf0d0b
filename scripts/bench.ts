// Runs one benchmark from bench/ by name: `npm run bench -- <name>` runs bench/<name>.ts.
// Each benchmark prints its figures last, as one JSON line.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const name = process.argv[2];
const available = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('_test.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
if (name === undefined || !available.includes(name)) {
  console.error(
    `Usage: npm run bench -- <name> [args]\nAvailable benchmarks: ${available.join(', ') || '(none)'}`,
  );
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--expose-gc', `bench/${name}.ts`, ...process.argv.slice(3)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
