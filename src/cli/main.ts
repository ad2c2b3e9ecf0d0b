/**
 * `nomad <command> [subcommand] [flags] [args]`: finds the command (full name or alias), loads its
 * module, and runs it. `nomad -h` lists the commands; `nomad <group>` lists a group's subcommands;
 * no command exits 127 as Nomad's CLI library does; an unknown command exits 1 with an error that
 * names it, as our issue #2 asks (Nomad's library exits 127 there too); a subcommand of a known group
 * that does not exist exits 1, with the group's help.
 */
import { ALIASES, COMMANDS, COMMON_ALIASES, type CommandEntry } from './registry.ts';
import { defaultIO } from './io.ts';
import type { CliIO } from './ui.ts';

const HELP_FLAGS: ReadonlySet<string> = new Set(['-h', '-help', '--help']);
const VERSION_FLAGS: ReadonlySet<string> = new Set(['-v', '-version', '--version']);
const NAME_WORDS_MAX = 3;
/** Nomad's exit code when no command is given (mitchellh/cli). */
export const EXIT_NO_COMMAND = 127;
/** An unknown command is an error like any other bad input. */
export const EXIT_UNKNOWN_COMMAND = 1;

export async function main(args: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const first = args[0];
  if (first === undefined) {
    io.stdout(`${topLevelHelp()}\n`);
    return EXIT_NO_COMMAND;
  }
  if (HELP_FLAGS.has(first)) {
    io.stdout(`${topLevelHelp()}\n`);
    return 0;
  }
  if (VERSION_FLAGS.has(first)) return runEntry('version', COMMANDS['version']!, [], io);
  const found = resolve(args);
  if (found === null) {
    io.stderr(`Unknown command "${first}". Run "nomad -help" to see the commands.\n`);
    return EXIT_UNKNOWN_COMMAND;
  }
  const { name, entry, rest } = found;
  if (entry.load === undefined) return groupUsage(name, rest, io);
  return runEntry(name, entry, rest, io);
}

async function runEntry(
  name: string,
  entry: CommandEntry,
  rest: readonly string[],
  io: CliIO,
): Promise<number> {
  const command = await entry.load!();
  try {
    return await command.run(rest, io);
  } catch (err) {
    // A command reports expected failures itself; anything reaching here is unexpected, but the
    // user still gets one line, not a stack trace.
    io.stderr(`Error running "nomad ${name}": ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** The longest command name the leading words spell, with aliases expanded. */
function resolve(args: readonly string[]): { name: string; entry: CommandEntry; rest: string[] } | null {
  const words: string[] = [];
  for (const a of args.slice(0, NAME_WORDS_MAX)) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  for (let n = words.length; n > 0; n--) {
    const typed = words.slice(0, n).join(' ');
    const name = ALIASES[typed] ?? typed;
    const entry = COMMANDS[name];
    if (entry !== undefined) return { name, entry, rest: args.slice(n) };
  }
  return null;
}

function groupUsage(name: string, rest: readonly string[], io: CliIO): number {
  const help = groupHelp(name);
  const asked = rest.some((a) => HELP_FLAGS.has(a));
  if (asked) {
    io.stdout(`${help}\n`);
    return 0;
  }
  const next = rest[0];
  if (next !== undefined && !next.startsWith('-')) {
    io.stderr(`Unknown command "${name} ${next}".\n\n${help}\n`);
    return 1;
  }
  io.stderr(`${help}\n`);
  return 1;
}

function listing(names: readonly string[], label: (n: string) => string): string {
  const width = Math.max(...names.map((n) => label(n).length));
  return names
    .map((n) => `    ${label(n).padEnd(width)}    ${(COMMANDS[ALIASES[n] ?? n] ?? COMMANDS[n])!.synopsis}`)
    .join('\n');
}

export function groupHelp(group: string): string {
  const subs = Object.keys(COMMANDS)
    .filter((n) => n.startsWith(`${group} `) && !COMMANDS[n]!.hidden)
    .sort();
  return [
    `Usage: nomad ${group} <subcommand> [options] [args]`,
    `  ${COMMANDS[group]!.synopsis}. Each subcommand has its own help:\n  nomad ${group} <subcommand> -help`,
    `Subcommands:\n${listing(subs, (n) => n.slice(group.length + 1))}`,
  ].join('\n\n');
}

export function topLevelHelp(): string {
  const top = Object.keys(COMMANDS).filter((n) => !n.includes(' ') && !COMMANDS[n]!.hidden);
  const common = [...COMMON_ALIASES, ...top.filter((n) => COMMANDS[n]!.common === true)];
  const other = top.filter((n) => COMMANDS[n]!.common !== true).sort();
  return [
    'Usage: nomad [-version] [-help] <command> [args]',
    `Common commands:\n${listing(common, (n) => n)}`,
    `Other commands:\n${listing(other, (n) => n)}`,
  ].join('\n\n');
}
