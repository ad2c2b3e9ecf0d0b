/**
 * GET /v1/event/stream: chunked newline-delimited JSON. Each line is the events of one commit that
 * pass the filters, {"Index":n,"Events":[...]}; "{}" every 30 s keeps an idle stream open. Filters:
 * topic=Topic:Key (repeatable; "*" for any topic or key; a bare topic means every key), namespace
 * ("*" for all), and index to replay what the buffer still holds after it. A reader too slow to
 * keep up is cut off rather than buffered without bound, as Nomad does.
 */
import { badRequest } from '../lib/errors.ts';
import type { StateEvent } from '../state/index.ts';
import { ApiContext } from './api_context.ts';
import type { EventBatch, EventBuffer } from './event_buffer.ts';
import type { HttpRequest } from './request.ts';
import { HttpResponse, STREAMED } from './response.ts';

export const EVENT_HEARTBEAT_MS = 30_000;
/** Batches queued for one slow reader before the stream is closed. */
export const MAX_PENDING_BATCHES = 1_000;
export const EVENT_TOPICS = ['Job', 'Evaluation', 'Allocation', 'Deployment', 'Node', '*'] as const;
/** The most topic filters one request may carry. */
export const MAX_TOPIC_FILTERS = 64;

export function registerEventRoutes(api: ApiContext, buffer: () => EventBuffer): void {
  api.route('GET', '/v1/event/stream', (req, res) => eventStream(buffer(), req, res));
}

/** topic -> keys ("*" = all) from ?topic=; none given means everything. */
export function parseTopics(values: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (values.length > MAX_TOPIC_FILTERS)
    throw badRequest(`Too many topic filters: at most ${MAX_TOPIC_FILTERS}`);
  for (const v of values.length === 0 ? ['*:*'] : values) {
    const colon = v.indexOf(':');
    const topic = colon === -1 ? v : v.slice(0, colon);
    const key = colon === -1 ? '*' : v.slice(colon + 1);
    if (!(EVENT_TOPICS as readonly string[]).includes(topic)) {
      throw badRequest(`Invalid topic "${topic}" in "${v}": must be one of ${EVENT_TOPICS.join(', ')}`);
    }
    if (key === '') throw badRequest(`Invalid topic filter "${v}": the key after ":" is empty`);
    let keys = out.get(topic);
    if (keys === undefined) out.set(topic, (keys = new Set()));
    keys.add(key);
  }
  return out;
}

export function eventMatches(e: StateEvent, topics: Map<string, Set<string>>, namespace: string): boolean {
  if (namespace !== '*' && e.Namespace !== '' && e.Namespace !== namespace) return false;
  for (const topic of [e.Topic, '*']) {
    const keys = topics.get(topic);
    if (keys === undefined) continue;
    if (keys.has('*') || keys.has(e.Key)) return true;
    if (e.FilterKeys !== null && e.FilterKeys.some((k) => keys.has(k))) return true;
  }
  return false;
}

async function eventStream(
  buffer: EventBuffer,
  req: HttpRequest,
  res: HttpResponse,
): Promise<typeof STREAMED> {
  const topics = parseTopics(req.query.getAll('topic'));
  const namespace = req.namespace();
  const index = req.int('index');
  const pending: EventBatch[] = [];
  let wake: (() => void) | undefined;
  let overflow = false;
  const filter = (b: EventBatch): EventBatch | undefined => {
    const events = b.Events.filter((e) => eventMatches(e, topics, namespace));
    return events.length === 0 ? undefined : { Index: b.Index, Events: events };
  };
  const unsubscribe = buffer.subscribe((b) => {
    const f = filter(b);
    if (f === undefined) return;
    if (pending.length >= MAX_PENDING_BATCHES) overflow = true;
    else pending.push(f);
    wake?.();
  });
  try {
    for (const b of buffer.since(index)) {
      const f = filter(b);
      if (f !== undefined) pending.unshift(f);
    }
    pending.sort((a, b) => a.Index - b.Index);
    res.startStream('application/json');
    while (!req.signal.aborted && !overflow) {
      const batch = pending.shift();
      if (batch !== undefined) {
        await res.writeChunk(`${JSON.stringify(batch)}\n`, req.signal);
        continue;
      }
      const timedOut = await waitFor(req.signal, EVENT_HEARTBEAT_MS, (w) => (wake = w));
      wake = undefined;
      if (timedOut) await res.writeChunk('{}\n', req.signal);
    }
  } finally {
    unsubscribe();
    res.raw.end();
  }
  return STREAMED;
}

/** Resolves true after ms, false when woken or aborted first. */
function waitFor(signal: AbortSignal, ms: number, setWake: (w: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (timedOut: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(timedOut);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    setWake(() => finish(false));
  });
}
