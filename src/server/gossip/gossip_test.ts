import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rngFromSeed } from '../../lib/random.ts';
import { Gossip } from './gossip.ts';
import { rumorOverrides, type Member } from './member.ts';

const fast = {
  probeIntervalMs: 50,
  probeTimeoutMs: 40,
  indirectChecks: 2,
  suspicionTimeoutMs: 300,
  pushPullIntervalMs: 500,
  reconnectIntervalMs: 200,
};

async function startMember(name: string): Promise<{ g: Gossip; port: number }> {
  const g = new Gossip({
    name,
    bindAddr: '127.0.0.1',
    port: 0,
    tags: { role: 'nomad' },
    rng: rngFromSeed(name),
    ...fast,
  });
  const port = await g.start();
  return { g, port };
}

async function eventually(what: string, fn: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const statusOf = (g: Gossip, name: string): string | undefined =>
  g.list().find((m) => m.name === name)?.status;

test('members that join through one seed all come to know each other', async () => {
  const ms = await Promise.all(['s1', 's2', 's3', 's4'].map(startMember));
  try {
    for (const m of ms.slice(1)) assert.equal(await m.g.join([`127.0.0.1:${ms[0]!.port}`]), 1);
    await eventually('everyone sees four alive members', () =>
      ms.every((m) => m.g.list().filter((x) => x.status === 'alive').length === 4),
    );
  } finally {
    await Promise.all(ms.map((m) => m.g.shutdown()));
  }
});

test('a member that stops answering becomes failed; a graceful leave becomes left', async () => {
  const ms = await Promise.all(['a', 'b', 'c', 'd'].map(startMember));
  const [a, b, c, d] = ms;
  try {
    for (const m of [b!, c!, d!]) await m.g.join([`127.0.0.1:${a!.port}`]);
    await eventually('all alive', () =>
      ms.every((m) => m.g.list().filter((x) => x.status === 'alive').length === 4),
    );
    await d!.g.shutdown(); // a crash: no leave message
    await c!.g.leave(200);
    await c!.g.shutdown();
    await eventually('d failed and c left, as seen by a and b', () =>
      [a!, b!].every((m) => statusOf(m.g, 'd') === 'failed' && statusOf(m.g, 'c') === 'left'),
    );
    assert.ok(a!.g.forceLeave('d'));
    await eventually('force-leave spreads', () => statusOf(b!.g, 'd') === 'left');
  } finally {
    await Promise.all([a!, b!].map((m) => m.g.shutdown()));
  }
});

test('a failed member that comes back is alive again', async () => {
  const a = await startMember('a');
  let b = await startMember('b');
  try {
    await b.g.join([`127.0.0.1:${a.port}`]);
    await eventually('a sees b', () => statusOf(a.g, 'b') === 'alive');
    await b.g.shutdown();
    await eventually('b failed', () => statusOf(a.g, 'b') === 'failed');
    b = await startMember('b');
    await b.g.join([`127.0.0.1:${a.port}`]);
    await eventually('b alive again', () => statusOf(a.g, 'b') === 'alive');
  } finally {
    await a.g.shutdown();
    await b.g.shutdown();
  }
});

test('rumor ordering: higher incarnations win, suspicion beats alive at equal incarnation, left is final', () => {
  const m: Member = { name: 'x', addr: '1', port: 1, tags: {}, status: 'alive', incarnation: 3 };
  assert.equal(rumorOverrides(m, { kind: 'alive', name: 'x', incarnation: 3, from: 'y' }), false);
  assert.equal(rumorOverrides(m, { kind: 'alive', name: 'x', incarnation: 4, from: 'y' }), true);
  assert.equal(rumorOverrides(m, { kind: 'suspect', name: 'x', incarnation: 3, from: 'y' }), true);
  assert.equal(rumorOverrides(m, { kind: 'suspect', name: 'x', incarnation: 2, from: 'y' }), false);
  assert.equal(
    rumorOverrides({ ...m, status: 'left' }, { kind: 'suspect', name: 'x', incarnation: 9, from: 'y' }),
    false,
  );
  assert.equal(
    rumorOverrides({ ...m, status: 'failed' }, { kind: 'leave', name: 'x', incarnation: 3, from: 'y' }),
    true,
  );
});
