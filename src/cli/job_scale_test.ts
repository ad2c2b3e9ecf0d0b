import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './main.ts';
import { scaledGroup } from './job_scale.ts';
import { startFakeAgent } from './testing/fake_agent.ts';
import { fakeIO } from './testing/fake_io.ts';
import * as f from './testing/fixtures.ts';

async function scale(args: string[]): Promise<{ code: number; out: string; err: string; body: unknown }> {
  const agent = await startFakeAgent({
    'GET /v1/jobs': { body: [{ ...f.job(), JobSummary: null, Periodic: false, ParameterizedJob: false }] },
    'GET /v1/job/example': { body: f.job() },
    'POST /v1/job/example/scale': {
      body: { EvalID: f.EVAL_ID, EvalCreateIndex: 20, JobModifyIndex: 7, Index: 20 },
    },
  });
  try {
    const io = fakeIO({ env: { NOMAD_ADDR: agent.address } });
    const code = await main(['job', 'scale', ...args], io);
    const post = agent.requests.find((r) => r.method === 'POST');
    return { code, out: io.out(), err: io.err(), body: post?.body };
  } finally {
    await agent.close();
  }
}

test('job scale -detach of the only group says so and prints the evaluation ID, as Nomad', async () => {
  const r = await scale(['-detach', 'example', '3']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `Job scale successful\nEvaluation ID: ${f.EVAL_ID}\n`);
  assert.deepEqual((r.body as { Target: unknown; Count: number }).Target, { Group: 'cache' });
  assert.equal((r.body as { Count: number }).Count, 3);
});

test('job scale refuses a wrong argument count, a count that is not a number and an unknown group', async () => {
  let r = await scale(['example']);
  assert.deepEqual([r.code, r.err], [1, 'Command requires at least two arguments and no more than three\n']);
  r = await scale(['example', 'three']);
  assert.equal(
    r.err,
    'Failed to convert count string to int: strconv.Atoi: parsing "three": invalid syntax\n',
  );
  r = await scale(['example', 'web', '3']);
  assert.deepEqual([r.code, r.err, r.body], [1, 'Group web not found within job\n', undefined]);
});

test('scaledGroup() needs the group name when the job has several', () => {
  assert.throws(() => scaledGroup(['a', 'b'], ''), { message: 'Group name required' });
  assert.equal(scaledGroup(['a', 'b'], 'b'), 'b');
  assert.equal(scaledGroup(['a'], ''), 'a');
});
