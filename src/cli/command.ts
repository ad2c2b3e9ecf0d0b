/**
 * What every command is made of: its usage text in Nomad's layout (Usage line, description,
 * General Options, the command's own options), its flags, and a run function that gets parsed
 * flags, the remaining arguments, a Ui and an API client configured from the general options
 * and the NOMAD_* environment.
 */
import { DEFAULT_ADDRESS, NomadClient, type ClientConfig } from '../api/index.ts';
import { FlagError, HelpRequested, parseFlags, type FlagSpecs, type FlagValues } from './flags.ts';
import { Ui, type CliIO } from './ui.ts';

export interface Command {
  readonly name: string;
  help(): string;
  run(args: readonly string[], io: CliIO): Promise<number>;
}

/** Flags every command that talks to an agent accepts (Nomad's FlagSetClient). */
export const GENERAL_FLAGS = {
  address: { kind: 'string' },
  region: { kind: 'string' },
  namespace: { kind: 'string' },
  token: { kind: 'string' },
  'no-color': { kind: 'bool' },
  'force-color': { kind: 'bool' },
  'ca-cert': { kind: 'string' },
  'ca-path': { kind: 'string' },
  'client-cert': { kind: 'string' },
  'client-key': { kind: 'string' },
  'tls-server-name': { kind: 'string' },
  'tls-skip-verify': { kind: 'bool' },
} as const satisfies FlagSpecs;

export type GeneralFlags = FlagValues<typeof GENERAL_FLAGS>;

const GENERAL_HELP: readonly [string, string][] = [
  [
    '-address=<addr>',
    'Where the Nomad HTTP API listens. Overrides NOMAD_ADDR.\nDefault = http://127.0.0.1:4646',
  ],
  [
    '-region=<region>',
    "The region to send requests to. Overrides NOMAD_REGION.\nDefault: the agent's own region.",
  ],
  ['-namespace=<namespace>', 'The namespace to work in. Overrides NOMAD_NAMESPACE.\nDefault = default'],
  ['-no-color', 'Turns off coloured output. NOMAD_CLI_NO_COLOR does the same.'],
  ['-force-color', 'Colours the output even when it is not a terminal.'],
  ['-token', 'The ACL token to send (X-Nomad-Token). Overrides NOMAD_TOKEN.'],
  ['-ca-cert=<path>', 'A PEM CA certificate to verify the agent with. Overrides NOMAD_CACERT.'],
  ['-client-cert=<path>', 'A PEM client certificate. Overrides NOMAD_CLIENT_CERT.'],
  ['-client-key=<path>', 'The key of the client certificate. Overrides NOMAD_CLIENT_KEY.'],
  ['-tls-skip-verify', 'Skips checking the agent certificate. Overrides NOMAD_SKIP_VERIFY.'],
];

export interface CommandSpec<S extends FlagSpecs> {
  name: string;
  /** After "Usage: ", e.g. "nomad job run [options] <path>". */
  usage: string;
  /** Paragraphs of description, already wrapped. */
  description: string;
  /** Whether the general (agent connection) options apply. */
  client?: boolean;
  flags: S;
  /** Title of the command's own options section, e.g. "Run Options". */
  optionsTitle?: string;
  options?: readonly [string, string][];
  run(ctx: RunContext<S>): Promise<number>;
}

export interface RunContext<S extends FlagSpecs> {
  flags: FlagValues<S> & Partial<GeneralFlags>;
  args: string[];
  /** Everything the command was given, flags included (for commands that hand over to another). */
  argv: readonly string[];
  ui: Ui;
  io: CliIO;
  /** An API client from the general options and the environment. */
  client(): NomadClient;
  clientConfig: ClientConfig;
  /** The command's help text, for "takes one argument" errors. */
  help(): string;
}

export function defineCommand<S extends FlagSpecs>(spec: CommandSpec<S>): Command {
  const allFlags = spec.client === false ? spec.flags : { ...GENERAL_FLAGS, ...spec.flags };
  const help = (): string => formatHelp(spec);
  return {
    name: spec.name,
    help,
    async run(argv, io) {
      let parsed: { flags: FlagValues<FlagSpecs>; args: string[] };
      try {
        parsed = parseFlags(argv, allFlags);
      } catch (err) {
        if (err instanceof HelpRequested) {
          io.stdout(`${help()}\n`);
          return 0;
        }
        if (err instanceof FlagError) {
          // Nomad's flag sets report the error on stderr and print the help on stdout.
          io.stderr(`${err.message}\n`);
          io.stdout(`${help()}\n`);
          return 1;
        }
        throw err;
      }
      const flags = parsed.flags as FlagValues<S> & Partial<GeneralFlags>;
      const color = useColor(io, flags);
      const ui = new Ui(io, { color });
      const clientConfig = resolveClientConfig(flags, io.env);
      let client: NomadClient | undefined;
      return spec.run({
        flags,
        args: parsed.args,
        argv,
        ui,
        io,
        clientConfig,
        client: () => (client ??= new NomadClient(clientConfig)),
        help,
      });
    },
  };
}

function useColor(io: CliIO, flags: Partial<GeneralFlags>): boolean {
  if (flags['force-color'] === true || (io.env['NOMAD_CLI_FORCE_COLOR'] ?? '') !== '') return true;
  if (flags['no-color'] === true || (io.env['NOMAD_CLI_NO_COLOR'] ?? '') !== '') return false;
  return io.isTTY;
}

export function resolveClientConfig(
  flags: Partial<GeneralFlags>,
  env: Readonly<Record<string, string | undefined>>,
): ClientConfig {
  const pick = (flag: string | undefined, name: string, fallback: string): string =>
    flag !== undefined && flag !== '' ? flag : (env[name] ?? '') !== '' ? env[name]! : fallback;
  return {
    address: pick(flags.address, 'NOMAD_ADDR', DEFAULT_ADDRESS),
    region: pick(flags.region, 'NOMAD_REGION', ''),
    namespace: pick(flags.namespace, 'NOMAD_NAMESPACE', ''),
    token: pick(flags.token, 'NOMAD_TOKEN', ''),
  };
}

function formatOptions(options: readonly [string, string][]): string {
  return options
    .map(
      ([flag, text]) =>
        `  ${flag}\n${text
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n')}`,
    )
    .join('\n\n');
}

export function formatHelp(
  spec: Pick<CommandSpec<FlagSpecs>, 'usage' | 'description' | 'client' | 'optionsTitle' | 'options'>,
): string {
  const parts = [`Usage: ${spec.usage}`, indent(spec.description.trim(), 2)];
  if (spec.client !== false) parts.push(`General Options:\n\n${formatOptions(GENERAL_HELP)}`);
  if (spec.options !== undefined && spec.options.length > 0) {
    parts.push(`${spec.optionsTitle ?? 'Options'}:\n\n${formatOptions(spec.options)}`);
  }
  return parts.join('\n\n');
}

export function indent(text: string, width: number): string {
  const pad = ' '.repeat(width);
  return text
    .split('\n')
    .map((l) => (l === '' ? l : pad + l))
    .join('\n');
}

/** The standard ending of an argument error: where to find the usage. */
export function commandErrorText(name: string): string {
  return `For additional help try 'nomad ${name} -help'`;
}
