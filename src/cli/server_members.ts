import type { AgentMember, NomadClient } from '../api/index.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatColumns } from './format/columns.ts';
import { formatOutput } from './format/template.ts';
import { errorText } from './lookup.ts';

export const command = defineCommand({
  name: 'server members',
  usage: 'nomad server members [options]',
  description: `Lists the servers this agent knows through gossip, with their status and
which of them leads its region.`,
  flags: {
    detailed: { kind: 'bool' },
    verbose: { kind: 'bool' },
    json: { kind: 'bool' },
    t: { kind: 'string' },
    ui: { kind: 'bool' },
  },
  optionsTitle: 'Server Members Options',
  options: [
    ['-verbose', 'Adds the protocol version and every tag of each member.'],
    ['-json', 'Prints the members as JSON.'],
    ['-t', 'Formats the members with a Go template.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      ui.error(commandErrorText('server members'));
      return 1;
    }
    const api = client();
    let members: AgentMember[];
    try {
      members = [...((await api.agent.members()).Members ?? [])];
    } catch (err) {
      ui.error(`Error querying servers: ${errorText(err)}`);
      return 1;
    }
    members.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    const { leaders, error } = await regionLeaders(api, members);
    if (flags.json || flags.t !== '') {
      const withLeader = members.map((m) => ({
        ...m,
        Tags: { ...m.Tags, Leader: String(isLeader(m, leaders)) },
      }));
      ui.output(formatOutput({ json: flags.json, template: flags.t }, withLeader));
      return 0;
    }
    const verbose = flags.verbose || flags.detailed;
    const rows = [
      verbose
        ? 'Name|Address|Port|Status|Leader|Protocol|Raft Version|Build|Datacenter|Region|Tags'
        : 'Name|Address|Port|Status|Leader|Raft Version|Build|Datacenter|Region',
    ];
    for (const m of members) {
      const t = m.Tags ?? {};
      const cells = [m.Name, m.Addr, String(m.Port), m.Status, String(isLeader(m, leaders))];
      if (verbose) cells.push(String(m.ProtocolCur));
      cells.push(t['raft_vsn'] ?? '', t['build'] ?? '', t['dc'] ?? '', t['region'] ?? '');
      if (verbose)
        cells.push(
          Object.entries(t)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
        );
      rows.push(cells.join('|'));
    }
    ui.output(formatColumns(rows));
    if (error !== '') {
      ui.output('');
      ui.warn(`Error determining leaders: ${error}`);
      return 1;
    }
    return 0;
  },
});

async function regionLeaders(
  api: NomadClient,
  members: readonly AgentMember[],
): Promise<{ leaders: Map<string, string>; error: string }> {
  const regions = new Set(members.filter((m) => m.Status !== 'left').map((m) => m.Tags?.['region'] ?? ''));
  const leaders = new Map<string, string>();
  const errors: string[] = [];
  for (const region of regions) {
    try {
      leaders.set(region, await api.status.leader({ region }));
    } catch (err) {
      errors.push(`Region "${region}": ${errorText(err)}`);
    }
  }
  return { leaders, error: errors.join('; ') };
}

function isLeader(m: AgentMember, leaders: ReadonlyMap<string, string>): boolean {
  const port = m.Tags?.['port'] ?? '';
  const host = m.Addr.includes(':') ? `[${m.Addr}]` : m.Addr;
  return leaders.get(m.Tags?.['region'] ?? '') === `${host}:${port}`;
}
