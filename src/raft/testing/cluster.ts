/**
 * A raft cluster in one process for tests: each node has a fake disk (hard state, entries,
 * snapshot), messages go through a network the test controls (drop, partition, deliver in any
 * order), and committed entries are applied to a list per node. Deterministic from a seed.
 */
import { rngFromSeed, type Rng } from '../../lib/random.ts';
import { Raft } from '../raft.ts';
import type { Configuration, Entry, HardState, Message, ReadState, Snapshot } from '../types.ts';

export interface Disk {
  hardState: HardState;
  entries: Entry[];
  snapshot: Snapshot | undefined;
}

export interface SimNode {
  id: string;
  raft: Raft;
  disk: Disk;
  /** Application commands applied, in order, with their log index. */
  applied: { index: number; data: unknown }[];
  readStates: ReadState[];
  up: boolean;
}

export class TestCluster {
  readonly nodes = new Map<string, SimNode>();
  inflight: Message[] = [];
  /** Pairs that cannot talk ("a|b"), both ways. */
  private cut = new Set<string>();
  readonly rng: Rng;
  dropRate = 0;
  /** Every (term, leader) ever seen, to check there is one leader per term. */
  readonly leadersByTerm = new Map<number, string>();

  readonly opts: { seed?: number; electionTicks?: number; preVote?: boolean; checkQuorum?: boolean };

  constructor(
    ids: string[],
    opts: { seed?: number; electionTicks?: number; preVote?: boolean; checkQuorum?: boolean } = {},
  ) {
    this.opts = opts;
    this.rng = rngFromSeed(opts.seed ?? 1);
    const config: Configuration = { voters: ids.map((id) => ({ id, addr: id })), learners: [] };
    for (const id of ids) this.addNode(id, config);
  }

  addNode(id: string, config: Configuration): SimNode {
    const disk: Disk = { hardState: { term: 0, vote: '', commit: 0 }, entries: [], snapshot: undefined };
    const node: SimNode = {
      id,
      raft: this.newRaft(id, disk, config),
      disk,
      applied: [],
      readStates: [],
      up: true,
    };
    this.nodes.set(id, node);
    return node;
  }

  private newRaft(id: string, disk: Disk, config: Configuration): Raft {
    return new Raft({
      id,
      electionTicks: this.opts.electionTicks ?? 10,
      heartbeatTicks: 1,
      rng: rngFromSeed(`${id}-${this.rng.int(1e9)}`),
      preVote: this.opts.preVote ?? true,
      checkQuorum: this.opts.checkQuorum ?? true,
      hardState: disk.hardState,
      ...(disk.snapshot === undefined ? {} : { snapshot: disk.snapshot }),
      entries: [...disk.entries],
      config,
    });
  }

  node(id: string): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Processes every node's Ready: persist, send, apply. */
  flush(): void {
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      while (n.raft.hasReady()) {
        const rd = n.raft.ready();
        if (rd.hardState !== undefined) n.disk.hardState = rd.hardState;
        if (rd.snapshot !== undefined) {
          n.disk.snapshot = rd.snapshot;
          n.disk.entries = n.disk.entries.filter((e) => e.index > rd.snapshot!.meta.index);
          n.applied = [...(rd.snapshot.data as { index: number; data: unknown }[])];
        }
        if (rd.entries.length > 0) {
          const first = rd.entries[0]!.index;
          n.disk.entries = [...n.disk.entries.filter((e) => e.index < first), ...rd.entries];
        }
        for (const m of rd.messages) this.inflight.push(m);
        for (const e of rd.committedEntries) {
          if (e.type === 'normal') n.applied.push({ index: e.index, data: e.data });
        }
        n.readStates.push(...rd.readStates);
        if (rd.softState?.role === 'leader') this.recordLeader(rd.softState.term, n.id);
        n.raft.advance(rd);
      }
    }
  }

  private recordLeader(term: number, id: string): void {
    const prev = this.leadersByTerm.get(term);
    if (prev !== undefined && prev !== id) throw new Error(`two leaders in term ${term}: ${prev} and ${id}`);
    this.leadersByTerm.set(term, id);
  }

  /** Delivers messages until none are left (bounded), in a random order when shuffle is set. */
  deliverAll(opts: { shuffle?: boolean; max?: number } = {}): void {
    let budget = opts.max ?? 100_000;
    this.flush();
    while (this.inflight.length > 0 && budget-- > 0) {
      const i = opts.shuffle === true ? this.rng.int(this.inflight.length) : 0;
      const [m] = this.inflight.splice(i, 1);
      this.deliver(m!);
      this.flush();
    }
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (to === undefined || !to.up || !this.nodes.get(m.from)?.up) return;
    if (this.cut.has(`${m.from}|${m.to}`)) return;
    if (this.dropRate > 0 && this.rng.next() < this.dropRate) return;
    to.raft.step(m);
  }

  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) if (node.up) node.raft.tick();
      this.deliverAll();
    }
  }

  /** Ticks until some node leads (and the others know it), or fails. */
  elect(maxTicks = 500): string {
    for (let i = 0; i < maxTicks; i++) {
      this.tick();
      const leader = this.leader();
      if (leader !== undefined) return leader;
    }
    throw new Error('no leader elected');
  }

  leader(): string | undefined {
    const leaders = [...this.nodes.values()].filter((n) => n.up && n.raft.role === 'leader');
    if (leaders.length === 0) return undefined;
    // During a partition an old leader may not know yet; pick the one with the highest term.
    return leaders.sort((a, b) => b.raft.term - a.raft.term)[0]!.id;
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}|${other}`);
      this.cut.add(`${other}|${id}`);
    }
  }

  partition(groups: string[][]): void {
    this.heal();
    for (const a of groups)
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}|${y}`);
      }
  }

  heal(): void {
    this.cut.clear();
  }

  /** A crash: in-memory state is lost; the disk (hard state, entries, snapshot) survives. */
  crash(id: string): void {
    this.node(id).up = false;
    this.inflight = this.inflight.filter((m) => m.to !== id && m.from !== id);
  }

  restart(id: string, config: Configuration): void {
    const n = this.node(id);
    n.raft = this.newRaft(id, n.disk, config);
    n.applied =
      n.disk.snapshot === undefined ? [] : [...(n.disk.snapshot.data as { index: number; data: unknown }[])];
    n.up = true;
  }

  /** Snapshot: the node's applied list is its state machine. */
  compact(id: string): void {
    const n = this.node(id);
    const index = n.raft.log.applied;
    n.raft.compact(index, [...n.applied]);
    n.disk.snapshot = {
      meta: { index, term: n.raft.log.term(index) ?? 0, config: n.raft.config },
      data: [...n.applied],
    };
    n.disk.entries = n.disk.entries.filter((e) => e.index > index);
  }

  /** Checks that every node's applied sequence is a prefix of the longest one (state machine safety). */
  checkAppliedPrefixes(): void {
    const seqs = [...this.nodes.values()].map((n) => n.applied);
    const longest = seqs.reduce((a, b) => (b.length > a.length ? b : a), []);
    for (const [id, n] of this.nodes) {
      n.applied.forEach((x, i) => {
        const y = longest[i]!;
        if (x.index !== y.index || JSON.stringify(x.data) !== JSON.stringify(y.data)) {
          throw new Error(
            `node ${id} applied ${JSON.stringify(x)} at position ${i}, another node ${JSON.stringify(y)}`,
          );
        }
      });
    }
  }
}
