/**
 * The raft core, in the style of etcd-io/raft: a deterministic state machine with no I/O and no
 * clock. The driver feeds it ticks, received messages and proposals, then takes a Ready (what to
 * persist, send and apply), does it, and calls advance(). Elections use pre-vote and check-quorum;
 * replication is batched and pipelined; membership changes go one server at a time and take effect
 * when committed; reads are confirmed by a quorum heartbeat round (ReadIndex), so a deposed leader
 * cannot serve a stale read.
 */
import { assert } from '../lib/assert.ts';
import { NomadError } from '../lib/errors.ts';
import {
  applyConfigChange,
  ConfigHistory,
  configChangeError,
  isLearner,
  isVoter,
  majority,
  members,
} from './config.ts';
import { RaftState, type RaftOptions } from './raft_state.ts';

export type { RaftOptions } from './raft_state.ts';
import { ENTRIES_PER_MESSAGE_MAX, Progress, quorumIndex } from './progress.ts';
import type { ConfigChange, Entry, Message, Snapshot } from './types.ts';

export class NotLeaderError extends NomadError {
  override name = 'NotLeaderError';
  readonly leader: string;
  constructor(leader: string) {
    super('unavailable', leader === '' ? 'No cluster leader' : `Not the leader: the leader is "${leader}"`);
    this.leader = leader;
  }
}

export class Raft extends RaftState {
  constructor(opts: RaftOptions) {
    super(opts);
    this.log.markStable(this.log.lastIndex());
    this.advanceCommit(Math.min(opts.hardState?.commit ?? 0, this.log.lastIndex()));
    this.prevHardState = { term: this.term, vote: this.vote, commit: this.log.committed };
    this.becomeFollower(this.term, '');
  }

  // ---- inputs ------------------------------------------------------------------------------

  /** One unit of logical time. */
  tick(): void {
    if (this.role === 'leader') {
      this.tickLeader();
      return;
    }
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.preVote ? 'preVote' : 'vote', false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, '');
        return;
      }
      this.leadTransferee = '';
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(0);
    }
    // A snapshot that got no answer in two election timeouts was lost: probe again (and resend).
    for (const pr of this.progress.values()) {
      if (pr.state === 'snapshot' && ++pr.snapshotTicks > 2 * this.electionTicks) pr.becomeProbe();
    }
  }

  /** Proposes application commands. Returns the index of the last one; throws NotLeaderError. */
  propose(data: readonly unknown[]): number {
    this.assertCanPropose();
    const entries = data.map((d, i) => this.newEntry('normal', d, i));
    return this.appendAndReplicate(entries);
  }

  /** Proposes one membership change; refused while another is uncommitted. */
  proposeConfigChange(change: ConfigChange): number {
    this.assertCanPropose();
    if (this.pendingConfigIndex > this.log.committed) {
      throw new NomadError(
        'conflict',
        'A configuration change is already in progress; try again once it commits',
      );
    }
    const problem = configChangeError(this.config, change);
    if (problem !== undefined)
      throw new NomadError('bad_request', `Cannot change the configuration: ${problem}`);
    const entry = this.newEntry('config', change, 0);
    this.pendingConfigIndex = entry.index;
    return this.appendAndReplicate([entry]);
  }

  /**
   * Asks for a linearizable read. The ReadState with this ctx appears in a Ready once a quorum has
   * confirmed this server is still the leader; serve the read after applying up to its index.
   */
  readIndex(ctx: unknown): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (!this.committedInCurrentTerm()) {
      this.reads.deferUntilCommit(ctx);
      return;
    }
    this.startRead(ctx);
  }

  /** Hands leadership to another voter that is up to date (or catches it up first). */
  transferLeadership(to: string): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (to === this.id) return;
    if (!isVoter(this.config, to))
      throw new NomadError('bad_request', `Cannot transfer leadership to "${to}": not a voter`);
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex())
      this.send({ type: 'timeoutNow', from: this.id, to, term: this.term });
    else this.sendAppend(to, false);
  }

  /**
   * The application saved a snapshot of its state at `index` (<= applied): drop the log before it.
   * `data` is what followers that lag behind will be sent.
   */
  compact(index: number, data: unknown): void {
    const term = this.log.term(index);
    assert(term !== undefined, `cannot snapshot at ${index}: no such entry`);
    this.snapshot = { meta: { index, term, config: this.configHistory.at(index) }, data };
    this.log.compact(index, term);
    this.configHistory.compactTo(index);
  }

  /** The transport could not reach a peer: stop pipelining to it until it answers again. */
  reportUnreachable(id: string): void {
    const pr = this.progress.get(id);
    if (this.role === 'leader' && pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
  }

  /** A snapshot send to a peer failed (ok=false) or finished. */
  reportSnapshot(id: string, ok: boolean): void {
    const pr = this.progress.get(id);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true; // wait for the follower's answer or the next heartbeat
  }

  // ---- the step function -------------------------------------------------------------------

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term && !this.acceptHigherTerm(m)) return;
    if (m.term < this.term) {
      this.handleStaleTerm(m);
      return;
    }
    switch (m.type) {
      case 'preVote':
      case 'vote':
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    if (this.role === 'leader') this.stepLeader(m);
    else if (this.role === 'preCandidate' || this.role === 'candidate') this.stepCandidate(m);
    else this.stepFollower(m);
  }

  /** A message from a higher term: step down, unless a lease or pre-vote says to leave the term alone. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.type === 'preVote' || m.type === 'vote') {
      const inLease = this.checkQuorum && this.leader !== '' && this.electionElapsed < this.electionTicks;
      if (inLease && !m.transfer) return false; // a leader we heard from recently is alive: don't disrupt it
    }
    if (m.type === 'preVote') return true; // a pre-vote never changes our term
    if (m.type === 'preVoteResp' && !m.reject) return true; // answers our pre-vote for term + 1
    const leader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap' ? m.from : '';
    this.becomeFollower(m.term, leader);
    return true;
  }

  private handleStaleTerm(m: Message): void {
    if (m.type === 'app' || m.type === 'heartbeat') {
      // A deposed leader: tell it the newer term so it steps down (needed with check-quorum and pre-vote,
      // where a partitioned node no longer pushes the term up itself).
      this.send({
        type: 'appResp',
        from: this.id,
        to: m.from,
        term: this.term,
        index: 0,
        reject: true,
        hint: 0,
      });
    } else if (m.type === 'preVote') {
      this.send({ type: 'preVoteResp', from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  private handleVoteRequest(m: Extract<Message, { type: 'vote' | 'preVote' }>): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === '' && this.leader === '') ||
      (m.type === 'preVote' && m.term > this.term);
    const grant = canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm);
    const type = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    // A granted pre-vote answers in the proposed term; a refusal in ours, so the asker can catch up.
    this.send({ type, from: this.id, to: m.from, term: grant ? m.term : this.term, reject: !grant });
    if (grant && m.type === 'vote') {
      this.electionElapsed = 0;
      this.vote = m.from;
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.advanceCommit(Math.min(m.commit, this.log.lastIndex()));
        this.send({ type: 'heartbeatResp', from: this.id, to: m.from, term: this.term, readCtx: m.readCtx });
        return;
      case 'snap':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshot(m.snapshot, m.from);
        return;
      case 'timeoutNow':
        if (this.promotable()) this.campaign('vote', true);
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
      case 'heartbeat':
      case 'snap':
        this.becomeFollower(this.term, m.from);
        this.stepFollower(m);
        return;
      case 'preVoteResp':
      case 'voteResp': {
        const expected = this.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
        if (m.type !== expected) return;
        this.votes.set(m.from, !m.reject);
        this.tallyVotes();
        return;
      }
      default:
        return;
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.type === 'appResp') this.handleAppendResponse(m, pr);
    else if (m.type === 'heartbeatResp') {
      pr.probeSent = false;
      // The follower is alive: free one pipeline slot so that lost appends cannot stall it forever.
      if (pr.state === 'replicate' && pr.isPaused()) pr.inflights.shift();
      // Send even an empty append: a follower that lost entries (a restart) rejects it, which
      // moves its progress back to probing from where its log really ends.
      if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
      if (m.readCtx > 0) this.ackReads(m.from, m.readCtx);
    }
  }

  private handleAppendResponse(m: Extract<Message, { type: 'appResp' }>, pr: Progress): void {
    if (m.reject) {
      if (pr.maybeDecrease(m.index, m.hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, false);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
      if (this.maybeCommit()) this.broadcastAppend(true);
      else if (wasPaused) this.sendAppend(m.from, false);
      while (!pr.isPaused() && pr.next <= this.log.lastIndex()) {
        if (!this.sendAppend(m.from, false)) break;
      }
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
        this.send({ type: 'timeoutNow', from: this.id, to: m.from, term: this.term });
      }
    }
  }

  private handleAppend(m: Extract<Message, { type: 'app' }>): void {
    if (m.prevIndex < this.log.committed) {
      this.send({
        type: 'appResp',
        from: this.id,
        to: m.from,
        term: this.term,
        index: this.log.committed,
        reject: false,
        hint: 0,
      });
      return;
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.entries);
    if (lastNew !== undefined) {
      this.advanceCommit(Math.min(m.commit, lastNew));
      this.send({
        type: 'appResp',
        from: this.id,
        to: m.from,
        term: this.term,
        index: lastNew,
        reject: false,
        hint: 0,
      });
      return;
    }
    // Hint where our log could match: our end, or the start of the conflicting term.
    const hint =
      m.prevIndex > this.log.lastIndex()
        ? this.log.lastIndex()
        : this.log.firstIndexOfTermAt(m.prevIndex) - 1;
    this.send({
      type: 'appResp',
      from: this.id,
      to: m.from,
      term: this.term,
      index: m.prevIndex,
      reject: true,
      hint,
    });
  }

  private handleSnapshot(snap: Snapshot, from: string): void {
    const { index, term } = snap.meta;
    if (index <= this.log.committed) {
      this.send({
        type: 'appResp',
        from: this.id,
        to: from,
        term: this.term,
        index: this.log.committed,
        reject: false,
        hint: 0,
      });
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We already hold the entries: just commit them.
      this.advanceCommit(index);
    } else {
      this.log.restore(index, term);
      this.config = snap.meta.config;
      this.configHistory = new ConfigHistory(index, this.config);
      this.syncFollowerRole();
      this.snapshot = snap;
      this.pendingSnapshot = snap;
    }
    this.send({
      type: 'appResp',
      from: this.id,
      to: from,
      term: this.term,
      index: this.log.lastIndex(),
      reject: false,
      hint: 0,
    });
  }

  // ---- roles -------------------------------------------------------------------------------

  private becomeFollower(term: number, leader: string): void {
    if (term > this.term) {
      this.term = term;
      this.vote = '';
    }
    this.role = isLearner(this.config, this.id) ? 'learner' : 'follower';
    this.leader = leader;
    this.resetTimers();
    this.leadTransferee = '';
    this.reads.reset();
  }

  private campaign(kind: 'preVote' | 'vote', transfer: boolean): void {
    if (kind === 'preVote') {
      this.role = 'preCandidate';
      this.leader = '';
    } else {
      this.term++;
      this.vote = this.id;
      this.role = 'candidate';
      this.leader = '';
    }
    this.resetTimers();
    this.votes = new Map([[this.id, true]]);
    const term = kind === 'preVote' ? this.term + 1 : this.term;
    for (const v of this.config.voters) {
      if (v.id === this.id) continue;
      this.send({
        type: kind,
        from: this.id,
        to: v.id,
        term,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
        transfer,
      });
    }
    this.tallyVotes();
  }

  private tallyVotes(): void {
    let granted = 0;
    let rejected = 0;
    for (const v of this.config.voters) {
      const answer = this.votes.get(v.id);
      if (answer === true) granted++;
      else if (answer === false) rejected++;
    }
    const need = majority(this.config.voters.length);
    if (granted >= need) {
      if (this.role === 'preCandidate') this.campaign('vote', false);
      else this.becomeLeader();
    } else if (rejected >= need) {
      this.becomeFollower(this.term, '');
    }
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.resetTimers();
    this.progress.clear();
    for (const m of members(this.config)) this.addProgress(m.id);
    // A no-op entry of the new term: commits everything before it, and lets reads start.
    this.pendingConfigIndex = this.log.lastIndex() + 1;
    this.appendAndReplicate([this.newEntry('noop', null, 0)]);
  }

  private addProgress(id: string): void {
    const pr = new Progress(this.log.lastIndex() + 1, isLearner(this.config, id));
    if (id === this.id) pr.match = this.log.lastIndex();
    pr.recentActive = true;
    this.progress.set(id, pr);
  }

  // ---- replication -------------------------------------------------------------------------

  private assertCanPropose(): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (this.leadTransferee !== '') {
      throw new NomadError('unavailable', `Leadership is being transferred to "${this.leadTransferee}"`);
    }
  }

  private newEntry(type: Entry['type'], data: unknown, offset: number): Entry {
    return { index: this.log.lastIndex() + 1 + offset, term: this.term, type, data };
  }

  private appendAndReplicate(entries: Entry[]): number {
    this.log.append(entries);
    const self = this.progress.get(this.id);
    if (self !== undefined) self.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
    this.broadcastAppend(false);
    return this.log.lastIndex();
  }

  private broadcastAppend(sendIfEmpty: boolean): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id, sendIfEmpty);
  }

  /** Sends the next batch to a follower. Returns whether a message went out. */
  private sendAppend(to: string, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, ENTRIES_PER_MESSAGE_MAX);
    if (entries.length === 0 && !sendIfEmpty && pr.state === 'replicate') return false;
    this.send({
      type: 'app',
      from: this.id,
      to,
      term: this.term,
      prevIndex,
      prevTerm,
      entries,
      commit: this.log.committed,
    });
    pr.sentEntries(prevIndex + entries.length, entries.length);
    return true;
  }

  private sendSnapshot(to: string, pr: Progress): boolean {
    if (this.snapshot === undefined) return false;
    this.send({ type: 'snap', from: this.id, to, term: this.term, snapshot: this.snapshot });
    pr.becomeSnapshot(this.snapshot.meta.index);
    return true;
  }

  private broadcastHeartbeat(readCtx: number): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', from: this.id, to: id, term: this.term, commit, readCtx });
    }
  }

  /** Commits what a majority of voters hold, if it is of this term. */
  private maybeCommit(): boolean {
    const matches = this.config.voters.map((v) => this.progress.get(v.id)?.match ?? 0);
    const index = quorumIndex(matches);
    if (index > this.log.committed && this.log.term(index) === this.term) {
      this.advanceCommit(index);
      return true;
    }
    return false;
  }

  /** Moves the commit index, applying membership changes as their entries commit. */
  private advanceCommit(index: number): void {
    const from = this.log.committed + 1;
    if (index < from) return;
    this.log.commitTo(index);
    for (let i = Math.max(from, this.log.firstIndex()); i <= index; i++) {
      const e = this.log.entry(i)!;
      if (e.type === 'config') this.applyConfig(e.index, e.data as ConfigChange);
    }
    if (this.role === 'leader') this.releaseReadsAwaitingCommit();
  }

  private applyConfig(index: number, change: ConfigChange): void {
    if (configChangeError(this.config, change) !== undefined) return; // already applied (restart)
    this.config = applyConfigChange(this.config, change);
    this.configHistory.push(index, this.config);
    if (this.role !== 'leader') {
      this.syncFollowerRole();
      return;
    }
    if (change.kind === 'remove') {
      this.progress.delete(change.id);
      if (change.id === this.id) {
        this.becomeFollower(this.term, '');
        return;
      }
    } else {
      const existing = this.progress.get(change.id);
      if (existing === undefined || existing.isLearner !== (change.kind === 'addLearner')) {
        const match = existing?.match ?? 0;
        this.addProgress(change.id);
        this.progress.get(change.id)!.match = match;
      }
    }
    if (this.maybeCommit()) this.broadcastAppend(true);
  }

  // ---- reads -------------------------------------------------------------------------------

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private startRead(ctx: unknown): void {
    if (this.config.voters.length === 1) {
      this.readStates.push({ index: this.log.committed, ctx });
      return;
    }
    this.broadcastHeartbeat(this.reads.begin(ctx, this.log.committed, this.id));
  }

  private releaseReadsAwaitingCommit(): void {
    if (!this.committedInCurrentTerm()) return;
    for (const ctx of this.reads.takeDeferred()) this.startRead(ctx);
  }

  private ackReads(from: string, seq: number): void {
    if (!isVoter(this.config, from)) return;
    this.readStates.push(...this.reads.ack(from, seq, majority(this.config.voters.length)));
  }
}
