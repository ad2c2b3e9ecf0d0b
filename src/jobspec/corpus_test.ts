// The job-file corpus (test/fixtures/jobs): every valid file parses and validates cleanly; every
// invalid file fails with the error text its .error file gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NomadError } from '../lib/errors.ts';
import { validateJob } from '../structs/validate.ts';
import { parseJobFile } from './parse.ts';

const ROOT = new URL('../../test/fixtures/jobs/', import.meta.url).pathname;
const FILES = join(ROOT, 'files');

function options(filename: string) {
  return { filename, readFile: (p: string) => readFileSync(p, 'utf8'), cwd: FILES };
}

const valid = readdirSync(join(ROOT, 'valid')).filter((f) => f.endsWith('.nomad') || f.endsWith('.json'));
const invalid = readdirSync(join(ROOT, 'invalid')).filter((f) => f.endsWith('.nomad'));

test('the corpus has at least 30 job files', () => {
  assert.ok(valid.length + invalid.length >= 30, `${valid.length + invalid.length} files`);
});

for (const name of valid) {
  test(`valid job file ${name} parses and validates without errors`, async () => {
    const job = await parseJobFile(readFileSync(join(ROOT, 'valid', name), 'utf8'), options(name));
    assert.deepEqual(validateJob(job), []);
  });
}

/** The problems a file has: its parse error, or else its validation errors. */
async function problems(name: string): Promise<string> {
  try {
    const job = await parseJobFile(readFileSync(join(ROOT, 'invalid', name), 'utf8'), options(name));
    return validateJob(job).join('\n');
  } catch (err) {
    if (!(err instanceof NomadError)) throw err;
    return err.message;
  }
}

for (const name of invalid) {
  test(`invalid job file ${name} fails with its expected error`, async () => {
    const expected = readFileSync(join(ROOT, 'invalid', name.replace(/\.nomad$/, '.error')), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    assert.ok(expected.length > 0, 'the .error file names at least one error');
    const got = await problems(name);
    assert.notEqual(got, '', 'the file must not be valid');
    for (const line of expected)
      assert.ok(got.includes(line), `expected ${JSON.stringify(line)} in:\n${got}`);
  });
}
