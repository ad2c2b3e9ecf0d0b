/** operator autopilot get-config, set-config and health. */
import type { AutopilotConfiguration, OperatorHealthReply } from '../api/types.ts';
import { parseDuration } from '../lib/duration.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatColumns } from './format/columns.ts';
import { errorText } from './lookup.ts';

export const getConfig = defineCommand({
  name: 'operator autopilot get-config',
  usage: 'nomad operator autopilot get-config [options]',
  description: 'Displays the current Autopilot configuration.',
  flags: {},
  async run({ args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      ui.error(commandErrorText('operator autopilot get-config'));
      return 1;
    }
    let c: AutopilotConfiguration;
    try {
      c = (await client().operator.autopilotGetConfiguration()).data;
    } catch (err) {
      ui.error(`Error querying Autopilot configuration: ${errorText(err)}`);
      return 1;
    }
    ui.output(`CleanupDeadServers = ${c.CleanupDeadServers}`);
    ui.output(`LastContactThreshold = ${c.LastContactThreshold}`);
    ui.output(`MaxTrailingLogs = ${c.MaxTrailingLogs}`);
    ui.output(`ServerStabilizationTime = ${c.ServerStabilizationTime}`);
    ui.output(`EnableRedundancyZones = ${c.EnableRedundancyZones}`);
    ui.output(`DisableUpgradeMigration = ${c.DisableUpgradeMigration}`);
    ui.output(`EnableCustomUpgrades = ${c.EnableCustomUpgrades}`);
    return 0;
  },
});

const BOOL_FLAGS = [
  ['cleanup-dead-servers', 'CleanupDeadServers'],
  ['enable-redundancy-zones', 'EnableRedundancyZones'],
  ['disable-upgrade-migration', 'DisableUpgradeMigration'],
  ['enable-custom-upgrades', 'EnableCustomUpgrades'],
] as const;

export const setConfig = defineCommand({
  name: 'operator autopilot set-config',
  usage: 'nomad operator autopilot set-config [options]',
  description: 'Modifies the current Autopilot configuration; settings not given stay as they are.',
  flags: {
    'cleanup-dead-servers': { kind: 'string' },
    'max-trailing-logs': { kind: 'string' },
    'min-quorum': { kind: 'string' },
    'last-contact-threshold': { kind: 'string' },
    'server-stabilization-time': { kind: 'string' },
    'enable-redundancy-zones': { kind: 'string' },
    'disable-upgrade-migration': { kind: 'string' },
    'enable-custom-upgrades': { kind: 'string' },
  },
  optionsTitle: 'Set Config Options',
  options: [
    ['-cleanup-dead-servers=[true|false]', 'Removes failed servers from Raft once a quorum stays.'],
    ['-max-trailing-logs=<value>', 'How many log entries a healthy server may lag behind the leader.'],
    ['-min-quorum=<value>', 'The fewest voters dead-server cleanup leaves.'],
    ['-last-contact-threshold=<value>', 'How long a healthy server may go without hearing from the leader.'],
    ['-server-stabilization-time=<value>', 'How long a new server must be healthy before it votes.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      ui.error(commandErrorText('operator autopilot set-config'));
      return 1;
    }
    const patch: Partial<AutopilotConfiguration> = {};
    try {
      for (const [flag, field] of BOOL_FLAGS) {
        const v = flags[flag];
        if (v === '') continue;
        if (v !== 'true' && v !== 'false')
          throw new Error(`invalid value "${v}" for -${flag}: want true or false`);
        patch[field] = v === 'true';
      }
      for (const [flag, field] of [
        ['max-trailing-logs', 'MaxTrailingLogs'],
        ['min-quorum', 'MinQuorum'],
      ] as const) {
        const v = flags[flag];
        if (v === '') continue;
        if (!/^\d+$/.test(v)) throw new Error(`invalid value "${v}" for -${flag}: want a whole number`);
        patch[field] = Number(v);
      }
      for (const [flag, field] of [
        ['last-contact-threshold', 'LastContactThreshold'],
        ['server-stabilization-time', 'ServerStabilizationTime'],
      ] as const) {
        const v = flags[flag];
        if (v === '') continue;
        parseDuration(v);
        patch[field] = v;
      }
    } catch (err) {
      ui.error(`Error parsing flags: ${errorText(err)}`);
      return 1;
    }
    try {
      const api = client();
      const current = (await api.operator.autopilotGetConfiguration()).data;
      const r = await api.operator.autopilotSetConfiguration(
        { ...current, ...patch },
        { cas: current.ModifyIndex },
      );
      if (!r.data) {
        ui.output('Configuration could not be atomically updated, please try again');
        return 1;
      }
    } catch (err) {
      ui.error(`Error setting Autopilot configuration: ${errorText(err)}`);
      return 1;
    }
    ui.output('Configuration updated!');
    return 0;
  },
});

export const health = defineCommand({
  name: 'operator autopilot health',
  usage: 'nomad operator autopilot health [options]',
  description: 'Displays the current Autopilot state: the health of every server.',
  flags: { json: { kind: 'bool' } },
  optionsTitle: 'Output Options',
  options: [['-json', 'Output the autopilot health in JSON format.']],
  async run({ flags, args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      ui.error(commandErrorText('operator autopilot health'));
      return 1;
    }
    let h: OperatorHealthReply;
    try {
      h = (await client().operator.autopilotServerHealth()).data;
    } catch (err) {
      ui.error(`Error querying Autopilot configuration: ${errorText(err)}`);
      return 1;
    }
    ui.output(flags.json ? JSON.stringify(h) : formatHealth(h));
    return 0;
  },
});

function formatHealth(h: OperatorHealthReply): string {
  const rows = [
    'ID|Name|Address|SerfStatus|Version|Leader|Voter|Healthy|LastContact|LastTerm|LastIndex|StableSince',
  ];
  for (const s of h.Servers) {
    rows.push(
      [
        s.ID,
        s.Name,
        s.Address,
        s.SerfStatus,
        s.Version,
        String(s.Leader),
        String(s.Voter),
        String(s.Healthy),
        s.LastContact,
        String(s.LastTerm),
        String(s.LastIndex),
        s.StableSince,
      ].join('|'),
    );
  }
  return [
    `Healthy: ${h.Healthy}`,
    `FailureTolerance: ${h.FailureTolerance}`,
    `Leader: ${h.Leader}`,
    `Voters:  \n${h.Voters.map((v) => `\t${v}`).join('\n')}`,
    `Servers: \n${formatColumns(rows)}`,
  ].join('\n');
}
