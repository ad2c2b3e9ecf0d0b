import type { JobDiff } from '../structs/diff.ts';
import type { Job } from '../structs/job.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatJson, formatOutput } from './format/template.ts';
import { formatTime, nsToMs } from './format/time.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';
import { formatJobDiff } from './plan_format.ts';

export const command = defineCommand({
  name: 'job history',
  usage: 'nomad job history [options] <job>',
  description: `Lists the versions of a job the cluster keeps, newest first; with -p, each with
the difference from the version before it.`,
  flags: {
    p: { kind: 'bool' },
    full: { kind: 'bool' },
    version: { kind: 'int', default: -1 },
    json: { kind: 'bool' },
    t: { kind: 'string' },
  },
  optionsTitle: 'History Options',
  options: [
    ['-p', 'Shows what changed from the previous version.'],
    ['-full', 'Shows each version in full, as JSON.'],
    ['-version <job version>', 'Shows only this version.'],
    ['-json', 'Prints the versions as JSON.'],
    ['-t', 'Formats the versions with a Go template.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job>');
      ui.error(commandErrorText('job history'));
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const res = (await api.jobs.versions(id, flags.p, { namespace })).data;
      const versions = res.Versions ?? [];
      const diffs = (res.Diffs ?? []) as JobDiff[];
      if (flags.json || flags.t !== '') {
        ui.output(
          formatOutput(
            { json: flags.json, template: flags.t },
            flags.version >= 0 ? versions.find((v) => v.Version === flags.version) : versions,
          ),
        );
        return 0;
      }
      if (flags.$set.has('version')) {
        const i = versions.findIndex((v) => v.Version === flags.version);
        if (i < 0) throw new CliError(`Job "${id}" has no version ${flags.version}`);
        ui.output(formatJobVersion(versions[i]!, diffs[i] ?? null, flags.full));
        return 0;
      }
      ui.output(versions.map((v, i) => formatJobVersion(v, diffs[i] ?? null, flags.full)).join('\n\n'));
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error retrieving job versions: ${errorText(err)}`);
      return 1;
    }
  },
});

export function formatJobVersion(job: Job, diff: JobDiff | null, full: boolean): string {
  const rows = [
    `Version|${job.Version}`,
    `Stable|${job.Stable}`,
    `Submit Date|${formatTime(nsToMs(job.SubmitTime))}`,
  ];
  if (diff !== null && diff.Type !== 'None') rows.push(`Diff|\n${formatJobDiff(diff, false).trim()}`);
  if (full) rows.push(`Full|JSON Job:\n${formatJson(job)}`);
  // Multi-line values are printed as they are, after the aligned key.
  const keyWidth = Math.max(...rows.map((r) => r.slice(0, r.indexOf('|')).length));
  return rows
    .map((r) => {
      const bar = r.indexOf('|');
      return `${r.slice(0, bar).padEnd(keyWidth)} = ${r.slice(bar + 1)}`;
    })
    .join('\n');
}
