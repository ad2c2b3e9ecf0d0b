/**
 * Every command by its full name, with a one-line synopsis and a loader. Modules load only when
 * their command runs, so `nomad version` stays fast; the synopses live here so that help texts
 * need no module at all.
 */
import type { Command } from './command.ts';

export interface CommandEntry {
  synopsis: string;
  /** Absent for a group (job, alloc, ...), whose help lists its subcommands. */
  load?: () => Promise<Command>;
  /** Shown in "Common commands" of `nomad -h`. */
  common?: boolean;
  /** Not listed in help (legacy names). */
  hidden?: boolean;
}

const c = (m: () => Promise<{ command: Command }>) => async (): Promise<Command> => (await m()).command;
const pick =
  <K extends string>(m: () => Promise<Record<K, Command>>, key: K) =>
  async (): Promise<Command> =>
    (await m())[key];

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  agent: { synopsis: 'Runs a Nomad agent', common: true, load: c(() => import('./agent_command.ts')) },
  'agent-info': {
    synopsis: 'Display status information about the local agent',
    load: c(() => import('./agent_info.ts')),
  },
  alloc: { synopsis: 'Interact with allocations', common: true },
  'alloc fs': {
    synopsis: 'Inspect the contents of an allocation directory',
    load: c(() => import('./alloc_fs.ts')),
  },
  'alloc logs': { synopsis: 'Streams the logs of a task', load: c(() => import('./alloc_logs.ts')) },
  'alloc restart': {
    synopsis: 'Restart a running allocation',
    load: pick(() => import('./alloc_lifecycle.ts'), 'restart'),
  },
  'alloc signal': {
    synopsis: 'Signal a running allocation',
    load: pick(() => import('./alloc_lifecycle.ts'), 'signal'),
  },
  'alloc status': {
    synopsis: 'Display allocation status information and metadata',
    load: c(() => import('./alloc_status.ts')),
  },
  'alloc stop': {
    synopsis: 'Stop and reschedule a running allocation',
    load: pick(() => import('./alloc_lifecycle.ts'), 'stop'),
  },
  deployment: { synopsis: 'Interact with deployments' },
  'deployment fail': {
    synopsis: 'Manually fail a deployment',
    load: pick(() => import('./deployment_actions.ts'), 'fail'),
  },
  'deployment list': { synopsis: 'List all deployments', load: c(() => import('./deployment_list.ts')) },
  'deployment pause': {
    synopsis: 'Pause a deployment',
    load: pick(() => import('./deployment_actions.ts'), 'pause'),
  },
  'deployment promote': {
    synopsis: 'Promote canaries in a deployment',
    load: pick(() => import('./deployment_actions.ts'), 'promote'),
  },
  'deployment resume': {
    synopsis: 'Resume a paused deployment',
    load: pick(() => import('./deployment_actions.ts'), 'resume'),
  },
  'deployment status': {
    synopsis: 'Display the status of a deployment',
    load: c(() => import('./deployment_status.ts')),
  },
  eval: { synopsis: 'Interact with evaluations' },
  'eval list': { synopsis: 'List the set of evaluations', load: c(() => import('./eval_list.ts')) },
  'eval status': {
    synopsis: 'Display evaluation status and placement failure reasons',
    load: c(() => import('./eval_status.ts')),
  },
  job: { synopsis: 'Interact with jobs', common: true },
  'job allocs': { synopsis: 'List allocations for a job', load: c(() => import('./job_allocs.ts')) },
  'job deployments': {
    synopsis: 'List deployments for a job',
    load: c(() => import('./job_deployments.ts')),
  },
  'job dispatch': {
    synopsis: 'Dispatch an instance of a parameterized job',
    load: c(() => import('./job_dispatch.ts')),
  },
  'job eval': { synopsis: 'Force an evaluation for the job', load: c(() => import('./job_eval.ts')) },
  'job history': {
    synopsis: 'Display all tracked versions of a job',
    load: c(() => import('./job_history.ts')),
  },
  'job init': { synopsis: 'Create an example job file', load: c(() => import('./job_init.ts')) },
  'job inspect': { synopsis: 'Inspect a submitted job', load: c(() => import('./job_inspect.ts')) },
  'job periodic': { synopsis: 'Interact with periodic jobs' },
  'job periodic force': {
    synopsis: 'Force the launch of a periodic job',
    load: c(() => import('./job_periodic_force.ts')),
  },
  'job plan': {
    synopsis: 'Dry-run a job update to determine its effects',
    load: c(() => import('./job_plan.ts')),
  },
  'job promote': {
    synopsis: 'Promote canaries in the latest deployment of a job',
    load: c(() => import('./job_promote.ts')),
  },
  'job restart': {
    synopsis: 'Restart or reschedule allocations for a job',
    load: c(() => import('./job_restart.ts')),
  },
  'job revert': {
    synopsis: 'Revert to a prior version of the job',
    load: c(() => import('./job_revert.ts')),
  },
  'job run': { synopsis: 'Run a new job or update an existing job', load: c(() => import('./job_run.ts')) },
  'job scale': { synopsis: 'Change the count of a job task group', load: c(() => import('./job_scale.ts')) },
  'job status': {
    synopsis: 'Display status information about a job',
    load: c(() => import('./job_status.ts')),
  },
  'job stop': { synopsis: 'Stop a running job', load: c(() => import('./job_stop.ts')) },
  'job validate': {
    synopsis: 'Check a job file for syntax and semantic errors',
    load: c(() => import('./job_validate.ts')),
  },
  monitor: { synopsis: 'Stream the logs of a Nomad agent', load: c(() => import('./monitor_command.ts')) },
  namespace: { synopsis: 'Interact with namespaces' },
  'namespace list': { synopsis: 'List namespaces', load: c(() => import('./namespace_list.ts')) },
  node: { synopsis: 'Interact with nodes', common: true },
  'node drain': { synopsis: 'Toggle drain mode on a given node', load: c(() => import('./node_drain.ts')) },
  'node eligibility': {
    synopsis: 'Toggle scheduling eligibility for a given node',
    load: c(() => import('./node_eligibility.ts')),
  },
  'node status': {
    synopsis: 'Display status information about nodes',
    load: c(() => import('./node_status.ts')),
  },
  operator: { synopsis: 'Provides cluster-level tools for Nomad operators' },
  'operator autopilot': { synopsis: 'Provides tools for modifying Autopilot configuration' },
  'operator autopilot get-config': {
    synopsis: 'Display the current Autopilot configuration',
    load: pick(() => import('./operator_autopilot.ts'), 'getConfig'),
  },
  'operator autopilot health': {
    synopsis: 'Display the current Autopilot health',
    load: pick(() => import('./operator_autopilot.ts'), 'health'),
  },
  'operator autopilot set-config': {
    synopsis: 'Modify the current Autopilot configuration',
    load: pick(() => import('./operator_autopilot.ts'), 'setConfig'),
  },
  'operator raft': { synopsis: 'Provides access to the Raft subsystem' },
  'operator raft list-peers': {
    synopsis: 'Display the current Raft peer configuration',
    load: pick(() => import('./operator_raft.ts'), 'listPeers'),
  },
  'operator raft remove-peer': {
    synopsis: 'Remove a Nomad server from the Raft configuration',
    load: pick(() => import('./operator_raft.ts'), 'removePeer'),
  },
  'operator raft transfer-leadership': {
    synopsis: 'Transfer leadership to a specified Nomad server',
    load: pick(() => import('./operator_raft.ts'), 'transferLeadership'),
  },
  'operator snapshot': { synopsis: 'Saves and restores snapshots of Nomad server state' },
  'operator snapshot restore': {
    synopsis: 'Restore snapshot of Nomad server state',
    load: pick(() => import('./operator_snapshot.ts'), 'restore'),
  },
  'operator snapshot save': {
    synopsis: 'Saves snapshot of Nomad server state',
    load: pick(() => import('./operator_snapshot.ts'), 'save'),
  },
  server: { synopsis: 'Interact with servers' },
  'server force-leave': {
    synopsis: 'Force a server into the left state',
    load: pick(() => import('./server_membership.ts'), 'forceLeave'),
  },
  'server join': {
    synopsis: 'Join the server to a cluster',
    load: pick(() => import('./server_membership.ts'), 'join'),
  },
  'server members': {
    synopsis: 'Display a list of known servers and their status',
    load: c(() => import('./server_members.ts')),
  },
  status: {
    synopsis: 'Display the status output for a resource',
    common: true,
    load: c(() => import('./status.ts')),
  },
  version: { synopsis: 'Prints the Nomad version', load: c(() => import('./version_command.ts')) },
};

/** Short and legacy names, as Nomad keeps them. */
export const ALIASES: Readonly<Record<string, string>> = {
  run: 'job run',
  plan: 'job plan',
  stop: 'job stop',
  init: 'job init',
  validate: 'job validate',
  inspect: 'job inspect',
  logs: 'alloc logs',
  fs: 'alloc fs',
  'alloc-status': 'alloc status',
  'eval-status': 'eval status',
  'node-status': 'node status',
  'node-drain': 'node drain',
  'server-members': 'server members',
  'server-join': 'server join',
  'server-force-leave': 'server force-leave',
  'job periodic-force': 'job periodic force',
};

/** Synopses of the aliases that show in `nomad -h` next to the common commands. */
export const COMMON_ALIASES: readonly string[] = ['run', 'stop'];
