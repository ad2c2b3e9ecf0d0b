/** Task configs for the isolated drivers' tests (exec, java): a fresh alloc dir laid out as Nomad's. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskConfig } from '../driver.ts';

let seq = 0;

export function isolatedTaskConfig(
  root: string,
  driverConfig: Record<string, unknown>,
  extra: Partial<TaskConfig> = {},
): TaskConfig {
  seq += 1;
  const allocId = `${String(seq).padStart(8, '0')}-test-4000-8000-${process.pid}`;
  const allocDir = join(root, allocId);
  const taskName = 'task';
  for (const d of [
    'alloc/logs',
    'alloc/data',
    'alloc/tmp',
    `${taskName}/local`,
    `${taskName}/secrets`,
    `${taskName}/tmp`,
  ]) {
    mkdirSync(join(allocDir, d), { recursive: true });
  }
  return {
    id: `${allocId}/${taskName}`,
    allocId,
    taskName,
    jobName: 'job',
    groupName: 'group',
    namespace: 'default',
    env: {},
    user: '',
    driverConfig,
    resources: { cpuMhz: 100, cores: 0, memoryMb: 64, memoryMaxMb: 0 },
    ports: [],
    allocDir,
    taskDir: join(allocDir, taskName),
    stdoutPath: join(allocDir, 'alloc/logs', `${taskName}.stdout.0`),
    stderrPath: join(allocDir, 'alloc/logs', `${taskName}.stderr.0`),
    ...extra,
  };
}
