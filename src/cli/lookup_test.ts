import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NomadClient } from '../api/index.ts';
import { CliError, jobAllocId } from './lookup.ts';
import { startFakeAgent } from './testing/fake_agent.ts';
import * as f from './testing/fixtures.ts';
import type { AllocListStub } from '../structs/allocation.ts';

const JOB_STUB = { ...f.job(), JobSummary: null, Periodic: false, ParameterizedJob: false };

async function pick(allocs: AllocListStub[], group = ''): Promise<string> {
  const agent = await startFakeAgent({
    'GET /v1/jobs': { body: [JOB_STUB] },
    'GET /v1/job/example/allocations': { body: allocs },
  });
  try {
    const client = new NomadClient({ address: agent.address, token: '', region: '', namespace: '' });
    return await jobAllocId(client, 'example', group);
  } finally {
    await agent.close();
  }
}

function stub(id: string, createIndex: number, status: AllocListStub['ClientStatus'], group = 'cache') {
  return { ...f.allocStub(id, createIndex), ClientStatus: status, TaskGroup: group };
}

test('jobAllocId() prefers a running allocation over newer finished ones', async () => {
  const id = await pick([stub('aa', 5, 'running'), stub('bb', 9, 'complete')]);
  assert.equal(id, 'aa');
});

test('jobAllocId() falls back to the newest allocation when none runs, as for a finished batch job', async () => {
  const id = await pick([stub('aa', 5, 'complete'), stub('bb', 9, 'failed'), stub('cc', 7, 'complete')]);
  assert.equal(id, 'bb');
});

test('jobAllocId() says when the job or the group has no allocations, in Nomad words', async () => {
  await assert.rejects(pick([]), (err: Error) => {
    assert.ok(err instanceof CliError);
    assert.equal(
      err.message,
      'Error fetching allocations: job "example" doesn\'t exist or it has no allocations',
    );
    return true;
  });
  await assert.rejects(pick([stub('aa', 5, 'running')], 'web'), {
    message: 'Error fetching allocations: task group "web" doesn\'t exist or it has no allocations',
  });
});
