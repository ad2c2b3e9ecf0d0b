/**
 * The HTTP API's view of the local client (src/http/backend.ts ClientEndpoints): the allocation
 * file system, host and allocation stats, and task restarts and signals, over the Client class.
 */
import type { Client } from '../client/client.ts';
import { AllocFs } from '../client/fs.ts';
import { allocStats, HostStatsCollector } from '../client/stats.ts';
import type { AllocRunner } from '../client/allocrunner/alloc_runner.ts';
import type { ClientEndpoints } from '../http/backend.ts';
import { NomadError } from '../lib/errors.ts';

export interface ClientAdapterOptions {
  /** The servers this client talks to, as "host:port". */
  servers: () => string[];
  setServers: (addresses: readonly string[]) => void;
  nowMs?: () => number;
}

export function adaptClient(client: Client, opts: ClientAdapterOptions): ClientEndpoints {
  const fs = new AllocFs(client.allocDir);
  const collector = new HostStatsCollector();
  const now = opts.nowMs ?? Date.now;
  const runner = (id: string): AllocRunner => {
    const ar = client.allocRunner(id);
    if (ar === undefined) throw new NomadError('not_found', `Unknown allocation "${id}"`);
    return ar;
  };
  const tasksOf = (ar: AllocRunner, task: string): string[] => {
    if (task === '') return [...ar.taskNames];
    if (!ar.taskNames.includes(task)) throw new NomadError('bad_request', `Failed to find task "${task}"`);
    return [task];
  };
  return {
    nodeId: () => client.node.ID,
    servers: opts.servers,
    setServers: opts.setServers,
    hostStats: async () => collector.collect(client.allocDir, now()),
    allocStats: async (id, task) => {
      const usage = await allocStats(runner(id), now());
      if (task === '') return usage;
      const one = usage.Tasks[task];
      if (one === undefined) throw new NomadError('bad_request', `Failed to find task "${task}"`);
      return { ...usage, ResourceUsage: one.ResourceUsage, Tasks: { [task]: one } };
    },
    restartAlloc: async (id, task) => {
      const ar = runner(id);
      for (const name of tasksOf(ar, task)) await ar.taskRunner(name)?.restart('User requested restart');
    },
    signalAlloc: async (id, task, signal) => {
      const ar = runner(id);
      for (const name of tasksOf(ar, task))
        await ar.taskRunner(name)?.signal(signal, 'User requested signal');
    },
    fsList: async (id, path) => fs.ls(id, path),
    fsStat: async (id, path) => fs.stat(id, path),
    fsReadAt: async (id, path, offset, limit) => fs.readAt(id, path, offset, limit),
  };
}
