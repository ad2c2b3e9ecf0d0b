/**
 * The raft core's vocabulary: entries, the persistent state, snapshots and messages. All plain data,
 * so that a driver can persist and send them however it likes (LMDB and TCP, or the simulator).
 */

export type EntryType = 'normal' | 'noop' | 'config';

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  /** The application's command (normal), or a ConfigChange (config). Opaque to the core. */
  data: unknown;
}

export type ConfigChangeKind = 'addVoter' | 'addLearner' | 'remove';

/** One server at a time: every membership change adds, promotes or removes a single server. */
export interface ConfigChange {
  kind: ConfigChangeKind;
  id: string;
  /** The server's address, kept in the configuration for the driver's transport. */
  addr: string;
}

export interface Member {
  id: string;
  addr: string;
}

export interface Configuration {
  voters: Member[];
  learners: Member[];
}

/** What must be on stable storage before any message that depends on it is sent. */
export interface HardState {
  term: number;
  vote: string;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  config: Configuration;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The application's state at meta.index. Opaque to the core. */
  data: unknown;
}

interface Base {
  from: string;
  to: string;
  term: number;
}

export type Message =
  | (Base & { type: 'preVote' | 'vote'; lastIndex: number; lastTerm: number; transfer: boolean })
  | (Base & { type: 'preVoteResp' | 'voteResp'; reject: boolean })
  | (Base & { type: 'app'; prevIndex: number; prevTerm: number; entries: Entry[]; commit: number })
  | (Base & { type: 'appResp'; index: number; reject: boolean; hint: number })
  | (Base & { type: 'heartbeat'; commit: number; readCtx: number })
  | (Base & { type: 'heartbeatResp'; readCtx: number })
  | (Base & { type: 'snap'; snapshot: Snapshot })
  | (Base & { type: 'timeoutNow' });

export type MessageType = Message['type'];

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader' | 'learner';

/** A read that is safe to serve once the application has applied `index`. */
export interface ReadState {
  index: number;
  ctx: unknown;
}

/**
 * What the driver must do next, in this order: persist hardState, snapshot and entries (fsync);
 * send messages; apply committedEntries (and the snapshot) to the state machine; serve readStates
 * once applied; then call advance(ready).
 */
export interface Ready {
  hardState: HardState | undefined;
  /** Entries to append to stable storage; any stored entries at or after entries[0].index are replaced. */
  entries: Entry[];
  snapshot: Snapshot | undefined;
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
  /** Set when the role or leader changed since the last Ready. */
  softState: { role: Role; leader: string; term: number } | undefined;
}
