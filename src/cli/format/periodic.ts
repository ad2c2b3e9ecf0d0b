import { formatDuration } from '../../lib/duration.ts';
import { nextLaunchMs } from '../../structs/cron_next.ts';
import type { Job } from '../../structs/job.ts';
import { formatTime } from './time.ts';

/**
 * "2027-01-01T00:00:00Z (870h29m20s from now)": a periodic job's next launch after now, as Nomad's
 * `job run` and `job status` print it (the gap in whole seconds, as a Go duration); null when the
 * job has no next launch.
 */
export function nextLaunchText(job: Pick<Job, 'Periodic'>, nowMs: number): string | null {
  const next = nextLaunchMs(job, nowMs);
  if (next === undefined) return null;
  const gapNs = (Math.floor(next / 1000) - Math.floor(nowMs / 1000)) * 1e9;
  return `${formatTime(next)} (${formatDuration(gapNs)} from now)`;
}
