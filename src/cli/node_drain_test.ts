process.env.TZ = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from './main.ts';
import { startFakeAgent } from './testing/fake_agent.ts';
import { fakeIO } from './testing/fake_io.ts';
import * as f from './testing/fixtures.ts';
import type { Allocation } from '../structs/allocation.ts';

function alloc(changes: Partial<Allocation>): Allocation {
  return { ...f.allocation(), ...changes };
}

const MIGRATE = { Migrate: true, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null };

test('node drain -enable -yes follows the drain and says what happens to each allocation, as Nomad', async () => {
  const draining = {
    ...f.node(),
    DrainStrategy: {
      DrainSpec: { Deadline: 3600e9, IgnoreSystemJobs: false },
      ForceDeadline: null,
      StartedAt: null,
    },
  };
  const agent = await startFakeAgent({
    'GET /v1/nodes': { body: [f.nodeStub()] },
    [`POST /v1/node/${f.NODE_ID}/drain`]: {
      body: { NodeModifyIndex: 20, EvalIDs: null, EvalCreateIndex: 0, Index: 20 },
      index: 20,
    },
    [`GET /v1/node/${f.NODE_ID}`]: [
      { body: draining, index: 21 },
      { body: f.node(), index: 25 },
    ],
    [`GET /v1/node/${f.NODE_ID}/allocations`]: [
      { body: [alloc({})], index: 20 },
      { body: [alloc({ DesiredTransition: MIGRATE })], index: 21 },
      { body: [alloc({ DesiredTransition: MIGRATE, DesiredStatus: 'stop' })], index: 22 },
      {
        body: [alloc({ DesiredTransition: MIGRATE, DesiredStatus: 'stop', ClientStatus: 'complete' })],
        index: 23,
      },
    ],
  });
  try {
    const io = fakeIO({ env: { NOMAD_ADDR: agent.address } });
    const code = await main(['node', 'drain', '-enable', '-yes', f.NODE_ID.slice(0, 8)], io);
    assert.equal(code, 0, io.err());
    const lines = io.out().trimEnd().split('\n');
    const ts = '2019-08-31T23:03:40Z';
    assert.deepEqual(lines.slice(0, 2), [
      `${ts}: Ctrl-C to stop monitoring: will not cancel the node drain`,
      `${ts}: Node "${f.NODE_ID}" drain strategy set`,
    ]);
    assert.deepEqual(
      lines.filter((l) => l.includes('Alloc')),
      [
        `${ts}: Alloc "${f.ALLOC_ID}" marked for migration`,
        `${ts}: Alloc "${f.ALLOC_ID}" draining`,
        `${ts}: Alloc "${f.ALLOC_ID}" status running -> complete`,
      ],
    );
    assert.ok(lines.includes(`${ts}: All allocations on node "${f.NODE_ID}" have stopped`));
    assert.ok(lines.includes(`${ts}: Drain complete for node ${f.NODE_ID}`));
    const drain = agent.requests.find((r) => r.method === 'POST')!;
    assert.deepEqual((drain.body as { DrainSpec: unknown }).DrainSpec, {
      Deadline: 3600e9,
      IgnoreSystemJobs: false,
    });
    // The node loop starts from the index the drain update returned.
    const nodeReads = agent.requests.filter((r) => r.path === `/v1/node/${f.NODE_ID}`);
    assert.equal(nodeReads[0]!.query.get('index'), '20');
  } finally {
    await agent.close();
  }
});

test('node drain -detach only sets the drain', async () => {
  const agent = await startFakeAgent({
    'GET /v1/nodes': { body: [f.nodeStub()] },
    [`POST /v1/node/${f.NODE_ID}/drain`]: {
      body: { NodeModifyIndex: 20, EvalIDs: null, EvalCreateIndex: 0, Index: 20 },
    },
  });
  try {
    const io = fakeIO({ env: { NOMAD_ADDR: agent.address } });
    assert.equal(await main(['node', 'drain', '-enable', '-yes', '-detach', f.NODE_ID], io), 0);
    assert.equal(io.out(), `Node "${f.NODE_ID}" drain strategy set\n`);
  } finally {
    await agent.close();
  }
});

test('node drain and node eligibility without a node ask for one in Nomad words', async () => {
  for (const args of [
    ['node', 'drain', '-enable', '-yes'],
    ['node', 'eligibility', '-enable'],
  ]) {
    const io = fakeIO({ env: { NOMAD_ADDR: 'http://127.0.0.1:1' } });
    assert.equal(await main(args, io), 1);
    assert.match(io.err(), /^Node ID must be specified if -self isn't being used\nFor additional help try/);
  }
});
