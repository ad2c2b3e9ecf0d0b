import { commandErrorText, defineCommand } from './command.ts';
import { formatOutput } from './format/template.ts';
import { formatDeployment, formatDeploymentList } from './formatters.ts';
import { CliError, errorText, idLength, jobIdByPrefix } from './lookup.ts';

export const command = defineCommand({
  name: 'job deployments',
  usage: 'nomad job deployments [options] <job>',
  description: 'Lists the deployments of a job, or shows its latest one.',
  flags: {
    latest: { kind: 'bool' },
    all: { kind: 'bool' },
    verbose: { kind: 'bool' },
    json: { kind: 'bool' },
    t: { kind: 'string' },
  },
  optionsTitle: 'Deployments Options',
  options: [
    ['-latest', 'Shows only the latest deployment.'],
    ['-all', 'Includes the deployments of earlier jobs with the same ID.'],
    ['-verbose', 'Shows full IDs.'],
    ['-json', 'Prints the deployments as JSON.'],
    ['-t', 'Formats the deployments with a Go template.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <job>');
      ui.error(commandErrorText('job deployments'));
      return 1;
    }
    const api = client();
    const length = idLength(flags.verbose);
    const output = { json: flags.json, template: flags.t };
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      if (flags.latest) {
        const d = (await api.jobs.latestDeployment(id, { namespace })).data;
        if (flags.json || flags.t !== '') ui.output(formatOutput(output, d));
        else ui.output(formatDeployment(d, length));
        return 0;
      }
      const list = (await api.jobs.deployments(id, flags.all, { namespace })).data ?? [];
      if (flags.json || flags.t !== '') ui.output(formatOutput(output, list));
      else ui.output(formatDeploymentList(list, length));
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error retrieving deployments: ${errorText(err)}`);
      return 1;
    }
  },
});
