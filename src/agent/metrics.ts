/**
 * The agent's metrics for /v1/metrics: gauges read when asked (process memory, job and allocation
 * counts from the state store, the client's allocations) and counters the agent increments.
 * Names follow Nomad's (nomad.runtime.*, nomad.nomad.job_status.*, nomad.client.allocs.*).
 */
import type { MetricsSource } from '../http/backend.ts';
import type { StateStore } from '../state/index.ts';

/** Distinct counters kept; more are refused (counted under one overflow name) rather than grown. */
export const MAX_COUNTERS = 1_000;

type Gauge = { name: string; value: number; labels: Record<string, string> };
type Counter = { name: string; count: number; sum: number; labels: Record<string, string> };

export interface AgentMetricsOptions {
  prometheusEnabled: boolean;
  /** Added as the "host" label unless telemetry.disable_hostname. */
  hostname: string;
  store?: StateStore;
  /** The client's allocation counts by client status, when this agent runs a client. */
  clientAllocs?: () => Record<string, number>;
}

export class AgentMetrics implements MetricsSource {
  readonly prometheusEnabled: boolean;
  readonly #opts: AgentMetricsOptions;
  readonly #counters = new Map<string, Counter>();

  constructor(opts: AgentMetricsOptions) {
    this.prometheusEnabled = opts.prometheusEnabled;
    this.#opts = opts;
  }

  #labels(extra: Record<string, string> = {}): Record<string, string> {
    return this.#opts.hostname === '' ? extra : { host: this.#opts.hostname, ...extra };
  }

  incr(name: string, by = 1): void {
    let c = this.#counters.get(name);
    if (c === undefined) {
      if (this.#counters.size >= MAX_COUNTERS) return this.incr('nomad.agent.metrics_overflow', by);
      c = { name, count: 0, sum: 0, labels: this.#labels() };
      this.#counters.set(name, c);
    }
    c.count++;
    c.sum += by;
  }

  counters(): Counter[] {
    return [...this.#counters.values()].map((c) => ({ ...c }));
  }

  gauges(): Gauge[] {
    const out: Gauge[] = [];
    const g = (name: string, value: number, extra?: Record<string, string>): void => {
      out.push({ name, value, labels: this.#labels(extra) });
    };
    const mem = process.memoryUsage();
    g('nomad.runtime.alloc_bytes', mem.heapUsed);
    g('nomad.runtime.total_gc_bytes', mem.heapTotal);
    g('nomad.runtime.sys_bytes', mem.rss);
    const store = this.#opts.store;
    if (store !== undefined) {
      const snap = store.snapshot();
      const byStatus: Record<string, number> = { pending: 0, running: 0, dead: 0 };
      for (const j of snap.jobs()) byStatus[j.Status] = (byStatus[j.Status] ?? 0) + 1;
      for (const [status, n] of Object.entries(byStatus)) g(`nomad.nomad.job_status.${status}`, n);
      g('nomad.nomad.state.latest_index', snap.latestIndex());
      g('nomad.nomad.blocked_queries', store.watcherCount());
    }
    const allocs = this.#opts.clientAllocs?.();
    if (allocs !== undefined) {
      for (const status of ['pending', 'running', 'complete', 'failed']) {
        g(`nomad.client.allocs.${status === 'pending' ? 'start' : status}`, allocs[status] ?? 0);
      }
    }
    return out;
  }
}
