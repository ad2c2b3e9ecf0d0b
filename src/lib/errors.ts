/**
 * Errors are values with a kind. Each kind maps to one HTTP status in one table, so every layer
 * agrees on what a refusal means. Messages say what was refused and why, quoting values.
 */
export type ErrorKind =
  | 'bad_request' // malformed input: 400
  | 'validation' // well-formed but invalid: 400
  | 'permission_denied' // 403
  | 'not_found' // 404
  | 'method_not_allowed' // 405
  | 'conflict' // check-index and similar: 409 in our API, shown as 400 by Nomad for job register
  | 'too_large' // 413
  | 'unavailable' // no leader, shutting down: 503
  | 'timeout' // 504
  | 'internal'; // 500

export const HTTP_STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  bad_request: 400,
  validation: 400,
  permission_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 400,
  too_large: 413,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

export class NomadError extends Error {
  override name = 'NomadError';
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

export const badRequest = (message: string, cause?: unknown): NomadError =>
  new NomadError('bad_request', message, cause === undefined ? undefined : { cause });
export const notFound = (message: string): NomadError => new NomadError('not_found', message);
export const validationError = (message: string): NomadError => new NomadError('validation', message);

/** Collected validation errors: every problem found, each named by its path. */
export class MultiError extends NomadError {
  override name = 'MultiError';
  readonly errors: readonly string[];
  constructor(errors: readonly string[], kind: ErrorKind = 'validation') {
    super(kind, MultiError.format(errors));
    this.errors = errors;
  }
  static format(errors: readonly string[]): string {
    if (errors.length === 1) return errors[0]!;
    return `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}`;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
