/** deployment promote, fail, pause and resume: one shape, four actions. */
import type { DeploymentUpdateResponse, NomadClient } from '../api/index.ts';
import type { Command } from './command.ts';
import { commandErrorText, defineCommand } from './command.ts';
import { findDeployment } from './deployment_lookup.ts';
import { CliError, errorText, idLength } from './lookup.ts';
import { EvalMonitor } from './monitor.ts';

interface Action {
  name: 'promote' | 'fail' | 'pause' | 'resume';
  description: string;
  extraFlags: boolean;
  call(api: NomadClient, id: string, groups: string[]): Promise<DeploymentUpdateResponse>;
  done(id: string, res: DeploymentUpdateResponse): string;
  /** Whether an evaluation the action created is followed. */
  monitor: boolean;
  failure: string;
}

function actionCommand(a: Action): Command {
  return defineCommand({
    name: `deployment ${a.name}`,
    usage: `nomad deployment ${a.name} [options] <deployment id>`,
    description: a.description,
    flags: { detach: { kind: 'bool' }, verbose: { kind: 'bool' }, group: { kind: 'list' } },
    optionsTitle: `${a.name[0]!.toUpperCase()}${a.name.slice(1)} Options`,
    options: [
      ['-detach', 'Returns right away instead of following the evaluation the change creates.'],
      ['-verbose', 'Shows full IDs.'],
      ...(a.name === 'promote'
        ? [['-group', "Promotes only this group's canaries. Repeat it for more groups."] as [string, string]]
        : []),
    ],
    async run({ flags, args, ui, io, client }) {
      if (args.length !== 1) {
        ui.error('This command takes one argument: <deployment id>');
        ui.error(commandErrorText(`deployment ${a.name}`));
        return 1;
      }
      const api = client();
      const length = idLength(flags.verbose);
      try {
        const d = await findDeployment(api, args[0]!, length);
        const res = await a.call(api, d.ID, flags.group);
        const message = a.done(d.ID, res);
        if (message !== '') ui.output(message);
        if (flags.detach || !a.monitor || res.EvalID === '') return 0;
        ui.output('');
        return await new EvalMonitor({ client: api, ui, io, length }).monitor(res.EvalID);
      } catch (err) {
        ui.error(err instanceof CliError ? err.message : `${a.failure}: ${errorText(err)}`);
        return 1;
      }
    },
  });
}

export const promote = actionCommand({
  name: 'promote',
  description: `Promotes the canaries of a deployment, so that the rolling update continues
with the rest of the allocations. Without -group, every group is promoted.`,
  extraFlags: true,
  call: async (api, id, groups) =>
    (groups.length === 0
      ? await api.deployments.promoteAll(id)
      : await api.deployments.promoteGroups(id, groups)
    ).data,
  done: () => '',
  monitor: true,
  failure: 'Error promoting deployment',
});

export const fail = actionCommand({
  name: 'fail',
  description: `Marks a running deployment as failed. A job with auto_revert goes back to its
last stable version.`,
  extraFlags: false,
  call: async (api, id) => (await api.deployments.fail(id)).data,
  done: (id, res) =>
    res.RevertedJobVersion !== null && res.RevertedJobVersion !== undefined
      ? `Deployment "${id}" failed. Auto-reverted to job version ${res.RevertedJobVersion}.\n`
      : `Deployment "${id}" failed`,
  monitor: true,
  failure: 'Error failing deployment',
});

export const pause = actionCommand({
  name: 'pause',
  description: 'Pauses a deployment: no new allocations are placed for it until it is resumed.',
  extraFlags: false,
  call: async (api, id) => (await api.deployments.pause(id, true)).data,
  done: (id) => `Deployment "${id}" paused`,
  monitor: false,
  failure: 'Error pausing deployment',
});

export const resume = actionCommand({
  name: 'resume',
  description: 'Resumes a paused deployment.',
  extraFlags: false,
  call: async (api, id) => (await api.deployments.pause(id, false)).data,
  done: (id) => `Deployment "${id}" resumed`,
  monitor: true,
  failure: 'Error resuming deployment',
});
