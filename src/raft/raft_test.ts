import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from './testing/cluster.ts';
import type { Configuration } from './types.ts';

const conf = (voters: string[], learners: string[] = []): Configuration => ({
  voters: voters.map((id) => ({ id, addr: id })),
  learners: learners.map((id) => ({ id, addr: id })),
});

test('a single voter elects itself and commits proposals', () => {
  const c = new TestCluster(['a']);
  assert.equal(c.elect(), 'a');
  c.node('a').raft.propose(['x', 'y']);
  c.deliverAll();
  assert.deepEqual(
    c.node('a').applied.map((e) => e.data),
    ['x', 'y'],
  );
});

test('three voters elect exactly one leader and replicate to all', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  const followers = ['a', 'b', 'c'].filter((id) => id !== leader);
  for (const f of followers) assert.equal(c.node(f).raft.leader, leader);
  c.node(leader).raft.propose(['one']);
  c.deliverAll();
  c.tick(2);
  for (const id of ['a', 'b', 'c'])
    assert.deepEqual(
      c.node(id).applied.map((e) => e.data),
      ['one'],
    );
});

test('a follower refuses proposals, naming the leader', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  const follower = ['a', 'b', 'c'].find((id) => id !== leader)!;
  assert.throws(() => c.node(follower).raft.propose(['x']), new RegExp(`leader is "${leader}"`));
});

test('an isolated leader steps down by check-quorum and the rest elect a new one', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const old = c.elect();
  c.isolate(old);
  c.node(old).raft.propose(['lost']); // can never commit
  c.tick(40);
  assert.notEqual(c.node(old).raft.role, 'leader');
  const next = c.leader();
  assert.ok(next !== undefined && next !== old);
  c.node(next).raft.propose(['kept']);
  c.heal();
  c.tick(30);
  for (const id of ['a', 'b', 'c']) {
    assert.deepEqual(
      c.node(id).applied.map((e) => e.data),
      ['kept'],
      `node ${id}`,
    );
  }
  c.checkAppliedPrefixes();
});

test('with pre-vote, a rejoining partitioned follower does not disturb the leader', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  const follower = ['a', 'b', 'c'].find((id) => id !== leader)!;
  const term = c.node(leader).raft.term;
  c.isolate(follower);
  c.tick(100);
  assert.equal(c.node(follower).raft.term, term, 'pre-vote keeps the isolated node from bumping its term');
  c.heal();
  c.tick(20);
  assert.equal(c.leader(), leader);
  assert.equal(c.node(leader).raft.term, term);
});

test('a diverged follower log is repaired by the new leader', () => {
  const c = new TestCluster(['a', 'b', 'c', 'd', 'e']);
  const old = c.elect();
  c.node(old).raft.propose(['committed']);
  c.deliverAll();
  c.tick(2);
  c.isolate(old);
  for (let i = 0; i < 5; i++) c.node(old).raft.propose([`stale-${i}`]);
  c.tick(50);
  const next = c.leader()!;
  assert.notEqual(next, old);
  c.node(next).raft.propose(['new-1', 'new-2']);
  c.deliverAll();
  c.heal();
  c.tick(30);
  for (const n of c.nodes.values()) {
    assert.deepEqual(
      n.applied.map((e) => e.data),
      ['committed', 'new-1', 'new-2'],
      `node ${n.id}`,
    );
  }
});

test('a crashed and restarted follower catches up from its disk and the leader', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  const follower = ['a', 'b', 'c'].find((id) => id !== leader)!;
  c.node(leader).raft.propose(['1']);
  c.deliverAll();
  c.crash(follower);
  c.node(leader).raft.propose(['2', '3']);
  c.tick(3);
  c.restart(follower, conf(['a', 'b', 'c']));
  c.tick(30);
  assert.deepEqual(
    c.node(follower).applied.map((e) => e.data),
    ['1', '2', '3'],
  );
});

test('a new learner catches up through a snapshot, then is promoted to voter', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  for (let i = 0; i < 20; i++) c.node(leader).raft.propose([`e${i}`]);
  c.deliverAll();
  c.tick(2);
  c.compact(leader);
  assert.ok(c.node(leader).raft.log.firstIndex() > 10);
  const d = c.addNode('d', conf(['a', 'b', 'c']));
  c.node(leader).raft.proposeConfigChange({ kind: 'addLearner', id: 'd', addr: 'd' });
  c.tick(20);
  assert.equal(d.applied.length, 20, 'the learner holds every entry');
  assert.equal(d.raft.role, 'learner');
  c.node(leader).raft.proposeConfigChange({ kind: 'addVoter', id: 'd', addr: 'd' });
  c.tick(20);
  assert.equal(c.node(leader).raft.config.voters.length, 4);
  assert.equal(d.raft.role, 'follower');
  c.node(leader).raft.propose(['after']);
  c.tick(5);
  assert.equal(d.applied.at(-1)?.data, 'after');
});

test('only one membership change may be in flight', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  c.isolate(['a', 'b', 'c'].find((id) => id !== leader)!);
  const other = ['a', 'b', 'c'].filter((id) => id !== leader);
  c.isolate(other[1]!);
  c.node(leader).raft.proposeConfigChange({ kind: 'addLearner', id: 'd', addr: 'd' });
  assert.throws(
    () => c.node(leader).raft.proposeConfigChange({ kind: 'addLearner', id: 'e', addr: 'e' }),
    /already in progress/,
  );
});

test('removing a voter shrinks the quorum', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  const gone = ['a', 'b', 'c'].find((id) => id !== leader)!;
  c.node(leader).raft.proposeConfigChange({ kind: 'remove', id: gone, addr: '' });
  c.tick(5);
  c.crash(gone);
  const third = ['a', 'b', 'c'].find((id) => id !== leader && id !== gone)!;
  c.node(leader).raft.propose(['two-voters']);
  c.tick(5);
  assert.equal(c.node(third).applied.at(-1)?.data, 'two-voters');
  assert.equal(c.node(leader).raft.config.voters.length, 2);
});

test('leadership moves to the chosen voter on transfer', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  const target = ['a', 'b', 'c'].find((id) => id !== leader)!;
  c.node(leader).raft.transferLeadership(target);
  c.tick(5);
  assert.equal(c.leader(), target);
  assert.equal(c.node(leader).raft.role, 'follower');
});

test('a quorum confirms a read; a deposed leader cannot confirm one', () => {
  const c = new TestCluster(['a', 'b', 'c']);
  const leader = c.elect();
  c.node(leader).raft.propose(['v1']);
  c.tick(2);
  c.node(leader).raft.readIndex('r1');
  c.deliverAll();
  const rs = c.node(leader).readStates.find((r) => r.ctx === 'r1');
  assert.ok(rs !== undefined && rs.index >= 2);
  c.isolate(leader);
  c.node(leader).raft.readIndex('r2');
  c.deliverAll();
  assert.equal(
    c.node(leader).readStates.find((r) => r.ctx === 'r2'),
    undefined,
  );
  c.tick(40);
  assert.notEqual(c.node(leader).raft.role, 'leader');
});

test('under random loss, partitions, reordering and crashes, committed entries are never lost', () => {
  for (let seed = 1; seed <= Number(process.env['RAFT_FUZZ_SEEDS'] ?? 12); seed++) {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const c = new TestCluster(ids, { seed });
    const config = conf(ids);
    let proposed = 0;
    try {
      for (let step = 0; step < 400; step++) {
        const r = c.rng.next();
        if (r < 0.02) c.partition([ids.slice(0, 2), ids.slice(2)]);
        else if (r < 0.04) c.heal();
        else if (r < 0.05) c.crash(ids[c.rng.int(ids.length)]!);
        else if (r < 0.08) {
          for (const n of c.nodes.values()) if (!n.up) c.restart(n.id, config);
        }
        c.dropRate = step % 100 < 50 ? 0.1 : 0;
        const leader = c.leader();
        if (leader !== undefined && c.rng.next() < 0.5) {
          try {
            c.node(leader).raft.propose([`p${proposed++}`]);
          } catch {
            // a leader that is transferring or just deposed refuses: fine
          }
        }
        for (const n of c.nodes.values()) if (n.up) n.raft.tick();
        c.deliverAll({ shuffle: true, max: 200 });
        c.checkAppliedPrefixes();
      }
      c.heal();
      c.dropRate = 0;
      for (const n of c.nodes.values()) if (!n.up) c.restart(n.id, config);
      c.tick(100);
      const leader = c.elect();
      c.node(leader).raft.propose(['final']);
      c.tick(20);
      c.checkAppliedPrefixes();
      for (const n of c.nodes.values())
        assert.equal(n.applied.at(-1)?.data, 'final', `seed ${seed} node ${n.id}`);
    } catch (err) {
      throw new Error(`raft fuzz failed with seed ${seed}`, { cause: err });
    }
  }
});
