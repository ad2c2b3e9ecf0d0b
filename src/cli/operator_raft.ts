/** operator raft list-peers, remove-peer and transfer-leadership: the servers' raft membership. */
import type { RaftServerInfo } from '../api/types.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatColumns } from './format/columns.ts';
import { errorText } from './lookup.ts';

export const listPeers = defineCommand({
  name: 'operator raft list-peers',
  usage: 'nomad operator raft list-peers [options]',
  description: 'Displays the current Raft peer configuration.',
  flags: { stale: { kind: 'bool' } },
  optionsTitle: 'List Peers Options',
  options: [
    [
      '-stale=[true|false]',
      'The -stale argument defaults to "false" which means the leader provides the result. If the cluster is in an outage state without a leader, you may need to set -stale to "true" to get the configuration from a non-leader server.',
    ],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      ui.error(commandErrorText('operator raft list-peers'));
      return 1;
    }
    let servers: RaftServerInfo[];
    try {
      servers = [...(await client().operator.raftGetConfiguration({ allowStale: flags.stale })).data.Servers];
    } catch (err) {
      ui.error(`Failed to retrieve raft configuration: ${errorText(err)}`);
      return 1;
    }
    servers.sort((a, b) => (a.Node < b.Node ? -1 : a.Node > b.Node ? 1 : 0));
    const rows = ['Node|ID|Address|State|Voter|RaftProtocol'];
    for (const s of servers) {
      rows.push(
        [s.Node, s.ID, s.Address, s.Leader ? 'leader' : 'follower', String(s.Voter), s.RaftProtocol].join(
          '|',
        ),
      );
    }
    ui.output(formatColumns(rows));
    return 0;
  },
});

export const removePeer = defineCommand({
  name: 'operator raft remove-peer',
  usage: 'nomad operator raft remove-peer [options]',
  description: `Removes the Nomad server with the given ID from the Raft configuration. Use it
to clean up a failed server that autopilot did not remove.`,
  flags: { 'peer-id': { kind: 'string' }, 'peer-address': { kind: 'string' } },
  optionsTitle: 'Remove Peer Options',
  options: [['-peer-id="id"', 'Remove a Nomad server with the given ID from the Raft configuration.']],
  async run({ flags, ui, client }) {
    const id = flags['peer-id'];
    if (flags['peer-address'] !== '') {
      ui.error('Removing a peer by address is not supported: use -peer-id');
      return 1;
    }
    if (id === '') {
      ui.error('Missing peer id required');
      ui.error(commandErrorText('operator raft remove-peer'));
      return 1;
    }
    try {
      await client().operator.raftRemovePeerByID(id);
    } catch (err) {
      ui.error(`Error removing peer: ${errorText(err)}`);
      return 1;
    }
    ui.output(`Removed peer with id "${id}"`);
    return 0;
  },
});

export const transferLeadership = defineCommand({
  name: 'operator raft transfer-leadership',
  usage: 'nomad operator raft transfer-leadership [options]',
  description: 'Hands the leadership of the Raft cluster to the voter with the given ID.',
  flags: { 'peer-id': { kind: 'string' }, 'peer-address': { kind: 'string' } },
  optionsTitle: 'Transfer Leadership Options',
  options: [['-peer-id="id"', 'Transfer leadership to the Nomad server with the given ID.']],
  async run({ flags, ui, client }) {
    const id = flags['peer-id'];
    if (flags['peer-address'] !== '') {
      ui.error('Transferring leadership by address is not supported: use -peer-id');
      return 1;
    }
    if (id === '') {
      ui.error('Missing peer id required');
      ui.error(commandErrorText('operator raft transfer-leadership'));
      return 1;
    }
    try {
      await client().operator.raftTransferLeadershipByID(id);
    } catch (err) {
      ui.error(`Error transferring leadership to peer: ${errorText(err)}`);
      return 1;
    }
    ui.output(`Transferred leadership to peer with id "${id}"`);
    return 0;
  },
});
