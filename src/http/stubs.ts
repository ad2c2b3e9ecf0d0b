/** The node list view, as GET /v1/nodes returns it (jobs and allocations: src/structs/list_stubs.ts). */
export { allocListStub, jobListStub } from '../structs/list_stubs.ts';
import type { Node } from '../structs/node.ts';
import type { NodeListStub } from '../api/types.ts';

export function nodeListStub(n: Node, opts: { os: boolean; resources: boolean }): NodeListStub {
  const stub: NodeListStub = {
    Address: n.Attributes['unique.network.ip-address'] ?? '',
    ID: n.ID,
    Datacenter: n.Datacenter,
    Name: n.Name,
    NodeClass: n.NodeClass,
    NodePool: n.NodePool,
    Version: n.Attributes['nomad.version'] ?? '',
    Drain: n.DrainStrategy !== null,
    SchedulingEligibility: n.SchedulingEligibility,
    Status: n.Status,
    StatusDescription: n.StatusDescription,
    Drivers: n.Drivers,
    LastDrain: n.LastDrain,
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
  if (opts.os) {
    const attrs: Record<string, string> = {};
    for (const k of ['os.name', 'os.version']) if (n.Attributes[k] !== undefined) attrs[k] = n.Attributes[k];
    stub.Attributes = attrs;
  }
  if (opts.resources) {
    stub.NodeResources = n.NodeResources;
    stub.ReservedResources = n.ReservedResources;
  }
  return stub;
}
