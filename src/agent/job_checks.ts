/** What the HTTP API needs of job files and job checks: src/jobspec and src/structs, behind two functions. */
import { parseJobFile } from '../jobspec/parse.ts';
import { canonicalizeJob } from '../structs/canonicalize.ts';
import type { Job } from '../structs/job.ts';
import { validateJob } from '../structs/validate.ts';

/** POST /v1/jobs/parse: the job file's text (HCL2 or JSON) with the variables file's text. */
export function parseJobSource(
  source: string,
  opts: { variables: string; canonicalize: boolean },
): Promise<Job> {
  return parseJobFile(source, {
    filename: 'job.nomad.hcl',
    ...(opts.variables === '' ? {} : { varFiles: [{ filename: 'variables.hcl', source: opts.variables }] }),
  });
}

/** Canonicalizes and validates; the errors name each field by its path. */
export function checkJob(job: Job): { job: Job; errors: string[]; warnings: string[] } {
  const canonical = canonicalizeJob(job);
  return { job: canonical, errors: validateJob(canonical), warnings: [] };
}
