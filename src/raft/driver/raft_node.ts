/**
 * The raft driver: owns a Raft core and does its I/O. Inputs (ticks, messages, proposals) are
 * queued and fed to the core between Ready rounds, one round at a time: take a Ready, persist it
 * durably, send its messages, apply its committed entries, then advance. Proposals made while a
 * round is on disk are batched into the next one, which is what makes fsync'd commits fast.
 */
import type { Clock, TimerId } from '../../lib/clock.ts';
import { NomadError } from '../../lib/errors.ts';
import { rngFromSeed, type Rng } from '../../lib/random.ts';
import { NotLeaderError, Raft } from '../raft.ts';
import type { ConfigChange, Configuration, Entry, Member, Message, Role } from '../types.ts';
import type { LogStore } from './log_store.ts';

export interface RaftTransport {
  send(to: Member, message: Message): void;
}

export interface StateMachine {
  apply(data: unknown, index: number): unknown;
  snapshot(): unknown;
  restore(data: unknown, index: number): void;
}

export interface RaftNodeOptions {
  id: string;
  addr: string;
  store: LogStore;
  transport: RaftTransport;
  fsm: StateMachine;
  /** The configuration to bootstrap with when the store is empty (the same on every server). */
  bootstrap: Configuration | undefined;
  tickMs?: number;
  electionTicks?: number;
  /** Take a snapshot and compact the log after this many applied entries. */
  snapshotThreshold?: number;
  onLeadership?: (isLeader: boolean) => void;
  /**
   * The address of a server that is not in this server's configuration (yet): a server added to a
   * running cluster starts with an empty one and must still answer its leader.
   */
  peerAddr?: (id: string) => string | undefined;
  /** Time and scheduling: real by default; the simulator passes its own. */
  clock?: Clock;
  defer?: (fn: () => void) => void;
  rng?: Rng;
  logger?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** Proposals waiting for their round; more are refused (back-pressure). */
/**
 * The write was certainly not applied (it never entered the log, or its slot went to another
 * entry): safe to retry. Any other failure of a proposal leaves its outcome unknown.
 */
export class NotAppliedError extends NomadError {
  override name = 'NotAppliedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
  }
}

const asNotApplied = (err: unknown): NotAppliedError =>
  new NotAppliedError(err instanceof Error ? err.message : String(err), { cause: err });

/** Wall-clock time and timers that don't keep the process alive. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer: (delayMs, fn) => {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return t as unknown as TimerId;
  },
  clearTimer: (id) => clearTimeout(id as unknown as NodeJS.Timeout),
};

export const QUEUED_PROPOSALS_MAX = 50_000;
export const SNAPSHOT_THRESHOLD_DEFAULT = 8192;

interface Pending {
  term: number;
  resolve: (v: { index: number; result: unknown }) => void;
  reject: (e: Error) => void;
}

export class RaftNode {
  readonly id: string;
  readonly addr: string;
  private core: Raft | undefined;
  private readonly opts: RaftNodeOptions;
  private inbox: Message[] = [];
  private ticks = 0;
  private proposals: { data: unknown; p: Omit<Pending, 'term'> }[] = [];
  private configChanges: { change: ConfigChange; p: Omit<Pending, 'term'> }[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly reads = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readsWaitingApply: { index: number; resolve: () => void }[] = [];
  private readSeq = 0;
  private timer: TimerId | undefined;
  private readonly clock: Clock;
  private readonly defer: (fn: () => void) => void;
  private running = false;
  private rerun = false;
  private stopped = false;
  private leader = false;
  private lastContactMs = 0;
  private appliedSinceSnapshot = 0;

  constructor(opts: RaftNodeOptions) {
    this.id = opts.id;
    this.addr = opts.addr;
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.defer = opts.defer ?? setImmediate;
  }

  async start(): Promise<void> {
    const stored = await this.opts.store.load();
    const config = stored.snapshot?.meta.config ?? this.opts.bootstrap ?? { voters: [], learners: [] };
    if (stored.snapshot !== undefined)
      this.opts.fsm.restore(stored.snapshot.data, stored.snapshot.meta.index);
    this.core = new Raft({
      id: this.id,
      electionTicks: this.opts.electionTicks ?? 10,
      heartbeatTicks: 1,
      rng: this.opts.rng ?? rngFromSeed(`${this.id}-${process.pid}-${this.clock.nowMs()}`),
      ...(stored.hardState === undefined ? {} : { hardState: stored.hardState }),
      ...(stored.snapshot === undefined ? {} : { snapshot: stored.snapshot }),
      entries: stored.entries,
      config,
    });
    this.scheduleTick();
    this.kick();
  }

  private scheduleTick(): void {
    this.timer = this.clock.setTimer(this.opts.tickMs ?? 50, () => {
      if (this.stopped) return;
      this.ticks++;
      this.kick();
      this.scheduleTick();
    });
  }

  /** Proposes a command; resolves with its index and the state machine's result once applied. */
  propose(data: unknown): Promise<{ index: number; result: unknown }> {
    if (this.stopped) return Promise.reject(new NomadError('unavailable', 'Raft is shut down'));
    if (this.proposals.length >= QUEUED_PROPOSALS_MAX) {
      return Promise.reject(
        new NomadError('unavailable', `Too many proposals queued (limit ${QUEUED_PROPOSALS_MAX})`),
      );
    }
    return new Promise((resolve, reject) => {
      this.proposals.push({ data, p: { resolve, reject } });
      this.kick();
    });
  }

  changeConfig(change: ConfigChange): Promise<{ index: number; result: unknown }> {
    return new Promise((resolve, reject) => {
      this.configChanges.push({ change, p: { resolve, reject } });
      this.kick();
    });
  }

  /** Resolves once this server is confirmed leader by a quorum and has applied everything committed before. */
  barrier(): Promise<void> {
    return new Promise((resolve, reject) => {
      const seq = ++this.readSeq;
      this.reads.set(seq, { resolve, reject });
      try {
        this.core!.readIndex(seq);
      } catch (err) {
        this.reads.delete(seq);
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.kick();
    });
  }

  transferLeadership(to: string): void {
    this.core!.transferLeadership(to);
    this.kick();
  }

  /** Hands a message from a peer to the core. */
  receive(message: Message): void {
    if (this.stopped) return;
    this.inbox.push(message);
    this.kick();
  }

  reportUnreachable(id: string): void {
    this.core?.reportUnreachable(id);
  }

  status(): {
    id: string;
    role: Role;
    term: number;
    leader: string;
    leaderAddr: string;
    commitIndex: number;
    appliedIndex: number;
    lastIndex: number;
    config: Configuration;
    lastContactMs: number;
  } {
    const c = this.core!;
    const leaderAddr = [...c.config.voters, ...c.config.learners].find((m) => m.id === c.leader)?.addr ?? '';
    return {
      id: this.id,
      role: c.role,
      term: c.term,
      leader: c.leader,
      leaderAddr,
      commitIndex: c.log.committed,
      appliedIndex: c.log.applied,
      lastIndex: c.log.lastIndex(),
      config: c.config,
      lastContactMs: this.lastContactMs,
    };
  }

  /** The core, read-only, for the simulator's invariant checks. */
  inspect(): Readonly<Raft> | undefined {
    return this.core;
  }

  /** Stops dead, as a crash does: no more ticks, no more rounds; pending work is abandoned. */
  halt(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    // Whoever waits on this server learns that it is gone, as over a broken connection.
    const unknown = new NomadError('unavailable', 'The server stopped; the outcome of the write is unknown');
    for (const p of this.pending.values()) p.reject(unknown);
    for (const q of this.proposals)
      q.p.reject(new NotAppliedError('The server stopped before the write was proposed'));
    for (const r of this.reads.values()) r.reject(unknown);
    this.pending.clear();
    this.proposals = [];
    this.reads.clear();
  }

  isLeader(): boolean {
    return this.core?.role === 'leader';
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    while (this.running) await new Promise((r) => this.defer(() => r(undefined)));
    const err = new NomadError('unavailable', 'Raft is shutting down');
    for (const p of this.pending.values()) p.reject(err);
    for (const q of this.proposals) q.p.reject(asNotApplied(err));
    for (const r of this.reads.values()) r.reject(err);
    this.pending.clear();
    this.proposals = [];
    await this.opts.store.close();
  }

  // ---- the loop ---------------------------------------------------------------------------

  private kick(): void {
    if (this.core === undefined || this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    this.defer(() => {
      this.loop()
        .catch((err: unknown) => {
          // A failed disk write leaves raft unable to make promises it can keep: stop loudly.
          this.log(
            'error',
            `raft: fatal error in the driver loop: ${err instanceof Error ? err.stack : String(err)}`,
          );
          this.stopped = true;
          if (this.timer !== undefined) this.clock.clearTimer(this.timer);
        })
        .finally(() => {
          this.running = false;
        });
    });
  }

  private async loop(): Promise<void> {
    do {
      this.rerun = false;
      this.feedInputs();
      while (this.core!.hasReady() && !this.stopped) await this.round();
    } while (this.rerun && !this.stopped);
  }

  private feedInputs(): void {
    const core = this.core!;
    for (; this.ticks > 0; this.ticks--) core.tick();
    const inbox = this.inbox;
    this.inbox = [];
    for (const m of inbox) {
      if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap')
        this.lastContactMs = this.clock.nowMs();
      core.step(m);
    }
    if (this.proposals.length > 0) this.feedProposals();
    for (const { change, p } of this.configChanges.splice(0)) {
      try {
        const index = core.proposeConfigChange(change);
        this.pending.set(index, { ...p, term: core.term });
      } catch (err) {
        p.reject(asNotApplied(err));
      }
    }
  }

  private feedProposals(): void {
    const core = this.core!;
    const batch = this.proposals;
    this.proposals = [];
    try {
      const last = core.propose(batch.map((b) => b.data));
      const first = last - batch.length + 1;
      batch.forEach((b, i) => this.pending.set(first + i, { ...b.p, term: core.term }));
    } catch (err) {
      for (const b of batch) b.p.reject(asNotApplied(err));
    }
  }

  private async round(): Promise<void> {
    const core = this.core!;
    const rd = core.ready();
    await this.opts.store.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    for (const m of rd.messages) this.sendTo(m);
    if (rd.snapshot !== undefined) {
      this.opts.fsm.restore(rd.snapshot.data, rd.snapshot.meta.index);
      this.failPendingUpTo(rd.snapshot.meta.index);
    }
    for (const e of rd.committedEntries) this.applyEntry(e);
    for (const r of rd.readStates) {
      const read = this.reads.get(r.ctx as number);
      this.reads.delete(r.ctx as number);
      if (read !== undefined) this.readsWaitingApply.push({ index: r.index, resolve: read.resolve });
    }
    core.advance(rd);
    this.releaseReads();
    if (rd.softState !== undefined) this.onSoftState(rd.softState.role);
    await this.maybeSnapshot();
  }

  private applyEntry(e: Entry): void {
    let result: unknown = undefined;
    if (e.type === 'normal') {
      try {
        result = this.opts.fsm.apply(e.data, e.index);
      } catch (err) {
        result = err; // the state machine refused the entry deterministically; tell the proposer
      }
    }
    this.appliedSinceSnapshot++;
    const p = this.pending.get(e.index);
    if (p !== undefined) {
      this.pending.delete(e.index);
      if (p.term === e.term) p.resolve({ index: e.index, result });
      else p.reject(new NotAppliedError('Leadership lost while committing the write; it was not applied'));
    }
    if (e.type === 'noop' && this.core!.role === 'leader' && e.term === this.core!.term && !this.leader) {
      // Everything before this term's first entry is applied: safe to act as leader now.
      this.leader = true;
      this.opts.onLeadership?.(true);
    }
  }

  private onSoftState(role: Role): void {
    if (role !== 'leader') {
      const err = new NotLeaderError(this.core!.leader);
      for (const [index, p] of this.pending) {
        this.pending.delete(index);
        p.reject(err);
      }
      for (const r of this.reads.values()) r.reject(err);
      this.reads.clear();
      if (this.leader) {
        this.leader = false;
        this.opts.onLeadership?.(false);
      }
    }
  }

  private releaseReads(): void {
    const applied = this.core!.log.applied;
    const ready = this.readsWaitingApply.filter((r) => r.index <= applied);
    this.readsWaitingApply = this.readsWaitingApply.filter((r) => r.index > applied);
    for (const r of ready) r.resolve();
  }

  private failPendingUpTo(index: number): void {
    for (const [i, p] of this.pending) {
      if (i > index) continue;
      this.pending.delete(i);
      p.reject(
        new NomadError('unavailable', 'Leadership lost while committing the write; its outcome is unknown'),
      );
    }
  }

  private async maybeSnapshot(): Promise<void> {
    const threshold = this.opts.snapshotThreshold ?? SNAPSHOT_THRESHOLD_DEFAULT;
    if (this.appliedSinceSnapshot < threshold) return;
    const core = this.core!;
    const index = core.log.applied;
    const data = this.opts.fsm.snapshot();
    core.compact(index, data);
    this.appliedSinceSnapshot = 0;
    const term = core.log.snapTerm;
    await this.opts.store.save({
      entries: [],
      snapshot: { meta: { index, term, config: core.config }, data },
    });
    this.log('info', `raft: snapshot taken at index ${index}`);
  }

  private sendTo(m: Message): void {
    const c = this.core!.config;
    const member = [...c.voters, ...c.learners].find((x) => x.id === m.to);
    if (member !== undefined) {
      this.opts.transport.send(member, m);
      return;
    }
    const addr = this.opts.peerAddr?.(m.to);
    if (addr !== undefined && addr !== '') this.opts.transport.send({ id: m.to, addr }, m);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.opts.logger?.(level, message);
  }
}
