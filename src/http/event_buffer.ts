/**
 * The event stream's memory: the events of the last commits (Nomad's event_buffer_size, 100 by
 * default), so a subscriber can start from an index it last saw, and the fan-out to live
 * subscribers. Fed by the state store's event hook from the agent's start.
 */
import type { StateEvent, StateStore } from '../state/index.ts';

export const DEFAULT_EVENT_BUFFER_SIZE = 100;

export interface EventBatch {
  Index: number;
  Events: readonly StateEvent[];
}

export type BatchListener = (batch: EventBatch) => void;

export class EventBuffer {
  readonly #max: number;
  readonly #batches: EventBatch[] = [];
  readonly #listeners = new Set<BatchListener>();
  readonly #unsubscribe: () => void;

  constructor(store: StateStore, max = DEFAULT_EVENT_BUFFER_SIZE) {
    this.#max = max;
    this.#unsubscribe = store.subscribe((index, events) => this.#publish({ Index: index, Events: events }));
  }

  #publish(batch: EventBatch): void {
    this.#batches.push(batch);
    if (this.#batches.length > this.#max) this.#batches.shift();
    for (const l of this.#listeners) l(batch);
  }

  /** The buffered batches after index, oldest first. */
  since(index: number): EventBatch[] {
    return this.#batches.filter((b) => b.Index > index);
  }

  subscribe(listener: BatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#unsubscribe();
    this.#listeners.clear();
  }
}
