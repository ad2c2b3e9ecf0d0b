/** Whether a failed allocation may be rescheduled under its group's policy (Nomad's RescheduleEligible). */
import type { Allocation } from '../structs/allocation.ts';
import type { ReschedulePolicy } from '../structs/job.ts';

/** Attempts made within the policy's interval before failTimeNs. */
export function rescheduleAttempts(
  alloc: Pick<Allocation, 'RescheduleTracker'>,
  policy: ReschedulePolicy,
  failTimeNs: number,
): number {
  const events = alloc.RescheduleTracker?.Events ?? [];
  if (policy.Interval <= 0) return events.length;
  return events.filter((e) => failTimeNs - e.RescheduleTime < policy.Interval).length;
}

export function rescheduleEligible(
  alloc: Pick<Allocation, 'RescheduleTracker'>,
  policy: ReschedulePolicy | null,
  failTimeNs: number,
): boolean {
  if (policy === null) return false;
  if (!(policy.Attempts > 0 || policy.Unlimited)) return false;
  if (policy.Unlimited) return true;
  return rescheduleAttempts(alloc, policy, failTimeNs) < policy.Attempts;
}
