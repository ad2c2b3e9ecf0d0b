/**
 * The server's Log on raft: proposals go through a RaftNode and are applied by the FSM on every
 * server in the same order. Entries are copied through JSON before they are proposed, so the
 * leader applies exactly what followers will decode from the wire and the disk.
 */
import type { FSM, FsmSnapshotData } from '../fsm/fsm.ts';
import type { Log, ProposeResult } from '../fsm/log.ts';
import type { LogEntry } from '../fsm/log_entry.ts';
import type { RaftNode, StateMachine } from '../raft/driver/raft_node.ts';

export class RaftLog implements Log {
  private readonly node: RaftNode;
  private readonly fsm: FSM;

  constructor(node: RaftNode, fsm: FSM) {
    this.node = node;
    this.fsm = fsm;
  }

  propose(entry: LogEntry): Promise<ProposeResult> {
    return this.node.propose(JSON.parse(JSON.stringify(entry)) as LogEntry);
  }

  appliedIndex(): number {
    return this.fsm.appliedIndex();
  }
}

/** The FSM as raft's state machine: apply committed entries, snapshot and restore the whole state. */
export function fsmStateMachine(fsm: FSM): StateMachine {
  return {
    apply: (data, index) => fsm.apply(index, data as LogEntry),
    snapshot: () => fsm.snapshot(),
    restore: (data) => fsm.restore(data as FsmSnapshotData),
  };
}
