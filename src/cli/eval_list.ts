import { defineCommand } from './command.ts';
import { formatOutput } from './format/template.ts';
import { errorText, idLength } from './lookup.ts';
import { formatEvalList } from './eval_status.ts';

const PER_PAGE_DEFAULT = 0;

export const command = defineCommand({
  name: 'eval list',
  usage: 'nomad eval list [options]',
  description: 'Lists evaluations, newest first, optionally only those of a job or in a status.',
  flags: {
    job: { kind: 'string' },
    status: { kind: 'string' },
    'per-page': { kind: 'int', default: PER_PAGE_DEFAULT },
    'page-token': { kind: 'string' },
    verbose: { kind: 'bool' },
    json: { kind: 'bool' },
    t: { kind: 'string' },
  },
  optionsTitle: 'Eval List Options',
  options: [
    ['-job <job-id>', 'Only the evaluations of this job.'],
    ['-status <status>', 'Only evaluations in this status (pending, blocked, complete, failed, canceled).'],
    ['-per-page <n>', 'How many evaluations per page.'],
    ['-page-token <token>', 'Where the page starts, as printed at the end of the previous page.'],
    ['-verbose', 'Shows full IDs.'],
    ['-json', 'Prints the evaluations as JSON.'],
    ['-t', 'Formats the evaluations with a Go template.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      return 1;
    }
    try {
      const res = await client().evaluations.list({
        job: flags.job,
        status: flags.status,
        perPage: flags['per-page'],
        nextToken: flags['page-token'],
      });
      const evals = res.data ?? [];
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput({ json: flags.json, template: flags.t }, evals));
        return 0;
      }
      if (evals.length === 0) {
        ui.output('No evals found');
        return 0;
      }
      ui.output(formatEvalList(evals, idLength(flags.verbose)));
      if (res.meta.nextToken !== '') {
        ui.output(
          `\nResults have been paginated. To get the next page run:\n\nnomad eval list -page-token ${res.meta.nextToken}`,
        );
      }
      return 0;
    } catch (err) {
      ui.error(`Error querying evaluations: ${errorText(err)}`);
      return 1;
    }
  },
});
