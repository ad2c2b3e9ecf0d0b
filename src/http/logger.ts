/**
 * The logging the HTTP layer needs. The agent's hclog-style logger implements it (src/agent/logger.ts);
 * fields print as key=value after the message, as Nomad's logs do.
 */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines carry "<name>: " (nested names join with "."), e.g. "http: request complete". */
  named(name: string): Logger;
}
