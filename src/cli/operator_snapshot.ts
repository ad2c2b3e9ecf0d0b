/** operator snapshot save and restore: the servers' whole state to a file and back. */
import { lstat, readFile, rename, writeFile } from 'node:fs/promises';
import { commandErrorText, defineCommand } from './command.ts';
import { errorText } from './lookup.ts';

export const save = defineCommand({
  name: 'operator snapshot save',
  usage: 'nomad operator snapshot save [options] <file>',
  description: `Retrieves an atomic, point-in-time snapshot of the state of the Nomad servers,
which includes jobs, nodes, allocations, periodic jobs, and ACLs.`,
  flags: { stale: { kind: 'bool' } },
  optionsTitle: 'Snapshot Save Options',
  options: [['-stale=[true|false]', 'Let a server that is not the leader answer (during an outage).']],
  async run({ flags, args, ui, client }) {
    if (args.length > 1) {
      ui.error('This command takes either no arguments or one: <filename>');
      ui.error(commandErrorText('operator snapshot save'));
      return 1;
    }
    const now = new Date();
    const pad = (n: number): string => String(n).padStart(2, '0');
    const file =
      args[0] ??
      `nomad-state-${now.getFullYear()}${pad(now.getMonth() + 1)}${now.getDate()}-${Math.floor(now.getTime() / 1000)}.snap`;
    const exists = await lstat(file).then(
      () => true,
      (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? false : Promise.reject(err)),
    );
    if (exists) {
      ui.error(`Destination file already exists: "${file}"`);
      ui.error(commandErrorText('operator snapshot save'));
      return 1;
    }
    let data: Buffer;
    try {
      data = await client().operator.snapshotSave({ allowStale: flags.stale });
    } catch (err) {
      ui.error(`Failed to get snapshot file: ${errorText(err)}`);
      return 1;
    }
    try {
      await writeFile(`${file}.tmp`, data);
      await rename(`${file}.tmp`, file);
    } catch (err) {
      ui.error(`Failed to write snapshot file: ${errorText(err)}`);
      return 1;
    }
    ui.output(`State file written to ${file}`);
    return 0;
  },
});

export const restore = defineCommand({
  name: 'operator snapshot restore',
  usage: 'nomad operator snapshot restore [options] <file>',
  description: `Restores an atomic, point-in-time snapshot of the state of the Nomad servers.
It replaces the whole state, on every server, through the log: meant for recovering from a
disaster, restoring into a fresh cluster.`,
  flags: {},
  async run({ args, ui, client }) {
    if (args.length !== 1) {
      ui.error('This command takes one argument: <filename>');
      ui.error(commandErrorText('operator snapshot restore'));
      return 1;
    }
    let data: Buffer;
    try {
      data = await readFile(args[0]!);
    } catch (err) {
      ui.error(`Error opening snapshot file: ${errorText(err)}`);
      return 1;
    }
    try {
      await client().operator.snapshotRestore(data);
    } catch (err) {
      ui.error(`Failed to get restore snapshot: ${errorText(err)}`);
      return 1;
    }
    ui.output('Snapshot Restored');
    return 0;
  },
});
