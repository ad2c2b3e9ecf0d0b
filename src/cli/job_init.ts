import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandErrorText, defineCommand } from './command.ts';
import { EXAMPLE_JOB, EXAMPLE_JOB_FILE_NAME, EXAMPLE_JOB_SHORT } from './example_job.ts';

export const command = defineCommand({
  name: 'job init',
  usage: 'nomad job init [options] [filename]',
  description: `Writes an example job file to get started with: a redis cache on Docker.
The file is ${EXAMPLE_JOB_FILE_NAME} unless another name is given. An existing
file is never overwritten.`,
  client: false,
  flags: { short: { kind: 'bool' } },
  optionsTitle: 'Init Options',
  options: [['-short', 'Leaves out the comments and the optional blocks.']],
  async run({ flags, args, ui, io }) {
    if (args.length > 1) {
      ui.error('This command takes no arguments or one: <filename>');
      ui.error(commandErrorText('job init'));
      return 1;
    }
    const name = args[0] ?? EXAMPLE_JOB_FILE_NAME;
    const path = resolve(io.cwd, name);
    if (existsSync(path)) {
      ui.error(`Job '${name}' already exists`);
      return 1;
    }
    try {
      writeFileSync(path, flags.short ? EXAMPLE_JOB_SHORT : EXAMPLE_JOB, { mode: 0o660, flag: 'wx' });
    } catch (err) {
      ui.error(`Failed to write '${name}': ${(err as Error).message}`);
      return 1;
    }
    ui.output(`Example job file written to ${name}`);
    return 0;
  },
});
