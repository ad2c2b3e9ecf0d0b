/** Node writes, following Nomad's upsertNodeTxn, updateNodeStatusTxn, drain and eligibility. */
import { NomadError } from '../lib/errors.ts';
import type {
  DrainStrategy,
  Node,
  NodeEvent,
  NodeSchedulingEligibility,
  NodeStatus,
} from '../structs/node.ts';
import type { StateTxn } from './state_txn.ts';

/** Node events kept per node; older ones are dropped (Nomad's MaxRetainedNodeEvents). */
export const NODE_EVENTS_MAX = 10;

export const NODE_REGISTERED_MESSAGE = 'Node registered';
export const NODE_REREGISTERED_MESSAGE = 'Node re-registered';

function unixSecondsToRfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function appendEvents(
  txn: StateTxn,
  existing: NodeEvent[] | null,
  events: readonly NodeEvent[],
): NodeEvent[] {
  const all = [...(existing ?? []), ...events.map((e) => ({ ...e, CreateIndex: txn.index }))];
  return all.length > NODE_EVENTS_MAX ? all.slice(all.length - NODE_EVENTS_MAX) : all;
}

/**
 * Registers or re-registers a node. A re-registration keeps the events, eligibility and drain the
 * servers own, and records "Node re-registered" when the node comes back from down.
 */
export function upsertNode(txn: StateTxn, node: Node): void {
  const exist = txn.nodeByID(node.ID);
  const clusterEvent = (message: string): NodeEvent => ({
    Message: message,
    Subsystem: 'Cluster',
    Details: null,
    Timestamp: unixSecondsToRfc3339(node.StatusUpdatedAt),
    CreateIndex: txn.index,
  });
  if (exist === undefined) {
    txn.putNode({
      ...node,
      Events: appendEvents(txn, null, [clusterEvent(NODE_REGISTERED_MESSAGE)]),
      CreateIndex: txn.index,
      ModifyIndex: txn.index,
    });
    return;
  }
  const cameBack = exist.Status === 'down' && node.Status !== 'down';
  txn.putNode({
    ...node,
    Events: cameBack
      ? appendEvents(txn, exist.Events, [clusterEvent(NODE_REREGISTERED_MESSAGE)])
      : exist.Events,
    SchedulingEligibility: exist.SchedulingEligibility,
    DrainStrategy: exist.DrainStrategy,
    LastDrain: exist.LastDrain,
    CreateIndex: exist.CreateIndex,
    ModifyIndex: txn.index,
  });
}

function requireNode(txn: StateTxn, id: string): Node {
  const n = txn.nodeByID(id);
  if (n === undefined) throw new NomadError('not_found', `node not found: "${id}"`);
  return n;
}

export function deleteNodes(txn: StateTxn, ids: readonly string[]): void {
  for (const id of ids) {
    requireNode(txn, id);
    txn.removeNode(id);
  }
}

export function updateNodeStatus(
  txn: StateTxn,
  id: string,
  change: { status: NodeStatus; updatedAt: number; event: NodeEvent | null },
): void {
  const n = requireNode(txn, id);
  txn.putNode({
    ...n,
    Status: change.status,
    StatusUpdatedAt: change.updatedAt,
    Events: change.event === null ? n.Events : appendEvents(txn, n.Events, [change.event]),
    ModifyIndex: txn.index,
  });
}

/** Starts, updates or ends a drain. A draining node is ineligible; ending it may restore eligibility. */
export function updateNodeDrain(
  txn: StateTxn,
  id: string,
  change: { drain: DrainStrategy | null; markEligible: boolean; updatedAt: number; event: NodeEvent | null },
): void {
  const n = requireNode(txn, id);
  let eligibility = n.SchedulingEligibility;
  if (change.drain !== null) eligibility = 'ineligible';
  else if (change.markEligible) eligibility = 'eligible';
  txn.putNode({
    ...n,
    DrainStrategy: change.drain,
    SchedulingEligibility: eligibility,
    StatusUpdatedAt: change.updatedAt,
    Events: change.event === null ? n.Events : appendEvents(txn, n.Events, [change.event]),
    ModifyIndex: txn.index,
  });
}

export function updateNodeEligibility(
  txn: StateTxn,
  id: string,
  change: { eligibility: NodeSchedulingEligibility; updatedAt: number; event: NodeEvent | null },
): void {
  const n = requireNode(txn, id);
  if (n.DrainStrategy !== null && change.eligibility === 'eligible') {
    throw new NomadError(
      'bad_request',
      "can not set node's scheduling eligibility to eligible while it is draining",
    );
  }
  txn.putNode({
    ...n,
    SchedulingEligibility: change.eligibility,
    StatusUpdatedAt: change.updatedAt,
    Events: change.event === null ? n.Events : appendEvents(txn, n.Events, [change.event]),
    ModifyIndex: txn.index,
  });
}

/** Appends events to nodes (Nomad's UpsertNodeEvents). */
export function upsertNodeEvents(
  txn: StateTxn,
  events: Readonly<Record<string, readonly NodeEvent[]>>,
): void {
  for (const id of Object.keys(events).sort()) {
    const n = txn.nodeByID(id);
    if (n === undefined) continue;
    txn.putNode({ ...n, Events: appendEvents(txn, n.Events, events[id]!), ModifyIndex: txn.index });
  }
}
