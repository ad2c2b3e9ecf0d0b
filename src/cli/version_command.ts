import { defineCommand } from './command.ts';
import { NOMAD_VERSION } from './version.ts';

export const command = defineCommand({
  name: 'version',
  usage: 'nomad version',
  description: 'Prints the version of this Nomad binary.',
  client: false,
  flags: {},
  async run({ ui }) {
    ui.output(`Nomad v${NOMAD_VERSION}`);
    return 0;
  },
});
