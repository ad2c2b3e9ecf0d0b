/**
 * Checking a task's driver config block against the driver's schema: every unknown key and every
 * wrong type is reported, each naming the key, as Nomad's HCL spec decoding does.
 */

export type FieldType =
  'string' | 'number' | 'bool' | 'duration' | 'string[]' | 'map[string]string' | 'object' | 'object[]';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
}

export type ConfigSchema = Readonly<Record<string, FieldSpec>>;

/** Durations are Go-style strings ("10s", "1m30s") or integer nanoseconds. */
const DURATION_RE = /^([+-]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+|0)$/;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v;
}

function matches(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'duration':
      return (
        (typeof v === 'string' && DURATION_RE.test(v.trim())) ||
        (typeof v === 'number' && Number.isInteger(v))
      );
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'map[string]string':
      return isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string');
    case 'object':
      return isPlainObject(v);
    case 'object[]':
      return Array.isArray(v) && v.every(isPlainObject);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns one message per problem, in key order; [] when the config is valid. */
export function validateAgainstSchema(config: Record<string, unknown>, schema: ConfigSchema): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(config).sort()) {
    const spec = schema[key];
    if (spec === undefined) {
      errors.push(`Invalid driver config: unsupported argument "${key}"`);
      continue;
    }
    const v = config[key];
    if (!matches(spec.type, v)) {
      errors.push(
        `Invalid driver config: "${key}" must be of type ${spec.type}: current value is ${JSON.stringify(v)} (${typeOf(v)})`,
      );
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.required === true && (config[key] === undefined || config[key] === '')) {
      errors.push(`Invalid driver config: missing required argument "${key}"`);
    }
  }
  return errors;
}
