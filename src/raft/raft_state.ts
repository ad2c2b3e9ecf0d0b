/**
 * The raft core's state and its outputs: what a server knows (term, vote, log, configuration,
 * progress of each follower), what it has to say (messages, read states) and the Ready that hands
 * both to the driver. The protocol itself, which changes this state, is in raft.ts.
 */
import { assert } from '../lib/assert.ts';
import type { Rng } from '../lib/random.ts';
import { ConfigHistory, isLearner, isVoter, majority } from './config.ts';
import type { Progress } from './progress.ts';
import { RaftLog } from './raft_log.ts';
import { ReadOnly } from './read_only.ts';
import type { Configuration, Entry, HardState, Message, ReadState, Ready, Role, Snapshot } from './types.ts';

export interface RaftOptions {
  id: string;
  /** Ticks without a leader before a follower campaigns (randomized up to twice this). */
  electionTicks: number;
  /** Ticks between the leader's heartbeats. */
  heartbeatTicks: number;
  rng: Rng;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Restored state; for a new server: term 0, no vote, commit 0. */
  hardState?: HardState;
  /** The last snapshot on disk, if any (its data is what we send to followers that lag behind it). */
  snapshot?: Snapshot;
  /** Entries on disk after the snapshot. */
  entries?: Entry[];
  /** The configuration to start from when there is no snapshot (bootstrap: the same on every server). */
  config: Configuration;
  /** The index the application has applied (the snapshot's, after a restart). */
  applied?: number;
}

const emptyHardState: HardState = { term: 0, vote: '', commit: 0 };

export abstract class RaftState {
  readonly id: string;
  term: number;
  vote: string;
  role: Role = 'follower';
  leader = '';
  readonly log: RaftLog;
  config: Configuration;
  protected configHistory: ConfigHistory;
  protected readonly electionTicks: number;
  protected readonly heartbeatTicks: number;
  protected readonly rng: Rng;
  protected readonly preVote: boolean;
  protected readonly checkQuorum: boolean;
  protected electionElapsed = 0;
  protected heartbeatElapsed = 0;
  protected randomizedElectionTimeout = 0;
  protected votes = new Map<string, boolean>();
  readonly progress = new Map<string, Progress>();
  protected pendingConfigIndex = 0;
  protected leadTransferee = '';
  protected snapshot: Snapshot | undefined;
  protected pendingSnapshot: Snapshot | undefined;
  protected messages: Message[] = [];
  protected readStates: ReadState[] = [];
  protected readonly reads = new ReadOnly();
  protected prevHardState: HardState;
  protected prevSoft = { role: '' as Role | '', leader: '', term: -1 };

  constructor(opts: RaftOptions) {
    this.id = opts.id;
    this.electionTicks = opts.electionTicks;
    this.heartbeatTicks = opts.heartbeatTicks;
    assert(this.heartbeatTicks < this.electionTicks, 'heartbeat ticks must be fewer than election ticks');
    this.rng = opts.rng;
    this.preVote = opts.preVote ?? true;
    this.checkQuorum = opts.checkQuorum ?? true;
    const hs = opts.hardState ?? emptyHardState;
    this.term = hs.term;
    this.vote = hs.vote;
    this.snapshot = opts.snapshot;
    const snapMeta = opts.snapshot?.meta;
    this.config = snapMeta?.config ?? opts.config;
    this.configHistory = new ConfigHistory(snapMeta?.index ?? 0, this.config);
    this.log = new RaftLog({
      snapIndex: snapMeta?.index ?? 0,
      snapTerm: snapMeta?.term ?? 0,
      entries: opts.entries ?? [],
      committed: snapMeta?.index ?? 0,
      applied: opts.applied ?? snapMeta?.index ?? 0,
    });
    this.prevHardState = { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  // ---- outputs -----------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.messages.length > 0 ||
      this.readStates.length > 0 ||
      this.pendingSnapshot !== undefined ||
      this.log.unstableFrom <= this.log.lastIndex() ||
      this.log.committed > this.log.applied ||
      this.hardStateChanged() ||
      this.softStateChanged()
    );
  }

  ready(): Ready {
    const hs = { term: this.term, vote: this.vote, commit: this.log.committed };
    const snapshot = this.pendingSnapshot;
    const from = Math.max(this.log.applied, snapshot?.meta.index ?? 0) + 1;
    const rd: Ready = {
      hardState: this.hardStateChanged() ? hs : undefined,
      entries: this.log.unstableEntries(),
      snapshot,
      messages: this.messages,
      committedEntries: this.log.committed >= from ? this.log.slice(from, this.log.committed + 1) : [],
      readStates: this.readStates,
      softState: this.softStateChanged()
        ? { role: this.role, leader: this.leader, term: this.term }
        : undefined,
    };
    this.messages = [];
    this.readStates = [];
    return rd;
  }

  /** The driver has persisted, sent and applied what `rd` asked for. */
  advance(rd: Ready): void {
    if (rd.hardState !== undefined) this.prevHardState = rd.hardState;
    if (rd.softState !== undefined) this.prevSoft = rd.softState;
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) this.log.markStable(lastEntry.index);
    if (rd.snapshot !== undefined) {
      this.log.applied = Math.max(this.log.applied, rd.snapshot.meta.index);
      if (this.pendingSnapshot === rd.snapshot) this.pendingSnapshot = undefined;
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) this.log.applied = Math.max(this.log.applied, lastApplied.index);
  }

  // ---- helpers -----------------------------------------------------------------------------

  protected send(m: Message): void {
    this.messages.push(m);
  }

  /** A follower's role follows the configuration: learners learn, voters follow. */
  protected syncFollowerRole(): void {
    if (this.role === 'leader') return;
    if (isLearner(this.config, this.id)) this.role = 'learner';
    else if (this.role === 'learner') this.role = 'follower';
  }

  protected promotable(): boolean {
    return isVoter(this.config, this.id);
  }

  protected quorumActive(): boolean {
    let active = 0;
    for (const v of this.config.voters) {
      const pr = this.progress.get(v.id);
      if (v.id === this.id || pr?.recentActive === true) active++;
      if (pr !== undefined && v.id !== this.id) pr.recentActive = false;
    }
    return active >= majority(this.config.voters.length);
  }

  protected resetTimers(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTicks + this.rng.int(this.electionTicks);
  }

  protected hardStateChanged(): boolean {
    const p = this.prevHardState;
    return p.term !== this.term || p.vote !== this.vote || p.commit !== this.log.committed;
  }

  protected softStateChanged(): boolean {
    const p = this.prevSoft;
    return p.role !== this.role || p.leader !== this.leader || p.term !== this.term;
  }
}
