/** The event stream (/v1/event/stream): newline-delimited JSON, one line per index, `{}` heartbeats. */
import { jsonLines, untilAborted } from './client.ts';
import type { HttpTransport, QueryOptions } from './client.ts';
import type { StreamEvents } from './types.ts';

/** The longest event line accepted (an event carries a whole job or allocation). */
export const MAX_EVENT_LINE_BYTES = 16 * 1024 * 1024;

export interface EventStreamOptions {
  /** Topic -> keys; "*" matches every key. Empty = every topic. */
  topics?: Record<string, readonly string[]>;
  /** Start after this index (0 = from now, with what the buffer still holds). */
  index?: number;
  namespace?: string;
  signal?: AbortSignal;
}

export class EventStream {
  readonly #t: HttpTransport;
  constructor(transport: HttpTransport) {
    this.#t = transport;
  }

  /** Yields each batch of events; ends (without an error) when the signal aborts or the agent closes the stream. */
  async *stream(opts: EventStreamOptions = {}): AsyncGenerator<StreamEvents> {
    const topic: string[] = [];
    for (const [t, keys] of Object.entries(opts.topics ?? {})) for (const k of keys) topic.push(`${t}:${k}`);
    const q: QueryOptions = {
      params: { topic, index: String(opts.index ?? 0) },
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    yield* untilAborted(
      opts.signal,
      async function* (t) {
        const res = await t.stream('/v1/event/stream', q);
        for await (const line of jsonLines(res, MAX_EVENT_LINE_BYTES)) {
          const batch = line as Partial<StreamEvents>;
          if (batch.Events === undefined) continue; // heartbeat
          yield batch as StreamEvents;
        }
      },
      this.#t,
    );
  }
}
