/** Node.UpdateDrain and Node.UpdateEligibility, with Nomad's node events and texts. */
import { NomadError } from '../lib/errors.ts';
import { proposeOrThrow } from '../fsm/log.ts';
import type {
  DrainSpec,
  DrainStrategy,
  Node,
  NodeEvent,
  NodeSchedulingEligibility,
} from '../structs/node.ts';
import { requireId, type EndpointDeps } from './endpoint_common.ts';
import { createNodeEvals } from './node_evals.ts';

export const NODE_DRAIN_SET = 'Node drain strategy set';
export const NODE_DRAIN_UPDATED = 'Node drain strategy updated';
export const NODE_DRAIN_DISABLED = 'Node drain disabled';
export const NODE_ELIGIBLE = 'Node marked as eligible for scheduling';
export const NODE_INELIGIBLE = 'Node marked as ineligible for scheduling';

export interface NodeUpdateResponse {
  nodeModifyIndex: number;
  evalIds: string[];
  evalCreateIndex: number;
  index: number;
}

function event(message: string, subsystem: string, nowMs: number): NodeEvent {
  return {
    Message: message,
    Subsystem: subsystem,
    Details: null,
    Timestamp: new Date(nowMs).toISOString(),
    CreateIndex: 0,
  };
}

export class NodeDrainEndpoint {
  private readonly deps: EndpointDeps;

  constructor(deps: EndpointDeps) {
    this.deps = deps;
  }

  private node(nodeId: string): Node {
    const n = this.deps.store.snapshot().nodeByID(nodeId);
    if (n === undefined) throw new NomadError('not_found', `node "${nodeId}" not found`);
    return n;
  }

  /** Starts (spec given), updates or ends (spec null) a drain; ending it with markEligible re-evaluates the node. */
  async updateDrain(req: {
    nodeId: string;
    drainSpec: DrainSpec | null;
    markEligible?: boolean;
  }): Promise<NodeUpdateResponse> {
    requireId(req.nodeId, 'missing node ID for drain update');
    const node = this.node(req.nodeId);
    const nowMs = this.deps.clock.nowMs();
    let drain: DrainStrategy | null = null;
    if (req.drainSpec !== null) {
      const deadlineNs = req.drainSpec.Deadline;
      drain = {
        DrainSpec: req.drainSpec,
        StartedAt: node.DrainStrategy?.StartedAt ?? new Date(nowMs).toISOString(),
        ForceDeadline: deadlineNs > 0 ? new Date(nowMs + deadlineNs / 1e6).toISOString() : null,
      };
    }
    let message = '';
    if (node.DrainStrategy === null && drain !== null) message = NODE_DRAIN_SET;
    else if (node.DrainStrategy !== null && drain !== null) message = NODE_DRAIN_UPDATED;
    else if (node.DrainStrategy !== null && drain === null) message = NODE_DRAIN_DISABLED;
    const markEligible = req.markEligible === true;
    const { index } = await proposeOrThrow(this.deps.log, {
      type: 'NodeUpdateDrain',
      nodeId: node.ID,
      drain,
      markEligible,
      updatedAt: Math.floor(nowMs / 1000),
      event: message === '' ? null : event(message, 'Drain', nowMs),
    });
    let evalIds: string[] = [];
    if (node.SchedulingEligibility === 'ineligible' && markEligible && drain === null) {
      evalIds = await createNodeEvals(this.deps, node.ID, index);
    }
    return {
      nodeModifyIndex: index,
      evalIds,
      evalCreateIndex: evalIds.length > 0 ? this.deps.store.latestIndex() : 0,
      index,
    };
  }

  /** Marks a node eligible or ineligible for new placements; becoming eligible re-evaluates the node. */
  async updateEligibility(req: {
    nodeId: string;
    eligibility: NodeSchedulingEligibility;
  }): Promise<NodeUpdateResponse> {
    requireId(req.nodeId, 'missing node ID for setting scheduling eligibility');
    const node = this.node(req.nodeId);
    if (node.DrainStrategy !== null && req.eligibility === 'eligible') {
      throw new NomadError(
        'bad_request',
        "can not set node's scheduling eligibility to eligible while it is draining",
      );
    }
    if (req.eligibility !== 'eligible' && req.eligibility !== 'ineligible') {
      throw new NomadError('bad_request', `invalid scheduling eligibility "${String(req.eligibility)}"`);
    }
    if (node.SchedulingEligibility === req.eligibility) {
      return { nodeModifyIndex: node.ModifyIndex, evalIds: [], evalCreateIndex: 0, index: node.ModifyIndex };
    }
    const nowMs = this.deps.clock.nowMs();
    const { index } = await proposeOrThrow(this.deps.log, {
      type: 'NodeUpdateEligibility',
      nodeId: node.ID,
      eligibility: req.eligibility,
      updatedAt: Math.floor(nowMs / 1000),
      event: event(req.eligibility === 'eligible' ? NODE_ELIGIBLE : NODE_INELIGIBLE, 'Cluster', nowMs),
    });
    let evalIds: string[] = [];
    if (node.SchedulingEligibility === 'ineligible' && req.eligibility === 'eligible') {
      evalIds = await createNodeEvals(this.deps, node.ID, index);
    }
    return {
      nodeModifyIndex: index,
      evalIds,
      evalCreateIndex: evalIds.length > 0 ? this.deps.store.latestIndex() : 0,
      index,
    };
  }
}
