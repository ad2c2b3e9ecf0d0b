/**
 * Raft's state machine on a server: the FSM for the model's log entries, plus the two entries that
 * concern the servers themselves: the autopilot configuration (`operator autopilot set-config`,
 * kept in raft as Nomad keeps it, so every server agrees) and a snapshot restore (`operator
 * snapshot restore`, which replaces the whole state through the log, so every server replaces it
 * at the same index). Raft snapshots carry the autopilot configuration beside the FSM's state.
 */
import { assert } from '../lib/assert.ts';
import type { FSM, FsmSnapshotData } from '../fsm/fsm.ts';
import type { LogEntry } from '../fsm/log_entry.ts';
import type { StateMachine } from '../raft/driver/raft_node.ts';

export interface AutopilotConfig {
  cleanupDeadServers: boolean;
  lastContactThresholdMs: number;
  maxTrailingLogs: number;
  minQuorum: number;
  serverStabilizationTimeMs: number;
  enableRedundancyZones: boolean;
  disableUpgradeMigration: boolean;
  enableCustomUpgrades: boolean;
  createIndex: number;
  modifyIndex: number;
}

/** Nomad's autopilot defaults (nomad/structs/operator.go, website configuration/autopilot). */
export const AUTOPILOT_DEFAULTS: Readonly<AutopilotConfig> = {
  cleanupDeadServers: true,
  lastContactThresholdMs: 200,
  maxTrailingLogs: 250,
  minQuorum: 0,
  serverStabilizationTimeMs: 10_000,
  enableRedundancyZones: false,
  disableUpgradeMigration: false,
  enableCustomUpgrades: false,
  createIndex: 0,
  modifyIndex: 0,
};

export type ClusterEntry =
  | { type: 'AutopilotSetConfig'; config: AutopilotConfig; cas: number | null }
  | { type: 'SnapshotRestore'; snapshot: FsmSnapshotData };

export interface ServerSnapshotData extends FsmSnapshotData {
  autopilot?: AutopilotConfig;
}

const CLUSTER_TYPES: ReadonlySet<string> = new Set(['AutopilotSetConfig', 'SnapshotRestore']);

export function isClusterEntry(data: unknown): data is ClusterEntry {
  return (
    typeof data === 'object' &&
    data !== null &&
    CLUSTER_TYPES.has((data as { type?: unknown }).type as string)
  );
}

export class ClusterStateMachine implements StateMachine {
  readonly fsm: FSM;
  /** The autopilot configuration set through the log; undefined until someone sets it. */
  autopilot: AutopilotConfig | undefined;
  readonly #onRestored: (index: number) => void;

  constructor(fsm: FSM, onRestored: (index: number) => void) {
    this.fsm = fsm;
    this.#onRestored = onRestored;
  }

  apply(data: unknown, index: number): unknown {
    if (!isClusterEntry(data)) return this.fsm.apply(index, data as LogEntry);
    switch (data.type) {
      case 'AutopilotSetConfig': {
        const current = this.autopilot;
        // Check-and-set, as Nomad's: refused (false) unless the stored ModifyIndex matches.
        if (data.cas !== null && (current?.modifyIndex ?? 0) !== data.cas) return false;
        this.autopilot = { ...data.config, createIndex: current?.createIndex ?? index, modifyIndex: index };
        return true;
      }
      case 'SnapshotRestore':
        assert(typeof data.snapshot?.state === 'object', 'a restore entry carries a state');
        this.fsm.restore({ index, state: data.snapshot.state });
        this.#onRestored(index);
        return true;
    }
  }

  snapshot(): ServerSnapshotData {
    const s = this.fsm.snapshot();
    return this.autopilot === undefined ? s : { ...s, autopilot: this.autopilot };
  }

  restore(data: unknown, index: number): void {
    const s = data as ServerSnapshotData;
    this.fsm.restore({ index: s.index ?? index, state: s.state });
    this.autopilot = s.autopilot;
    this.#onRestored(index);
  }
}
