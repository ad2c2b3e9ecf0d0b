import { commandErrorText, defineCommand } from './command.ts';
import { findDeployment } from './deployment_lookup.ts';
import { monitorDeployment } from './deployment_monitor.ts';
import { formatAllocListStubs, formatDeployment } from './formatters.ts';
import { formatOutput } from './format/template.ts';
import { CliError, errorText, idLength } from './lookup.ts';

export const command = defineCommand({
  name: 'deployment status',
  usage: 'nomad deployment status [options] <deployment id>',
  description: 'Shows a deployment (by ID or a prefix of it) and the progress of each task group.',
  flags: {
    verbose: { kind: 'bool' },
    monitor: { kind: 'bool' },
    json: { kind: 'bool' },
    t: { kind: 'string' },
    ui: { kind: 'bool' },
  },
  optionsTitle: 'Status Options',
  options: [
    ['-monitor', 'Follows the deployment until it ends.'],
    ['-verbose', "Shows full IDs and the deployment's allocations."],
    ['-json', 'Prints the deployment as JSON.'],
    ['-t', 'Formats the deployment with a Go template.'],
  ],
  async run({ flags, args, ui, io, client }) {
    const api = client();
    const output = { json: flags.json, template: flags.t };
    const length = idLength(flags.verbose);
    try {
      if (args.length === 0 && (flags.json || flags.t !== '')) {
        ui.output(formatOutput(output, (await api.deployments.list()).data));
        return 0;
      }
      if (args.length !== 1) {
        ui.error('This command takes one argument: <deployment id>');
        ui.error(commandErrorText('deployment status'));
        return 1;
      }
      const d = await findDeployment(api, args[0]!, length);
      if (flags.json || flags.t !== '') {
        ui.output(formatOutput(output, d));
        return 0;
      }
      if (flags.monitor) {
        const status = await monitorDeployment({ client: api, ui, io, length }, d.ID);
        return status === 'successful' ? 0 : 1;
      }
      ui.output(formatDeployment(d, length));
      if (flags.verbose) {
        const allocs = (await api.deployments.allocations(d.ID)).data ?? [];
        ui.output('\n[bold]Allocations[reset]');
        ui.output(formatAllocListStubs(allocs, { verbose: true, length, nowMs: io.nowMs() }));
      }
      return 0;
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error retrieving deployment: ${errorText(err)}`);
      return 1;
    }
  },
});
