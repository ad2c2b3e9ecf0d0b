import type { AllocFileInfo, NomadClient } from '../api/index.ts';
import { frameData } from '../api/index.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatBytes } from './format/bytes.ts';
import { formatList } from './format/columns.ts';
import { formatTime, rfc3339ToMs } from './format/time.ts';
import { formatAllocListStubs } from './formatters.ts';
import { byPrefix, CliError, errorText, idLength, jobAllocId } from './lookup.ts';

const DEFAULT_TAIL_BYTES = 1024;

export const command = defineCommand({
  name: 'alloc fs',
  usage: 'nomad alloc fs [options] <allocation> <path>',
  description: `Lists a directory of an allocation, or prints a file of it. The path is
relative to the allocation directory ("alloc/logs", "redis/local", ...).`,
  flags: {
    H: { kind: 'bool' },
    verbose: { kind: 'bool' },
    job: { kind: 'bool' },
    stat: { kind: 'bool' },
    f: { kind: 'bool' },
    tail: { kind: 'bool' },
    c: { kind: 'int', default: -1 },
  },
  optionsTitle: 'FS Options',
  options: [
    ['-H', 'Shows sizes in human-readable units.'],
    ['-stat', "Shows the file's information instead of its contents."],
    ['-f', 'Follows the file as it grows.'],
    ['-tail', 'Prints the end of the file: the last 1 KiB unless -c says otherwise.'],
    ['-c', 'With -tail, the number of bytes to print.'],
    ['-job <job-id>', 'Takes a job ID instead of an allocation and picks one of its allocations.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length < 1 || args.length > 2) {
      ui.error('This command takes one or two arguments: <allocation> [<path>]');
      ui.error(commandErrorText('alloc fs'));
      return 1;
    }
    const api = client();
    const path = args[1] ?? '/';
    try {
      const allocId = await resolveAlloc(api, args[0]!, flags.job, flags.verbose, io.nowMs());
      const info = await api.allocFS.stat(allocId, path);
      if (flags.stat) {
        ui.output(formatFileList([info], flags.H));
        return 0;
      }
      if (info.IsDir) {
        const list = await api.allocFS.list(allocId, path);
        ui.output(list.length === 0 ? `Directory "${path}" is empty` : formatFileList(list, flags.H));
        return 0;
      }
      if (flags.f || flags.tail) {
        const offset = flags.tail ? (flags.c >= 0 ? flags.c : DEFAULT_TAIL_BYTES) : 0;
        const frames = api.allocFS.stream(allocId, path, {
          offset,
          origin: flags.tail ? 'end' : 'start',
          follow: flags.f,
          signal: io.signal,
        });
        const decoder = new TextDecoder();
        try {
          for await (const frame of frames) io.stdout(decoder.decode(frameData(frame), { stream: true }));
        } catch (err) {
          if (!io.signal.aborted) throw err;
        }
        return 0;
      }
      io.stdout((await api.allocFS.cat(allocId, path)).toString('utf8'));
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error reading "${path}": ${errorText(err)}`);
      return 1;
    }
  },
});

async function resolveAlloc(
  api: NomadClient,
  arg: string,
  job: boolean,
  verbose: boolean,
  nowMs: number,
): Promise<string> {
  if (job) return jobAllocId(api, arg, '');
  if (arg.length === 1) throw new CliError('Alloc ID must contain at least two characters.');
  const found = await byPrefix(arg, async (p) => (await api.allocations.prefixList(p)).data);
  if (found.kind === 'none') throw new CliError(`No allocation(s) with prefix or id "${arg}" found`);
  if (found.kind === 'many') {
    const table = formatAllocListStubs(found.items, { verbose, length: idLength(verbose), nowMs });
    throw new CliError(`Prefix matched multiple allocations\n\n${table}`);
  }
  return found.item.ID;
}

function formatFileList(files: readonly AllocFileInfo[], human: boolean): string {
  const rows = ['Mode|Size|Modified Time|Name'];
  for (const f of files) {
    const size = human ? formatBytes(f.Size) : String(f.Size);
    rows.push(`${f.FileMode}|${size}|${formatTime(rfc3339ToMs(f.ModTime))}|${f.Name}${f.IsDir ? '/' : ''}`);
  }
  return formatList(rows);
}
