/**
 * The replicated log, as the server sees it: propose an entry, learn its index once it is committed
 * and applied. Implementations: src/server/inmem_log.ts (single voter, in memory) and, later, raft.
 */
import type { LogEntry } from './log_entry.ts';

export interface ProposeResult {
  /** The entry's index in the log. */
  index: number;
  /**
   * What the FSM returned on applying it: undefined for most entries, a boolean for check-and-set
   * entries, or an Error when the FSM refused the entry (state unchanged). See throwIfRefused().
   */
  result: unknown;
}

export interface Log {
  /**
   * Proposes an entry. Resolves after the entry is committed AND applied to this server's FSM,
   * so a snapshot taken afterwards reflects it. Rejects with a NomadError of kind 'unavailable'
   * when this server cannot commit (not the leader, shutting down). Entries proposed by one caller
   * are applied in the order proposed.
   */
  propose(entry: LogEntry): Promise<ProposeResult>;
  /** The index of the last entry applied to this server's FSM. */
  appliedIndex(): number;
}

/** Proposes, and throws the FSM's refusal (an Error result) as the caller's error. */
export async function proposeOrThrow(log: Log, entry: LogEntry): Promise<ProposeResult> {
  const r = await log.propose(entry);
  if (r.result instanceof Error) throw r.result;
  return r;
}
