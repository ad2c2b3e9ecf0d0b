/**
 * `nomad agent`: loads the configuration (every error named before anything starts), starts the
 * agent, prints Nomad's banner, then streams log lines until SIGINT or SIGTERM, and shuts down
 * cleanly. Log lines written while starting are held back and printed after the banner, as
 * Nomad's gated log writer does.
 */
import { errorMessage } from '../lib/errors.ts';
import { Agent, AGENT_VERSION } from './agent_core.ts';
import { bannerLines, loadedLine } from './banner.ts';
import type { AgentConfig } from './config.ts';
import { loadAgentConfig } from './config_load.ts';
import { AgentLogger } from './logger.ts';
import type { LogSink } from './logger.ts';

/** How long shutdown may take before the agent exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Holds lines until opened, then writes through. */
class GatedSink implements LogSink {
  #held: string[] | undefined = [];
  readonly #write: (text: string) => void;
  constructor(write: (text: string) => void) {
    this.#write = write;
  }
  write(line: string): void {
    if (this.#held === undefined) this.#write(line);
    else this.#held.push(line);
  }
  open(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const line of held) this.#write(line);
  }
}

export interface RunAgentOptions {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Resolves with the signal name that should stop the agent; default: SIGINT or SIGTERM. */
  stopSignal?: () => Promise<string>;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (name: string) => (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(name);
    };
    const onInt = on('interrupt');
    const onTerm = on('terminated');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

/** Runs the agent until a signal; resolves with the exit code. */
export async function runAgent(args: string[], opts: RunAgentOptions = {}): Promise<number> {
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const err = opts.err ?? ((t: string) => void process.stderr.write(t));
  let config: AgentConfig;
  try {
    config = await loadAgentConfig(args);
  } catch (e) {
    err(`==> ${errorMessage(e)}\n`);
    return 1;
  }
  const sink = new GatedSink(out);
  const logger = new AgentLogger({ level: config.logLevel, json: config.logJson, sink });
  const stop = (opts.stopSignal ?? waitForSignal)();
  out(`${loadedLine(config.files)}\n==> Starting Nomad agent...\n`);
  const agent = new Agent(config, logger);
  try {
    await agent.start();
  } catch (e) {
    sink.open();
    err(`==> Error starting agent: ${errorMessage(e)}\n`);
    await agent
      .shutdown()
      .catch((cause: unknown) => err(`==> Error shutting down: ${errorMessage(cause)}\n`));
    return 1;
  }
  const lines = bannerLines({
    config,
    http: agent.httpAddr,
    rpc: agent.rpcAddr,
    serf: agent.serfAddr,
    serverNodeId: agent.serverNodeId,
    version: AGENT_VERSION,
  });
  out(`${lines.join('\n')}\n`);
  sink.open();
  const signal = await stop;
  out(`==> Caught signal: ${signal}\n`);
  const leave =
    (signal === 'interrupt' && config.leaveOnInterrupt) ||
    (signal === 'terminated' && config.leaveOnTerminate);
  if (leave) out('==> Gracefully shutting down agent...\n');
  const timer = setTimeout(() => {
    err(`==> Shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms: exiting\n`);
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  try {
    await agent.shutdown({ leave });
  } catch (e) {
    err(`==> Error shutting down: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
  return 0;
}
