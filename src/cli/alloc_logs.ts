import type { NomadClient } from '../api/index.ts';
import type { Allocation } from '../structs/allocation.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { formatAllocListStubs } from './formatters.ts';
import { byPrefix, CliError, errorText, idLength, jobAllocId } from './lookup.ts';
import type { CliIO } from './ui.ts';

const DEFAULT_TAIL_LINES = 10;
// Bytes read back per requested line: Nomad's guess of an average line, so -n 10 reads ~1.2 KB.
const BYTES_PER_LINE = 120;
// While following with a line limit, output is held this long so only the last lines show.
const LINE_LIMIT_WINDOW_MS = 1000;

export const command = defineCommand({
  name: 'alloc logs',
  usage: 'nomad alloc logs [options] <allocation> <task>',
  description: `Prints a task's standard output (or error) as the client kept it. The task
may be left out when the allocation's group has a single task. With -f the
command keeps following new output until interrupted.`,
  flags: {
    stderr: { kind: 'bool' },
    stdout: { kind: 'bool' },
    f: { kind: 'bool' },
    tail: { kind: 'bool' },
    n: { kind: 'int', default: -1 },
    c: { kind: 'int', default: -1 },
    job: { kind: 'bool' },
    task: { kind: 'string' },
    group: { kind: 'string' },
    verbose: { kind: 'bool' },
  },
  optionsTitle: 'Logs Options',
  options: [
    ['-stderr', 'Prints standard error instead of standard output.'],
    ['-f', 'Follows the log as it grows. Alone, follows both stdout and stderr.'],
    ['-tail', 'Prints the end of the log: the last 10 lines unless -n or -c says otherwise.'],
    ['-n', 'With -tail, the number of lines to print.'],
    ['-c', 'With -tail, the number of bytes to print.'],
    ['-job <job-id>', 'Takes a job ID instead of an allocation and picks one of its allocations.'],
    ['-task <task-name>', 'The task whose logs to print.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length < 1) {
      ui.error(flags.job ? 'A job ID is required' : 'An allocation ID is required');
      ui.error(commandErrorText('alloc logs'));
      return 1;
    }
    if (args.length > 2) {
      ui.error('This command takes one or two arguments');
      ui.error(commandErrorText('alloc logs'));
      return 1;
    }
    const api = client();
    let alloc: Allocation;
    let task: string;
    try {
      const allocId = flags.job ? await jobAllocId(api, args[0]!, flags.group) : args[0]!;
      alloc = await findAlloc(api, allocId, flags.verbose, io);
      task =
        flags.task !== '' ? checkTask(alloc, flags.task) : args.length === 2 ? args[1]! : onlyTask(alloc);
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error querying allocation: ${errorText(err)}`);
      return 1;
    }
    const follow = flags.f;
    try {
      if (follow && !flags.stderr && !flags.stdout && !flags.tail && flags.n <= 0 && flags.c <= 0) {
        await Promise.all([
          streamLog(api, io, alloc.ID, {
            task,
            type: 'stdout',
            follow,
            origin: 'start',
            offset: 0,
            lines: -1,
            toStderr: false,
          }),
          streamLog(api, io, alloc.ID, {
            task,
            type: 'stderr',
            follow,
            origin: 'start',
            offset: 0,
            lines: -1,
            toStderr: true,
          }),
        ]);
        return 0;
      }
      if (flags.stderr && flags.stdout) {
        ui.error('Unable to support both stdout and stderr');
        return 1;
      }
      if (flags.n !== -1 && flags.c !== -1 && flags.tail) throw new CliError('both -n and -c set');
      const type = flags.stderr ? 'stderr' : 'stdout';
      let lines = flags.n;
      let offset = 0;
      if (flags.tail) {
        if (flags.c !== -1) offset = flags.c;
        else {
          if (lines === -1) lines = DEFAULT_TAIL_LINES;
          offset = lines * BYTES_PER_LINE;
        }
      }
      await streamLog(api, io, alloc.ID, {
        task,
        type,
        follow,
        origin: flags.tail ? 'end' : 'start',
        offset,
        lines: flags.tail ? lines : -1,
        // One file goes to stdout whichever it is, as Nomad prints it (`-stderr | grep` works).
        toStderr: false,
      });
      return 0;
    } catch (err) {
      if (io.signal.aborted) return 0;
      ui.error(`Failed to read ${flags.stderr ? 'stderr' : 'stdout'} file: ${errorText(err)}`);
      return 1;
    }
  },
});

async function findAlloc(api: NomadClient, id: string, verbose: boolean, io: CliIO): Promise<Allocation> {
  if (id.length === 1) throw new CliError('Alloc ID must contain at least two characters.');
  const found = await byPrefix(id, async (p) => (await api.allocations.prefixList(p)).data);
  if (found.kind === 'none') throw new CliError(`No allocation(s) with prefix or id "${id}" found`);
  if (found.kind === 'many') {
    const table = formatAllocListStubs(found.items, {
      verbose,
      length: idLength(verbose),
      nowMs: io.nowMs(),
    });
    throw new CliError(`Prefix matched multiple allocations\n\n${table}`);
  }
  return (await api.allocations.info(found.item.ID, { namespace: found.item.Namespace })).data;
}

function groupTasks(alloc: Allocation): string[] {
  const group = alloc.Job?.TaskGroups.find((g) => g.Name === alloc.TaskGroup);
  if (group === undefined)
    throw new CliError(`Failed to validate task: Could not find allocation task group: ${alloc.TaskGroup}`);
  return group.Tasks.map((t) => t.Name);
}

function checkTask(alloc: Allocation, task: string): string {
  if (!groupTasks(alloc).includes(task))
    throw new CliError(`Failed to validate task: Could not find task named: ${task}`);
  return task;
}

/** The group's only task; with several, an error listing them. */
export function onlyTask(alloc: Allocation): string {
  const tasks = groupTasks(alloc);
  if (tasks.length === 1) return tasks[0]!;
  const list = tasks.map((t) => `  * ${t}\n`).join('');
  throw new CliError(
    `Failed to validate task: Allocation "${alloc.ID.slice(0, 8)}" is running the following tasks:\n${list}\nPlease specify the task.`,
  );
}

interface StreamOptions {
  task: string;
  type: 'stdout' | 'stderr';
  follow: boolean;
  origin: 'start' | 'end';
  offset: number;
  /** Print only the last N lines of what arrives first; -1 for all. */
  lines: number;
  /** Where the text goes: only following both files at once sends stderr to stderr. */
  toStderr: boolean;
}

async function streamLog(api: NomadClient, io: CliIO, allocId: string, o: StreamOptions): Promise<void> {
  const write = o.toStderr ? io.stderr : io.stdout;
  const decoder = new TextDecoder();
  const chunks = api.allocFS.logsPlain(allocId, {
    task: o.task,
    type: o.type,
    follow: o.follow,
    origin: o.origin,
    offset: o.offset,
    signal: io.signal,
  });
  if (o.lines < 0) {
    try {
      for await (const chunk of chunks) write(decoder.decode(chunk, { stream: true }));
    } catch (err) {
      if (!io.signal.aborted) throw err;
    }
    write(decoder.decode());
    return;
  }
  await streamLastLines(chunks, o, io, write, decoder);
}

async function streamLastLines(
  chunks: AsyncGenerator<Buffer>,
  o: StreamOptions,
  io: CliIO,
  write: (text: string) => void,
  decoder: TextDecoder,
): Promise<void> {
  let held: string | null = '';
  const started = io.nowMs();
  const release = (): void => {
    if (held === null) return;
    const lines = held.split('\n');
    const keep = held.endsWith('\n') ? o.lines + 1 : o.lines;
    write(lines.slice(-keep).join('\n'));
    held = null;
  };
  // While following, what came in the first window is trimmed and shown even if nothing follows.
  const timer = o.follow ? setTimeout(release, LINE_LIMIT_WINDOW_MS) : undefined;
  try {
    for await (const chunk of chunks) {
      const text = decoder.decode(chunk, { stream: true });
      if (held === null) write(text);
      else {
        held += text;
        if (o.follow && io.nowMs() - started >= LINE_LIMIT_WINDOW_MS) release();
      }
    }
  } catch (err) {
    if (!io.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  if (held !== null) held += decoder.decode();
  release();
}
