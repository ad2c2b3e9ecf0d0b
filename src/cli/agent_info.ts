import { commandErrorText, defineCommand } from './command.ts';
import { formatOutput } from './format/template.ts';
import { errorText } from './lookup.ts';

export const command = defineCommand({
  name: 'agent-info',
  usage: 'nomad agent-info [options]',
  description: "Shows the local agent's status: its server, client, raft and runtime figures.",
  flags: { json: { kind: 'bool' }, t: { kind: 'string' } },
  optionsTitle: 'Agent Info Options',
  options: [
    ['-json', "Prints the agent's information as JSON."],
    ['-t', 'Formats the information with a Go template.'],
  ],
  async run({ flags, args, ui, client }) {
    if (args.length !== 0) {
      ui.error('This command takes no arguments');
      ui.error(commandErrorText('agent-info'));
      return 1;
    }
    try {
      const info = await client().agent.self();
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput({ json: flags.json, template: flags.t }, info));
        return 0;
      }
      for (const section of Object.keys(info.stats ?? {}).sort()) {
        ui.output(section);
        const data = info.stats[section]!;
        for (const k of Object.keys(data).sort()) ui.output(`  ${k} = ${data[k]}`);
      }
      return 0;
    } catch (err) {
      ui.error(`Error querying agent info: ${errorText(err)}`);
      return 1;
    }
  },
});
