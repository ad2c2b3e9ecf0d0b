/** The exec driver's config block: Nomad's keys, each unknown key and wrong type named. */
import { validateAgainstSchema, type ConfigSchema } from '../config_schema.ts';
import { unknownCapabilities } from './capabilities.ts';

export const EXEC_CONFIG_SCHEMA: ConfigSchema = {
  command: { type: 'string', required: true },
  args: { type: 'string[]' },
  pid_mode: { type: 'string' },
  ipc_mode: { type: 'string' },
  cap_add: { type: 'string[]' },
  cap_drop: { type: 'string[]' },
  work_dir: { type: 'string' },
};

export interface ExecTaskConfig {
  command: string;
  args: string[];
  pidMode: 'private' | 'host';
  ipcMode: 'private' | 'host';
  capAdd: string[];
  capDrop: string[];
  workDir: string;
}

const MODES = ['', 'private', 'host'];

/** Checks of the isolation keys exec and java share: modes and capability names. */
export function validateIsolationKeys(config: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const key of ['pid_mode', 'ipc_mode']) {
    const v = config[key];
    if (typeof v === 'string' && !MODES.includes(v)) {
      errors.push(`Invalid driver config: "${key}" must be "private" or "host": current value is "${v}"`);
    }
  }
  for (const key of ['cap_add', 'cap_drop']) {
    const v = config[key];
    if (!Array.isArray(v)) continue;
    for (const name of unknownCapabilities(v.filter((x): x is string => typeof x === 'string'))) {
      errors.push(`Invalid driver config: "${key}" names an unknown capability "${name}"`);
    }
  }
  return errors;
}

export function validateExecConfig(config: Record<string, unknown>): string[] {
  const errors = validateAgainstSchema(config, EXEC_CONFIG_SCHEMA);
  return errors.length > 0 ? errors : validateIsolationKeys(config);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
export const modeOf = (v: unknown): 'private' | 'host' => (v === 'host' ? 'host' : 'private');

/** Reads a validated config block. */
export function parseExecConfig(config: Record<string, unknown>): ExecTaskConfig {
  return {
    command: str(config['command']),
    args: strs(config['args']),
    pidMode: modeOf(config['pid_mode']),
    ipcMode: modeOf(config['ipc_mode']),
    capAdd: strs(config['cap_add']),
    capDrop: strs(config['cap_drop']),
    workDir: str(config['work_dir']),
  };
}
