/** Finding a node by ID, prefix or -self, shared by node drain and node eligibility. */
import type { NomadClient } from '../api/index.ts';
import { formatList } from './format/columns.ts';
import { byPrefix, CliError } from './lookup.ts';

export async function findNodeId(
  api: NomadClient,
  arg: string | undefined,
  self: boolean,
): Promise<{ id: string; exact: boolean }> {
  if (self) {
    const id = (await api.agent.self()).stats['client']?.['node_id'] ?? '';
    if (id === '') throw new CliError('Nomad not running in client mode');
    return { id, exact: true };
  }
  if (arg === undefined) throw new CliError('A node ID is required');
  const found = await byPrefix(arg, async (p) => (await api.nodes.prefixList(p)).data);
  if (found.kind === 'none') throw new CliError(`No node(s) with prefix or id "${arg}" found`);
  if (found.kind === 'many') {
    const rows = ['ID|Node Pool|DC|Name|Class|Drain|Eligibility|Status'];
    for (const n of found.items) {
      rows.push(
        [
          n.ID.slice(0, 8),
          n.NodePool,
          n.Datacenter,
          n.Name,
          n.NodeClass,
          n.Drain,
          n.SchedulingEligibility,
          n.Status,
        ].join('|'),
      );
    }
    throw new CliError(`Prefix matched multiple nodes\n\n${formatList(rows)}`);
  }
  return { id: found.item.ID, exact: found.item.ID === arg };
}
