/**
 * A single-voter log kept in memory: every proposal commits at once. Proposals made in the same
 * tick are applied together, in the order proposed, before any of their promises resolve. Used by
 * -dev and tests until raft sits under the log; the FSM is the same either way.
 */
import { NomadError } from '../lib/errors.ts';
import type { FSM } from '../fsm/fsm.ts';
import type { Log, ProposeResult } from '../fsm/log.ts';
import type { LogEntry } from '../fsm/log_entry.ts';

/** Proposals waiting for the next batch; beyond this the log refuses rather than grow. */
export const INMEM_LOG_PENDING_MAX = 65_536;

interface Pending {
  entry: LogEntry;
  resolve: (r: ProposeResult) => void;
  reject: (err: unknown) => void;
}

export class InmemLog implements Log {
  private readonly fsm: FSM;
  private pending: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private nextIndex: number;

  constructor(fsm: FSM) {
    this.fsm = fsm;
    this.nextIndex = fsm.appliedIndex() + 1;
  }

  propose(entry: LogEntry): Promise<ProposeResult> {
    if (this.closed)
      return Promise.reject(new NomadError('unavailable', 'The log is closed: the server is shutting down'));
    if (this.pending.length >= INMEM_LOG_PENDING_MAX) {
      return Promise.reject(
        new NomadError(
          'unavailable',
          `Too many pending log entries: at most ${INMEM_LOG_PENDING_MAX} may wait`,
        ),
      );
    }
    return new Promise<ProposeResult>((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  appliedIndex(): number {
    return this.fsm.appliedIndex();
  }

  /** Refuses further proposals; those already queued are still applied. */
  close(): void {
    this.closed = true;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const done: { p: Pending; r: ProposeResult }[] = [];
    for (const p of batch) {
      const index = this.nextIndex++;
      try {
        done.push({ p, r: { index, result: this.fsm.apply(index, p.entry) } });
      } catch (err) {
        // A bug in apply: the entry is not applied; its proposer learns why, the others go on.
        p.reject(err);
      }
    }
    for (const { p, r } of done) p.resolve(r);
  }
}
