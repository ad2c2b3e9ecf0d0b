/**
 * GET /v1/metrics: the agent's gauges and counters as Nomad's in-memory sink summary (JSON), or,
 * with ?format=prometheus (telemetry.prometheus_metrics), in Prometheus' text format with dots
 * turned into underscores (nomad.client.allocs.running -> nomad_client_allocs_running).
 */
import { badRequest } from '../lib/errors.ts';
import type { MetricsSummary } from '../api/types.ts';
import { ApiContext } from './api_context.ts';
import type { HttpRequest } from './request.ts';
import { RawBody } from './response.ts';

export function registerMetricsRoutes(api: ApiContext): void {
  api.route('GET', '/v1/metrics', async (req) => metrics(api, req));
}

function metrics(api: ApiContext, req: HttpRequest): MetricsSummary | RawBody {
  const format = req.str('format');
  const source = api.backend.metrics;
  if (format === 'prometheus') {
    if (!source.prometheusEnabled) throw badRequest('Prometheus is not enabled');
    return new RawBody('text/plain; version=0.0.4; charset=utf-8', prometheusText(api));
  }
  if (format !== '') throw badRequest(`format must be "prometheus" or empty: got "${format}"`);
  return {
    Timestamp: goTime(new Date()),
    Gauges: source.gauges().map((g) => ({ Name: g.name, Value: g.value, Labels: g.labels })),
    Points: [],
    Counters: source.counters().map((c) => ({
      Name: c.name,
      Count: c.count,
      Rate: c.count,
      Sum: c.sum,
      Min: c.count === 0 ? 0 : c.sum / c.count,
      Max: c.count === 0 ? 0 : c.sum / c.count,
      Mean: c.count === 0 ? 0 : c.sum / c.count,
      Stddev: 0,
      Labels: c.labels,
    })),
    Samples: [],
  };
}

/** Go's time.String() in UTC, as Nomad's summary Timestamp: "2026-01-02 15:04:05 +0000 UTC". */
function goTime(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

function promName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_');
}

function promLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${promName(k)}=${JSON.stringify(v)}`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function prometheusText(api: ApiContext): string {
  const lines: string[] = [];
  const typed = new Set<string>();
  for (const g of api.backend.metrics.gauges()) {
    const n = promName(g.name);
    if (!typed.has(n)) lines.push(`# TYPE ${n} gauge`);
    typed.add(n);
    lines.push(`${n}${promLabels(g.labels)} ${g.value}`);
  }
  for (const c of api.backend.metrics.counters()) {
    const n = promName(c.name);
    if (!typed.has(n)) lines.push(`# TYPE ${n} counter`);
    typed.add(n);
    lines.push(`${n}${promLabels(c.labels)} ${c.sum}`);
  }
  return `${lines.join('\n')}\n`;
}
