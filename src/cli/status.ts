import type { NomadClient } from '../api/index.ts';
import type { Command } from './command.ts';
import { defineCommand } from './command.ts';
import { errorText } from './lookup.ts';

type Context = 'jobs' | 'evals' | 'allocs' | 'nodes' | 'deployment' | 'namespaces';

const ROUTES: Readonly<Record<Context, () => Promise<Command>>> = {
  jobs: async () => (await import('./job_status.ts')).command,
  evals: async () => (await import('./eval_status.ts')).command,
  allocs: async () => (await import('./alloc_status.ts')).command,
  nodes: async () => (await import('./node_status.ts')).command,
  deployment: async () => (await import('./deployment_status.ts')).command,
  namespaces: async () => (await import('./namespace_list.ts')).command,
};

const TITLES: Readonly<Record<string, string>> = {
  jobs: 'Jobs',
  evals: 'Evals',
  allocs: 'Allocs',
  nodes: 'Nodes',
  deployment: 'Deployment',
  namespaces: 'Namespaces',
};

export const command = defineCommand({
  name: 'status',
  usage: 'nomad status [options] <identifier>',
  description: `Shows whatever the identifier names: a job, an allocation, a node, an
evaluation or a deployment, by its ID or a prefix of it. Without an
identifier, lists the jobs.`,
  flags: { verbose: { kind: 'bool' }, ui: { kind: 'bool' } },
  optionsTitle: 'Status Options',
  options: [['-verbose', 'Shows full IDs and more detail.']],
  async run({ args, argv, ui, io, client }) {
    const original = [...argv];
    if (args.length === 0) return (await ROUTES.jobs()).run(original, io);
    const id = args[args.length - 1]!;
    let matches: Record<string, string[]>;
    try {
      matches = await searchAll(client(), id);
    } catch (err) {
      ui.error(`Error querying search with id: "${errorText(err)}"`);
      return 1;
    }
    const contexts = Object.entries(matches).filter(([ctx, ids]) => ids.length > 0 && ctx in ROUTES);
    const exact = contexts.filter(([, ids]) => ids[0] === id);
    let match: string | undefined;
    if (exact.length === 1) match = exact[0]![0];
    else if (exact.length === 0 && contexts.length === 1 && contexts[0]![1].length === 1)
      match = contexts[0]![0];
    if (match === undefined) {
      if (contexts.length === 0) {
        ui.error(`No matches returned for query: "${id}"`);
        return 1;
      }
      ui.error(`Multiple matches found for id "${id}"`);
      for (const [ctx, ids] of contexts) ui.error(`\n${TITLES[ctx] ?? ctx}:\n${ids.join(', ')}`);
      return 1;
    }
    return (await ROUTES[match as Context]()).run(original, io);
  },
});

/** Prefix search across contexts; falls back to one prefix list per kind when search is missing. */
async function searchAll(api: NomadClient, id: string): Promise<Record<string, string[]>> {
  try {
    return (await api.search.prefixSearch(id, 'all')).data.Matches ?? {};
  } catch {
    const ids = <T extends { ID: string }>(p: Promise<{ data: T[] | null }>): Promise<string[]> =>
      p.then(
        (r) => (r.data ?? []).map((x) => x.ID),
        () => [],
      );
    const [jobs, evals, allocs, nodes, deployment] = await Promise.all([
      ids(api.jobs.prefixList(id)),
      ids(api.evaluations.prefixList(id)),
      ids(api.allocations.prefixList(id)),
      ids(api.nodes.prefixList(id)),
      ids(api.deployments.prefixList(id)),
    ]);
    return { jobs, evals, allocs, nodes, deployment };
  }
}
