import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FSM } from '../fsm/fsm.ts';
import { MemoryLogStore } from '../raft/driver/log_store.ts';
import { RaftNode } from '../raft/driver/raft_node.ts';
import type { Message } from '../raft/types.ts';
import { StateStore } from '../state/state_store.ts';
import { fsmStateMachine, RaftLog } from './raft_log.ts';

async function until(what: string, fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('three servers apply the same entries to their state stores, through snapshots too', async () => {
  const ids = ['a', 'b', 'c'];
  const config = { voters: ids.map((id) => ({ id, addr: id })), learners: [] };
  const nodes = new Map<string, RaftNode>();
  const fsms = new Map<string, FSM>();
  for (const id of ids) {
    const fsm = new FSM(new StateStore());
    fsms.set(id, fsm);
    nodes.set(
      id,
      new RaftNode({
        id,
        addr: id,
        store: new MemoryLogStore(),
        transport: {
          send: (to, m: Message) => setImmediate(() => nodes.get(to.id)?.receive(structuredClone(m))),
        },
        fsm: fsmStateMachine(fsm),
        bootstrap: config,
        tickMs: 10,
        snapshotThreshold: 20,
      }),
    );
  }
  await Promise.all([...nodes.values()].map((n) => n.start()));
  try {
    await until('a leader', () => [...nodes.values()].some((n) => n.isLeader()));
    const leaderId = ids.find((id) => nodes.get(id)!.isLeader())!;
    const log = new RaftLog(nodes.get(leaderId)!, fsms.get(leaderId)!);
    for (let i = 0; i < 50; i++) {
      const r = await log.propose({
        type: 'NamespaceUpsert',
        namespaces: [{ Name: `ns-${i}`, Description: '', Meta: null, CreateIndex: 0, ModifyIndex: 0 }],
      });
      assert.ok(r.index > 0);
    }
    await until('every server applied everything', () =>
      ids.every((id) => fsms.get(id)!.appliedIndex() === fsms.get(leaderId)!.appliedIndex()),
    );
    const names = (id: string): string[] =>
      JSON.stringify(fsms.get(id)!.snapshot().state)
        .match(/ns-\d+/g)!
        .sort();
    for (const id of ids) assert.equal(new Set(names(id)).size, 50, `server ${id}`);
  } finally {
    for (const n of nodes.values()) await n.shutdown();
  }
});
