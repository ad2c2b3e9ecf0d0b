import { defineCommand } from './command.ts';
import { formatDeploymentList } from './formatters.ts';
import { formatOutput } from './format/template.ts';
import { errorText, idLength } from './lookup.ts';

export const command = defineCommand({
  name: 'deployment list',
  usage: 'nomad deployment list [options]',
  description: 'Lists every deployment.',
  flags: { verbose: { kind: 'bool' }, json: { kind: 'bool' }, t: { kind: 'string' } },
  optionsTitle: 'List Options',
  options: [
    ['-verbose', 'Shows full IDs.'],
    ['-json', 'Prints the deployments as JSON.'],
    ['-t', 'Formats the deployments with a Go template.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      return 1;
    }
    try {
      const deployments = (await client().deployments.list()).data ?? [];
      if (flags.json || flags.t !== '')
        ui.output(formatOutput({ json: flags.json, template: flags.t }, deployments));
      else ui.output(formatDeploymentList(deployments, idLength(flags.verbose)));
      return 0;
    } catch (err) {
      ui.error(`Error retrieving deployments: ${errorText(err)}`);
      return 1;
    }
  },
});
