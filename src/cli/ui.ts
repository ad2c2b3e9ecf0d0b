/**
 * Where a command's words go: Output and Info to stdout, Error and Warn to stderr, each a line.
 * Colour markup in Nomad's style ("[bold]Summary[reset]") is turned into escape codes on a terminal
 * and stripped everywhere else, so scripts and tests see plain text.
 */

export interface CliIO {
  /** Writes text as it is (no newline added). */
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Whether stdout is a terminal: spinners and colours only there. */
  isTTY: boolean;
  nowMs(): number;
  /** Reads one line from stdin (for confirmations); null at end of input. */
  readLine(): Promise<string | null>;
  /** Aborted on an interrupt: long-running commands (logs -f, monitors) stop. */
  signal: AbortSignal;
  /** Waits, unless the signal aborts first. */
  sleep(ms: number): Promise<void>;
}

const CODES: Readonly<Record<string, string>> = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  cyan: '\x1b[36m',
  light_yellow: '\x1b[93m',
  underline: '\x1b[4m',
};

const MARKUP = /\[(reset|bold|red|green|yellow|blue|cyan|light_yellow|underline)\]/g;

export function colorize(text: string, color: boolean): string {
  return text.replace(MARKUP, (_m, name: string) => (color ? CODES[name]! : ''));
}

export class Ui {
  readonly io: CliIO;
  readonly color: boolean;
  constructor(io: CliIO, opts: { color: boolean }) {
    this.io = io;
    this.color = opts.color;
  }
  output(text: string): void {
    this.io.stdout(`${colorize(text, this.color)}\n`);
  }
  error(text: string): void {
    this.io.stderr(`${colorize(text, this.color)}\n`);
  }
  warn(text: string): void {
    this.io.stderr(`${colorize(text, this.color)}\n`);
  }
}
