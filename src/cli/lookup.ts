/**
 * Finding an object from what the user typed: a full ID, or a prefix of one. Nomad's rules: a
 * one-character prefix is refused; an odd-length UUID prefix loses its last character (the server
 * matches whole hex bytes); several matches print a table instead of guessing.
 */
import type { JobListStub, NomadClient } from '../api/index.ts';
import type { AllocListStub } from '../structs/allocation.ts';
import { formatList, shortId } from './format/columns.ts';
import { formatTime, nsToMs } from './format/time.ts';

export const FULL_ID_LENGTH = 36;

/** A failure that the command prints as it is (already in Nomad's words) and exits 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Drops a trailing half byte from a UUID prefix, as Nomad does before a prefix search. */
export function sanitizeUUIDPrefix(prefix: string): string {
  const hyphens = [...prefix].filter((c) => c === '-').length;
  const length = prefix.length - hyphens;
  return length % 2 === 0 ? prefix : prefix.slice(0, -1);
}

export function checkPrefixLength(id: string): void {
  if (id.length === 1) throw new CliError('Identifier must contain at least two characters.');
}

export function jobStatusString(status: string, stop: boolean): string {
  return stop ? `${status} (stopped)` : status;
}

export function jobTypeString(job: Pick<JobListStub, 'Type' | 'Periodic' | 'ParameterizedJob'>): string {
  let t = job.Type;
  if (job.Periodic) t += '/periodic';
  if (job.ParameterizedJob) t += '/parameterized';
  return t;
}

export function formatJobList(jobs: readonly JobListStub[], withNamespace: boolean): string {
  const rows = [
    withNamespace ? 'ID|Namespace|Type|Priority|Status|Submit Date' : 'ID|Type|Priority|Status|Submit Date',
  ];
  for (const j of jobs) {
    const cells = [
      j.ID,
      ...(withNamespace ? [j.Namespace] : []),
      jobTypeString(j),
      String(j.Priority),
      jobStatusString(j.Status, j.Stop),
      formatTime(nsToMs(j.SubmitTime)),
    ];
    rows.push(cells.join('|'));
  }
  return formatList(rows);
}

/** The one job a prefix names; an exact ID wins over longer IDs that start with it. */
export async function jobIdByPrefix(
  client: NomadClient,
  prefix: string,
  opts: { allNamespaces?: boolean } = {},
): Promise<{ id: string; namespace: string }> {
  let jobs: JobListStub[];
  try {
    jobs = (await client.jobs.prefixList(prefix)).data ?? [];
  } catch (err) {
    throw new CliError(`Error querying job prefix "${prefix}": ${(err as Error).message}`);
  }
  if (jobs.length === 0) throw new CliError(`No job(s) with prefix or ID "${prefix}" found`);
  const exact = jobs.find((j) => j.ID === prefix);
  if (jobs.length > 1 && exact === undefined) {
    throw new CliError(
      `Prefix "${prefix}" matched multiple jobs\n\n${formatJobList(jobs, opts.allNamespaces === true)}`,
    );
  }
  const job = exact ?? jobs[0]!;
  return { id: job.ID, namespace: job.Namespace };
}

/** Result of a prefix lookup among IDs: one match, several, or none. */
export type PrefixResult<T> = { kind: 'one'; item: T } | { kind: 'many'; items: T[] } | { kind: 'none' };

export async function byPrefix<T extends { ID: string }>(
  id: string,
  list: (prefix: string) => Promise<T[] | null>,
): Promise<PrefixResult<T>> {
  checkPrefixLength(id);
  const prefix = sanitizeUUIDPrefix(id);
  const items = (await list(prefix)) ?? [];
  const exact = items.find((i) => i.ID === id);
  if (exact !== undefined) return { kind: 'one', item: exact };
  if (items.length === 0) return { kind: 'none' };
  if (items.length === 1) return { kind: 'one', item: items[0]! };
  return { kind: 'many', items };
}

/**
 * The allocation `-job` picks (Nomad's getRandomJobAlloc): one of the job's running allocations, or
 * of all its allocations when none runs. Nomad picks at random; we pick the newest, so a user who
 * runs the command twice reads the same allocation.
 */
export async function jobAllocId(client: NomadClient, jobPrefix: string, group: string): Promise<string> {
  const { id, namespace } = await jobIdByPrefix(client, jobPrefix);
  let allocs: AllocListStub[];
  try {
    allocs = (await client.jobs.allocations(id, false, { namespace })).data ?? [];
  } catch (err) {
    throw new CliError(`Error fetching allocations: error querying job "${id}": ${errorText(err)}`);
  }
  if (allocs.length === 0)
    throw new CliError(`Error fetching allocations: job "${id}" doesn't exist or it has no allocations`);
  if (group !== '') {
    allocs = allocs.filter((a) => a.TaskGroup === group);
    if (allocs.length === 0)
      throw new CliError(
        `Error fetching allocations: task group "${group}" doesn't exist or it has no allocations`,
      );
  }
  const running = allocs.filter((a) => a.ClientStatus === 'running');
  const pool = running.length > 0 ? running : allocs;
  return pool.reduce((a, b) => (b.CreateIndex > a.CreateIndex ? b : a)).ID;
}

export function idLength(verbose: boolean): number {
  return verbose ? FULL_ID_LENGTH : 8;
}

export function limitId(id: string, length: number): string {
  return length >= FULL_ID_LENGTH ? id : shortId(id);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
