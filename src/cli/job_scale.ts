import { defineCommand } from './command.ts';
import { CliError, errorText, jobIdByPrefix } from './lookup.ts';
import { EvalMonitor, monitorLength } from './monitor.ts';

export const command = defineCommand({
  name: 'job scale',
  usage: 'nomad job scale [options] <job> [<group>] <count>',
  description: `Changes the count of a task group. The group may be left out when the job has
only one.`,
  flags: { detach: { kind: 'bool' }, verbose: { kind: 'bool' }, 'policy-override': { kind: 'bool' } },
  optionsTitle: 'Scale Options',
  options: [
    ['-detach', 'Returns right away, printing the evaluation ID.'],
    ['-verbose', 'Shows full IDs.'],
  ],
  async run({ flags, args, ui, io, client }) {
    if (args.length < 2 || args.length > 3) {
      ui.error('Command requires at least two arguments and no more than three');
      return 1;
    }
    const countText = args[args.length - 1]!;
    if (!/^[+-]?\d+$/.test(countText)) {
      ui.error(
        `Failed to convert count string to int: strconv.Atoi: parsing ${JSON.stringify(countText)}: invalid syntax`,
      );
      return 1;
    }
    const api = client();
    try {
      const { id, namespace } = await jobIdByPrefix(api, args[0]!.trim());
      const job = (await api.jobs.info(id, { namespace })).data;
      const group = scaledGroup(
        job.TaskGroups.map((g) => g.Name),
        args.length === 3 ? args[1]! : '',
      );
      const res = (
        await api.jobs.scale(
          id,
          {
            Count: Number(countText),
            Target: { Group: group },
            Message: 'submitted using the Nomad CLI',
            PolicyOverride: flags['policy-override'],
          },
          { namespace },
        )
      ).data;
      if (res.Warnings) ui.output(`[bold][yellow]Job Warnings:\n${res.Warnings}[reset]\n`);
      const parameterized = job.ParameterizedJob !== null;
      if (flags.detach || job.Periodic !== null || parameterized) {
        ui.output('Job scale successful');
        if (!parameterized && job.Periodic === null) ui.output(`Evaluation ID: ${res.EvalID}`);
        return 0;
      }
      return await new EvalMonitor({ client: api, ui, io, length: monitorLength(flags.verbose) }).monitor(
        res.EvalID,
      );
    } catch (err) {
      ui.error(err instanceof CliError ? err.message : `Error submitting scaling request: ${errorText(err)}`);
      return 1;
    }
  },
});

/** The group a scale request names: the one given, or the job's only group (Nomad's performGroupCheck). */
export function scaledGroup(groups: readonly string[], given: string): string {
  if (given === '') {
    if (groups.length > 1) throw new CliError('Group name required');
    if (groups.length === 1) return groups[0]!;
  }
  if (groups.includes(given)) return given;
  throw new CliError(`Group ${given} not found within job`);
}
