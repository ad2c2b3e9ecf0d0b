import { defineCommand } from './command.ts';
import { formatList } from './format/columns.ts';
import { formatOutput } from './format/template.ts';
import { errorText } from './lookup.ts';

export const command = defineCommand({
  name: 'namespace list',
  usage: 'nomad namespace list [options]',
  description: 'Lists the namespaces.',
  flags: { json: { kind: 'bool' }, t: { kind: 'string' }, verbose: { kind: 'bool' } },
  optionsTitle: 'List Options',
  options: [
    ['-json', 'Prints the namespaces as JSON.'],
    ['-t', 'Formats the namespaces with a Go template.'],
  ],
  async run({ flags, ui, client }) {
    try {
      const namespaces = (await client().namespaces.list()).data ?? [];
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput({ json: flags.json, template: flags.t }, namespaces));
        return 0;
      }
      if (namespaces.length === 0) {
        ui.output('No namespaces found');
        return 0;
      }
      ui.output(formatList(['Name|Description', ...namespaces.map((n) => `${n.Name}|${n.Description}`)]));
      return 0;
    } catch (err) {
      ui.error(`Error retrieving namespaces: ${errorText(err)}`);
      return 1;
    }
  },
});
