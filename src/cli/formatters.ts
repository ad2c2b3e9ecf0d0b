/** Tables that several commands print: allocation lists, deployments and their groups. */
import type { AllocListStub } from '../structs/allocation.ts';
import type { Deployment, DeploymentState } from '../structs/deployment.ts';
import { formatKV, formatList } from './format/columns.ts';
import { formatTime, nsToMs, prettyTimeDiff, rfc3339ToMs } from './format/time.ts';
import { limitId } from './lookup.ts';

type AllocRow = Pick<
  AllocListStub,
  | 'ID'
  | 'EvalID'
  | 'NodeID'
  | 'NodeName'
  | 'TaskGroup'
  | 'JobVersion'
  | 'DesiredStatus'
  | 'ClientStatus'
  | 'CreateTime'
  | 'ModifyTime'
>;

/** `job status`'s Allocations table; -verbose shows full IDs, eval and node names, absolute times. */
export function formatAllocListStubs(
  stubs: readonly AllocRow[],
  opts: { verbose: boolean; length: number; nowMs: number },
): string {
  if (stubs.length === 0) return 'No allocations placed';
  const L = opts.length;
  if (opts.verbose) {
    const rows = ['ID|Eval ID|Node ID|Node Name|Task Group|Version|Desired|Status|Created|Modified'];
    for (const a of stubs) {
      rows.push(
        [
          limitId(a.ID, L),
          limitId(a.EvalID, L),
          limitId(a.NodeID, L),
          a.NodeName,
          a.TaskGroup,
          a.JobVersion,
          a.DesiredStatus,
          a.ClientStatus,
          formatTime(nsToMs(a.CreateTime)),
          formatTime(nsToMs(a.ModifyTime)),
        ].join('|'),
      );
    }
    return formatList(rows);
  }
  const rows = ['ID|Node ID|Task Group|Version|Desired|Status|Created|Modified'];
  for (const a of stubs) {
    rows.push(
      [
        limitId(a.ID, L),
        limitId(a.NodeID, L),
        a.TaskGroup,
        a.JobVersion,
        a.DesiredStatus,
        a.ClientStatus,
        prettyTimeDiff(nsToMs(a.CreateTime), opts.nowMs),
        prettyTimeDiff(nsToMs(a.ModifyTime), opts.nowMs),
      ].join('|'),
    );
  }
  return formatList(rows);
}

/** The Deployed table: columns for auto revert, canaries and deadlines only when some group has them. */
export function formatDeploymentGroups(groups: Readonly<Record<string, DeploymentState>>): string {
  const names = Object.keys(groups).sort();
  const states = names.map((n) => groups[n]!);
  const autoRevert = states.some((s) => s.AutoRevert);
  const canaries = states.some((s) => s.DesiredCanaries > 0);
  const deadline = states.some((s) => s.ProgressDeadline !== 0);
  const header = [
    'Task Group',
    ...(autoRevert ? ['Auto Revert'] : []),
    ...(canaries ? ['Promoted'] : []),
    'Desired',
    ...(canaries ? ['Canaries'] : []),
    'Placed',
    'Healthy',
    'Unhealthy',
    ...(deadline ? ['Progress Deadline'] : []),
  ];
  const rows = [header.join('|')];
  names.forEach((name, i) => {
    const s = states[i]!;
    const requireBy = rfc3339ToMs(s.RequireProgressBy);
    rows.push(
      [
        name,
        ...(autoRevert ? [String(s.AutoRevert)] : []),
        ...(canaries ? [s.DesiredCanaries > 0 ? String(s.Promoted) : 'N/A'] : []),
        s.DesiredTotal,
        ...(canaries ? [s.DesiredCanaries] : []),
        s.PlacedAllocs,
        s.HealthyAllocs,
        s.UnhealthyAllocs,
        ...(deadline ? [requireBy === 0 ? 'N/A' : formatTime(requireBy)] : []),
      ].join('|'),
    );
  });
  return formatList(rows);
}

/** A deployment as `deployment status` and the deployment monitor print it. */
export function formatDeployment(d: Deployment | null, length: number): string {
  if (d === null) return 'No deployment found';
  let out = formatKV([
    `ID|${limitId(d.ID, length)}`,
    `Job ID|${d.JobID}`,
    `Job Version|${d.JobVersion}`,
    `Status|${d.Status}`,
    `Description|${d.StatusDescription}`,
  ]);
  if (Object.keys(d.TaskGroups ?? {}).length === 0) return out;
  out += `\n\n[bold]Deployed[reset]\n${formatDeploymentGroups(d.TaskGroups)}`;
  return out;
}

/** The shorter form inside `job status` (Latest Deployment). */
export function formatLatestDeployment(d: Deployment, length: number): string {
  let out = formatKV([
    `ID|${limitId(d.ID, length)}`,
    `Status|${d.Status}`,
    `Description|${d.StatusDescription}`,
  ]);
  if (Object.keys(d.TaskGroups ?? {}).length === 0) return out;
  out += `\n\n[bold]Deployed[reset]\n${formatDeploymentGroups(d.TaskGroups)}`;
  return out;
}

export function formatDeploymentList(deployments: readonly Deployment[], length: number): string {
  if (deployments.length === 0) return 'No deployments found';
  const rows = ['ID|Job ID|Job Version|Status|Description'];
  for (const d of deployments) {
    rows.push([limitId(d.ID, length), d.JobID, d.JobVersion, d.Status, d.StatusDescription].join('|'));
  }
  return formatList(rows);
}
