/** Time comes in through this interface, so pure cores and the simulator can drive it. */
export type TimerId = { readonly __timer: true };

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  setTimer(delayMs: number, fn: () => void): TimerId;
  clearTimer(id: TimerId): void;
}

export const NS_PER_MS = 1_000_000;
export const NS_PER_S = 1_000_000_000;
export const msToNs = (ms: number): number => Math.round(ms * NS_PER_MS);
export const nsToMs = (ns: number): number => ns / NS_PER_MS;
