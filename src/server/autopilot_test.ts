import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../test/helpers/manual_clock.ts';
import type { ConfigChange, Configuration } from '../raft/types.ts';
import { Autopilot, type GossipServer, type RaftStats } from './autopilot.ts';
import { AUTOPILOT_DEFAULTS } from './cluster_state_machine.ts';
import { silentLogger } from './server.ts';
import { bootstrapEntries } from './cluster_raft.ts';

interface World {
  clock: ManualClock;
  config: Configuration;
  gossip: GossipServer[];
  stats: Map<string, RaftStats>;
  changes: ConfigChange[];
  left: string[];
  autopilot: Autopilot;
}

const member = (id: string): { id: string; addr: string } => ({ id, addr: `${id}:4647` });
const server = (id: string, status: GossipServer['status'] = 'alive'): GossipServer => ({
  id,
  name: `${id}.global`,
  rpcAddr: `${id}:4647`,
  region: 'global',
  status,
  build: '0.1.0',
  expect: 3,
});

/** A leader "a" over a configuration, with servers that answer their stats unless told otherwise. */
function world(config: Configuration, gossip: GossipServer[]): World {
  const clock = new ManualClock();
  const w: World = {
    clock,
    config,
    gossip,
    stats: new Map(),
    changes: [],
    left: [],
    autopilot: undefined as unknown as Autopilot,
  };
  w.autopilot = new Autopilot({
    selfId: 'a',
    region: 'global',
    clock,
    logger: silentLogger,
    config: () => ({ ...AUTOPILOT_DEFAULTS, serverStabilizationTimeMs: 10_000 }),
    raft: () => ({ config: w.config, term: 2, lastIndex: 100, isLeader: true }),
    stats: async (id) => {
      const s = w.stats.get(id) ?? { lastContactMs: 10, term: 2, lastIndex: 100 };
      if (w.gossip.find((g) => g.id === id)?.status !== 'alive') throw new Error(`${id} does not answer`);
      return s;
    },
    gossip: () => w.gossip,
    changeConfig: async (c) => void w.changes.push(c),
    markLeft: (name) => void w.left.push(name),
  });
  return w;
}

test('autopilot adds a server gossip knows and raft does not as a non-voter, then promotes it once stable', async () => {
  const w = world(
    { voters: ['a', 'b', 'c'].map(member), learners: [] },
    ['a', 'b', 'c', 'd'].map((id) => server(id)),
  );
  await w.autopilot.runOnce();
  assert.deepEqual(w.changes, [{ kind: 'addLearner', id: 'd', addr: 'd:4647' }]);
  w.config = { voters: ['a', 'b', 'c'].map(member), learners: [member('d')] };
  await w.autopilot.runOnce();
  assert.equal(w.changes.length, 1, 'not promoted before server_stabilization_time');
  w.clock.advance(10_000);
  await w.autopilot.runOnce();
  assert.deepEqual(w.changes[1], { kind: 'addVoter', id: 'd', addr: 'd:4647' });
});

test('autopilot does not promote a non-voter that lags behind the leader', async () => {
  const w = world(
    { voters: ['a', 'b', 'c'].map(member), learners: [member('d')] },
    ['a', 'b', 'c', 'd'].map((id) => server(id)),
  );
  w.stats.set('d', { lastContactMs: 10, term: 2, lastIndex: 100 - AUTOPILOT_DEFAULTS.maxTrailingLogs - 1 });
  await w.autopilot.runOnce();
  w.clock.advance(60_000);
  await w.autopilot.runOnce();
  assert.deepEqual(w.changes, []);
  const h = await w.autopilot.health();
  assert.equal(h.servers.find((s) => s.id === 'd')!.healthy, false);
  assert.equal(h.healthy, false);
});

test('autopilot removes a server that left gracefully, and a failed one only while the rest keep a quorum', async () => {
  const left = world({ voters: ['a', 'b', 'c'].map(member), learners: [] }, [
    server('a'),
    server('b'),
    server('c', 'left'),
  ]);
  await left.autopilot.runOnce();
  assert.deepEqual(left.changes, [{ kind: 'remove', id: 'c', addr: '' }]);
  assert.deepEqual(left.left, []);

  const failed = world({ voters: ['a', 'b', 'c'].map(member), learners: [] }, [
    server('a'),
    server('b'),
    server('c', 'failed'),
  ]);
  await failed.autopilot.runOnce();
  assert.deepEqual(failed.changes, [{ kind: 'remove', id: 'c', addr: '' }]);
  assert.deepEqual(failed.left, ['c.global']);

  const two = world({ voters: ['a', 'b', 'c'].map(member), learners: [] }, [
    server('a'),
    server('b', 'failed'),
    server('c', 'failed'),
  ]);
  await two.autopilot.runOnce();
  assert.deepEqual(two.changes, [], 'one voter of three cannot remove the others');
});

test('autopilot health counts the failure tolerance from the healthy voters', async () => {
  const w = world(
    { voters: ['a', 'b', 'c', 'd', 'e'].map(member), learners: [] },
    ['a', 'b', 'c', 'd', 'e'].map((id) => server(id)),
  );
  assert.equal((await w.autopilot.health()).failureTolerance, 2);
  w.gossip[4] = server('e', 'failed');
  const h = await w.autopilot.health();
  assert.equal(h.failureTolerance, 1);
  assert.equal(h.healthy, false);
  assert.equal(h.leader, 'a');
  assert.deepEqual(h.voters, ['a', 'b', 'c', 'd', 'e']);
});

test('bootstrap entries are the same whatever order the servers were found in', () => {
  const one = bootstrapEntries([member('c'), member('a'), member('b')]);
  const two = bootstrapEntries([member('b'), member('c'), member('a')]);
  assert.deepEqual(one, two);
  assert.deepEqual(
    one.map((e) => [e.index, e.term, e.type, (e.data as ConfigChange).id]),
    [
      [1, 1, 'config', 'a'],
      [2, 1, 'config', 'b'],
      [3, 1, 'config', 'c'],
    ],
  );
});
