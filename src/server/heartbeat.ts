/**
 * Heartbeat timers (leader only): each live node must heartbeat within its TTL plus a grace period,
 * or it is declared down. The TTL scales with the number of nodes so the leader handles at most
 * MaxHeartbeatsPerSecond heartbeats on average, never below MinHeartbeatTTL, plus a random stagger
 * so that nodes registered together do not heartbeat together (Nomad's nomad/heartbeat.go).
 */
import type { Clock, TimerId } from '../lib/clock.ts';
import type { Rng } from '../lib/random.ts';

export const MIN_HEARTBEAT_TTL_MS = 10_000;
export const MAX_HEARTBEATS_PER_SECOND = 50;
export const HEARTBEAT_GRACE_MS = 10_000;
/** After a leader election every node gets this long to check in with the new leader. */
export const FAILOVER_HEARTBEAT_TTL_MS = 300_000;

export interface HeartbeatOptions {
  clock: Clock;
  rng: Rng;
  /** Called once when a node's timer runs out; the server marks the node down. */
  onExpire: (nodeId: string) => void;
  minTtlMs?: number;
  maxHeartbeatsPerSecond?: number;
  graceMs?: number;
  failoverTtlMs?: number;
}

/** max(min, n / rate): the interval that keeps n periodic events at `rate` per second. */
export function rateScaledIntervalMs(ratePerSecond: number, minMs: number, n: number): number {
  const intervalMs = (n / ratePerSecond) * 1000;
  return Math.max(minMs, intervalMs);
}

export class HeartbeatTimers {
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #onExpire: (nodeId: string) => void;
  readonly #minTtlMs: number;
  readonly #maxPerSecond: number;
  readonly #graceMs: number;
  readonly #failoverTtlMs: number;
  #timers = new Map<string, TimerId>();

  constructor(opts: HeartbeatOptions) {
    this.#clock = opts.clock;
    this.#rng = opts.rng;
    this.#onExpire = opts.onExpire;
    this.#minTtlMs = opts.minTtlMs ?? MIN_HEARTBEAT_TTL_MS;
    this.#maxPerSecond = opts.maxHeartbeatsPerSecond ?? MAX_HEARTBEATS_PER_SECOND;
    this.#graceMs = opts.graceMs ?? HEARTBEAT_GRACE_MS;
    this.#failoverTtlMs = opts.failoverTtlMs ?? FAILOVER_HEARTBEAT_TTL_MS;
  }

  /**
   * Leadership gained: gives every node that is not down the failover TTL, since the old leader's
   * timers are gone and nodes need time to find the new leader.
   */
  initialize(nodeIds: Iterable<string>): void {
    this.clearAll();
    for (const id of nodeIds) this.#arm(id, this.#failoverTtlMs);
  }

  /** A heartbeat arrived: restarts the node's timer and returns the TTL to tell the client. */
  reset(nodeId: string): number {
    const base = rateScaledIntervalMs(this.#maxPerSecond, this.#minTtlMs, this.#timers.size);
    const ttlMs = Math.round(base + this.#rng.next() * base);
    this.#arm(nodeId, ttlMs + this.#graceMs);
    return ttlMs;
  }

  /** The node left, went down, or was deregistered: no timer. */
  clear(nodeId: string): void {
    const t = this.#timers.get(nodeId);
    if (t === undefined) return;
    this.#clock.clearTimer(t);
    this.#timers.delete(nodeId);
  }

  clearAll(): void {
    for (const t of this.#timers.values()) this.#clock.clearTimer(t);
    this.#timers.clear();
  }

  has(nodeId: string): boolean {
    return this.#timers.has(nodeId);
  }

  count(): number {
    return this.#timers.size;
  }

  #arm(nodeId: string, delayMs: number): void {
    const old = this.#timers.get(nodeId);
    if (old !== undefined) this.#clock.clearTimer(old);
    const timer = this.#clock.setTimer(delayMs, () => {
      if (this.#timers.get(nodeId) !== timer) return;
      this.#timers.delete(nodeId);
      this.#onExpire(nodeId);
    });
    this.#timers.set(nodeId, timer);
  }
}
