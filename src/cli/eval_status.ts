import type { Evaluation } from '../structs/evaluation.ts';
import { formatAllocMetrics } from './alloc_metrics.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatKV, formatList } from './format/columns.ts';
import { formatOutput } from './format/template.ts';
import { formatTime, nsToMs, prettyTimeDiff, rfc3339ToMs } from './format/time.ts';
import { formatAllocListStubs } from './formatters.ts';
import { byPrefix, CliError, errorText, idLength, limitId } from './lookup.ts';
import { EvalMonitor } from './monitor.ts';

export const command = defineCommand({
  name: 'eval status',
  usage: 'nomad eval status [options] <evaluation>',
  description: `Shows an evaluation (by ID or a prefix of it): what triggered it, its status,
the allocations it placed, and why placements failed, if they did.`,
  flags: {
    monitor: { kind: 'bool' },
    verbose: { kind: 'bool' },
    json: { kind: 'bool' },
    t: { kind: 'string' },
    ui: { kind: 'bool' },
  },
  optionsTitle: 'Eval Status Options',
  options: [
    ['-monitor', 'Follows the evaluation as `nomad job run` does.'],
    ['-verbose', 'Shows full IDs and absolute times.'],
    ['-json', 'Prints the evaluation as JSON.'],
    ['-t', 'Formats the evaluation with a Go template.'],
  ],
  async run({ flags, args, ui, io, client }) {
    const api = client();
    const output = { json: flags.json, template: flags.t };
    try {
      if (args.length === 0 && (flags.json || flags.t !== '')) {
        ui.output(formatOutput(output, (await api.evaluations.list()).data));
        return 0;
      }
      if (args.length !== 1) {
        ui.error('This command takes one argument: <evaluation>');
        ui.error(commandErrorText('eval status'));
        return 1;
      }
      const length = idLength(flags.verbose);
      const found = await byPrefix(args[0]!, async (p) => (await api.evaluations.prefixList(p)).data);
      if (found.kind === 'none') throw new CliError(`No evaluation(s) with prefix or id "${args[0]}" found`);
      if (found.kind === 'many') {
        ui.output(`Prefix matched multiple evaluations\n\n${formatEvalList(found.items, length)}`);
        return 0;
      }
      if (flags.monitor) return await new EvalMonitor({ client: api, ui, io, length }).monitor(found.item.ID);
      const e = (await api.evaluations.info(found.item.ID)).data;
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput(output, e));
        return 0;
      }
      const placed = (await api.evaluations.allocations(e.ID)).data ?? [];
      const nowMs = io.nowMs();
      const time = (ns: number): string =>
        flags.verbose ? formatTime(nsToMs(ns)) : prettyTimeDiff(nsToMs(ns), nowMs);
      const failed = Object.keys(e.FailedTGAllocs ?? {}).length > 0;
      const rows = [
        `ID|${limitId(e.ID, length)}`,
        `Create Time|${time(e.CreateTime)}`,
        `Modify Time|${time(e.ModifyTime)}`,
        `Status|${e.Status}`,
        `Status Description|${e.StatusDescription || e.Status}`,
        `Type|${e.Type}`,
        `TriggeredBy|${e.TriggeredBy}`,
        `Job ID|${e.JobID}`,
        `Namespace|${e.Namespace}`,
      ];
      if (e.NodeID !== '') rows.push(`Node ID|${limitId(e.NodeID, length)}`);
      else if (e.DeploymentID !== '') rows.push(`Deployment ID|${limitId(e.DeploymentID, length)}`);
      rows.push(
        `Priority|${e.Priority}`,
        `Placement Failures|${e.Status === 'blocked' ? 'N/A - In Progress' : String(failed)}`,
      );
      const waitUntil = rfc3339ToMs(e.WaitUntil);
      if (waitUntil !== 0) rows.push(`Wait Until|${formatTime(waitUntil)}`);
      if (e.QuotaLimitReached !== '') rows.push(`Quota Limit Reached|${e.QuotaLimitReached}`);
      rows.push(
        `Previous Eval|${limitId(e.PreviousEval, length)}`,
        `Next Eval|${limitId(e.NextEval, length)}`,
        `Blocked Eval|${limitId(e.BlockedEval, length)}`,
      );
      ui.output(formatKV(rows));
      if (placed.length > 0) {
        ui.output('\n[bold]Placed Allocations[reset]');
        ui.output(formatAllocListStubs(placed, { verbose: false, length, nowMs }));
      }
      if (failed) {
        ui.output('\n[bold]Failed Placements[reset]');
        for (const tg of Object.keys(e.FailedTGAllocs!).sort()) {
          const m = e.FailedTGAllocs![tg]!;
          ui.output(
            `Task Group "${tg}" (failed to place ${m.CoalescedFailures + 1} ${m.CoalescedFailures > 0 ? 'allocations' : 'allocation'}):`,
          );
          ui.output(formatAllocMetrics(m, { scores: false, prefix: '  ' }));
        }
        if (e.BlockedEval !== '') {
          ui.output(
            `\nEvaluation "${limitId(e.BlockedEval, length)}" waiting for additional capacity to place remainder`,
          );
        }
      }
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error querying evaluation: ${errorText(err)}`);
      return 1;
    }
  },
});

export function formatEvalList(evals: readonly Evaluation[], length: number): string {
  const rows = ['ID|Priority|Triggered By|Job ID|Namespace|Node ID|Status|Placement Failures'];
  for (const e of evals) {
    const failures =
      e.Status === 'blocked' ? 'N/A - In Progress' : String(Object.keys(e.FailedTGAllocs ?? {}).length > 0);
    rows.push(
      [
        limitId(e.ID, length),
        e.Priority,
        e.TriggeredBy,
        e.JobID,
        e.Namespace,
        limitId(e.NodeID, length),
        e.Status,
        failures,
      ].join('|'),
    );
  }
  return formatList(rows);
}
