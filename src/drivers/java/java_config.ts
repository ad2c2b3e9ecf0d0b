/** The java driver's config block (Nomad's keys) and the JVM command line it becomes. */
import { validateAgainstSchema, type ConfigSchema } from '../config_schema.ts';
import { modeOf, validateIsolationKeys } from '../exec/exec_config.ts';

export const JAVA_CONFIG_SCHEMA: ConfigSchema = {
  class: { type: 'string' },
  class_path: { type: 'string' },
  jar_path: { type: 'string' },
  jvm_options: { type: 'string[]' },
  args: { type: 'string[]' },
  pid_mode: { type: 'string' },
  ipc_mode: { type: 'string' },
  cap_add: { type: 'string[]' },
  cap_drop: { type: 'string[]' },
  work_dir: { type: 'string' },
};

export interface JavaTaskConfig {
  className: string;
  classPath: string;
  jarPath: string;
  jvmOptions: string[];
  args: string[];
  pidMode: 'private' | 'host';
  ipcMode: 'private' | 'host';
  capAdd: string[];
  capDrop: string[];
  workDir: string;
}

export function validateJavaConfig(config: Record<string, unknown>): string[] {
  const errors = validateAgainstSchema(config, JAVA_CONFIG_SCHEMA);
  if (errors.length > 0) return errors;
  const has = (k: string): boolean => typeof config[k] === 'string' && config[k] !== '';
  if (!has('class') && !has('jar_path')) {
    errors.push('Invalid driver config: "jar_path" or "class" must be set');
  }
  return [...errors, ...validateIsolationKeys(config)];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

export function parseJavaConfig(config: Record<string, unknown>): JavaTaskConfig {
  return {
    className: str(config['class']),
    classPath: str(config['class_path']),
    jarPath: str(config['jar_path']),
    jvmOptions: strs(config['jvm_options']),
    args: strs(config['args']),
    pidMode: modeOf(config['pid_mode']),
    ipcMode: modeOf(config['ipc_mode']),
    capAdd: strs(config['cap_add']),
    capDrop: strs(config['cap_drop']),
    workDir: str(config['work_dir']),
  };
}

/**
 * The JVM's arguments, in Nomad's order: jvm_options, then -cp, then -jar <jar> (or the class), then
 * the task's args. With both a jar and a class, the class is run with the jar on the class path.
 */
export function javaArgs(c: JavaTaskConfig): string[] {
  const out = [...c.jvmOptions];
  const classPath = [c.classPath, c.className !== '' && c.jarPath !== '' ? c.jarPath : '']
    .filter((p) => p !== '')
    .join(':');
  if (classPath !== '') out.push('-cp', classPath);
  if (c.className !== '') out.push(c.className);
  else out.push('-jar', c.jarPath);
  return [...out, ...c.args];
}
