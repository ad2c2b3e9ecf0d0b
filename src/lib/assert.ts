/** A broken invariant is a bug: it crashes loudly. Expected conditions are typed errors instead. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Ends a switch over a discriminated union: the compiler proves every case is handled. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
