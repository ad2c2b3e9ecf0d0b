/**
 * Command-line flags the way Go's flag package reads them, as Nomad's commands do: `-name value`,
 * `-name=value`, `--name` as `-name`; booleans take no separate value (`-detach`, `-detach=false`);
 * list flags repeat (`-var a=1 -var b=2`); parsing stops at the first argument that is not a flag,
 * or after `--`. Errors use Go's texts ("flag provided but not defined: -x").
 */
import { parseDuration } from '../lib/duration.ts';

export type FlagSpec =
  | { kind: 'bool'; default?: boolean }
  | { kind: 'string'; default?: string }
  | { kind: 'int'; default?: number }
  | { kind: 'duration'; default?: number }
  | { kind: 'list' };

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type ValueOf<S extends FlagSpec> = S extends { kind: 'bool' }
  ? boolean
  : S extends { kind: 'string' }
    ? string
    : S extends { kind: 'list' }
      ? string[]
      : number;

export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]: ValueOf<S[K]> } & {
  /** The names of the flags that were given, for "was it set at all" questions. */
  readonly $set: ReadonlySet<string>;
};

export class FlagError extends Error {
  override name = 'FlagError';
}

/** Thrown for -h / -help: the caller prints the command's help. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
}

export const ARGS_MAX = 10_000;

export function parseFlags<S extends FlagSpecs>(
  argv: readonly string[],
  specs: S,
): { flags: FlagValues<S>; args: string[] } {
  if (argv.length > ARGS_MAX) throw new FlagError(`too many arguments: ${argv.length} (at most ${ARGS_MAX})`);
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = defaultOf(spec);
  const set = new Set<string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('='))
      throw new FlagError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = specs[name];
    if (spec === undefined) {
      if (name === 'h' || name === 'help') throw new HelpRequested();
      throw new FlagError(`flag provided but not defined: -${name}`);
    }
    let text: string;
    if (eq >= 0) {
      text = body.slice(eq + 1);
    } else if (spec.kind === 'bool') {
      text = 'true';
    } else {
      if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      text = argv[++i]!;
    }
    values[name] = convert(name, spec, text, values[name]);
    set.add(name);
  }
  const flags = Object.assign(values, { $set: set }) as FlagValues<S>;
  return { flags, args: argv.slice(i) };
}

function defaultOf(spec: FlagSpec): unknown {
  switch (spec.kind) {
    case 'bool':
      return spec.default ?? false;
    case 'string':
      return spec.default ?? '';
    case 'int':
    case 'duration':
      return spec.default ?? 0;
    case 'list':
      return [];
  }
}

function convert(name: string, spec: FlagSpec, text: string, current: unknown): unknown {
  const invalid = (why: string): FlagError =>
    new FlagError(`invalid value "${text}" for flag -${name}: ${why}`);
  switch (spec.kind) {
    case 'bool': {
      const b = parseBool(text);
      if (b === undefined) throw invalid('parse error');
      return b;
    }
    case 'string':
      return text;
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) throw invalid('parse error');
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw invalid('value out of range');
      return n;
    }
    case 'duration':
      try {
        return parseDuration(text);
      } catch {
        throw invalid('parse error');
      }
    case 'list':
      return [...(current as string[]), text];
  }
}

/** Go's strconv.ParseBool. */
export function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return undefined;
}
