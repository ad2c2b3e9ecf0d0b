import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exampleJob } from '../structs/diff_fixture.ts';
import type { Job } from '../structs/job.ts';
import { jobListStub } from './stubs.ts';

test('jobListStub() marks a parameterized job, but not the children dispatched from it', () => {
  const parent: Job = {
    ...exampleJob(),
    Type: 'batch',
    ParameterizedJob: { Payload: 'optional', MetaRequired: null, MetaOptional: null },
  };
  const child: Job = { ...parent, ID: 'example/dispatch-1-abcd', ParentID: 'example', Dispatched: true };
  assert.equal(jobListStub(parent, undefined, { meta: false }).ParameterizedJob, true);
  assert.equal(jobListStub(child, undefined, { meta: false }).ParameterizedJob, false);
  assert.equal(jobListStub(exampleJob(), undefined, { meta: false }).ParameterizedJob, false);
});
