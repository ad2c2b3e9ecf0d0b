/** Signal names as job files write them ("SIGINT", "INT", "sigterm") to numbers and back. */
import { constants } from 'node:os';
import { DriverError } from '../driver.ts';

const BY_NAME = constants.signals as Readonly<Record<string, number>>;

/** Parses a signal name; throws a DriverError naming the value when it is unknown. */
export function parseSignal(name: string): { name: NodeJS.Signals; number: number } {
  const upper = name.trim().toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const n = BY_NAME[full];
  if (n === undefined) {
    throw new DriverError(`Unknown signal "${name}"`, { recoverable: false });
  }
  return { name: full as NodeJS.Signals, number: n };
}

export function signalNumber(name: string): number {
  return parseSignal(name).number;
}

export function signalName(n: number): string {
  for (const [name, num] of Object.entries(BY_NAME)) if (num === n) return name;
  return `signal ${n}`;
}
