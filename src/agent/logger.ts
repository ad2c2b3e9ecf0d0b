/**
 * The agent's logger, in hclog's format as Nomad prints it after the banner:
 *   "    2026-01-02T15:04:05.123Z [INFO]  nomad: cluster leadership acquired: key=value"
 * or one JSON object per line with log_json ({"@level","@message","@module","@timestamp",...}).
 * Lines below the configured level are dropped before they are formatted.
 */
import type { LogFields, Logger } from '../http/logger.ts';
import type { LogLevel } from './config.ts';

const RANK: Readonly<Record<Exclude<LogLevel, 'OFF'>, number>> = {
  TRACE: 0,
  DEBUG: 1,
  INFO: 2,
  WARN: 3,
  ERROR: 4,
};

export interface LogSink {
  write(line: string): void;
}

export interface AgentLoggerOptions {
  level: LogLevel;
  json: boolean;
  sink: LogSink;
  /** Milliseconds since the epoch; injected so tests can fix the timestamps. */
  nowMs?: () => number;
}

export class AgentLogger implements Logger {
  readonly #opts: AgentLoggerOptions;
  readonly #name: string;
  readonly #min: number;

  constructor(opts: AgentLoggerOptions, name = '') {
    this.#opts = opts;
    this.#name = name;
    this.#min = opts.level === 'OFF' ? Infinity : RANK[opts.level];
  }

  named(name: string): AgentLogger {
    return new AgentLogger(this.#opts, this.#name === '' ? name : `${this.#name}.${name}`);
  }

  enabled(level: Exclude<LogLevel, 'OFF'>): boolean {
    return RANK[level] >= this.#min;
  }

  trace(message: string, fields?: LogFields): void {
    this.#log('TRACE', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.#log('DEBUG', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log('INFO', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log('WARN', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#log('ERROR', message, fields);
  }

  #log(level: Exclude<LogLevel, 'OFF'>, message: string, fields?: LogFields): void {
    if (RANK[level] < this.#min) return;
    const ts = new Date((this.#opts.nowMs ?? Date.now)()).toISOString();
    if (this.#opts.json) {
      const obj: Record<string, unknown> = { '@level': level.toLowerCase(), '@message': message };
      if (this.#name !== '') obj['@module'] = this.#name;
      obj['@timestamp'] = ts;
      for (const [k, v] of Object.entries(fields ?? {})) obj[k] = v instanceof Error ? v.message : v;
      this.#opts.sink.write(`${JSON.stringify(obj)}\n`);
      return;
    }
    const tag = `[${level}]`.padEnd(7);
    const name = this.#name === '' ? '' : `${this.#name}: `;
    const kv = formatFields(fields);
    this.#opts.sink.write(`    ${ts} ${tag} ${name}${message}${kv === '' ? '' : `: ${kv}`}\n`);
  }
}

function formatFields(fields: LogFields | undefined): string {
  if (fields === undefined) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const text = v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v);
    parts.push(`${k}=${/[\s"]/.test(text) ? JSON.stringify(text) : text}`);
  }
  return parts.join(' ');
}

/** Parses a level name as Nomad accepts it (any case); undefined when it is not one. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const up = text.toUpperCase();
  return up === 'OFF' || up in RANK ? (up as LogLevel) : undefined;
}
