/**
 * Rescheduling failed allocations per the group's reschedule policy: when the next attempt may
 * happen (the delay function: constant, exponential or fibonacci, capped by max_delay and reset
 * after a quiet period), and whether any attempt is left (attempts within interval, or unlimited).
 */
import type { Allocation, RescheduleEvent } from '../structs/allocation.ts';
import type { ReschedulePolicy } from '../structs/job.ts';
import { rfc3339ToNs } from './time.ts';

/** Reschedule events kept on an allocation with an unlimited policy (Nomad's maxPastRescheduleEvents). */
export const MAX_PAST_RESCHEDULE_EVENTS = 5;

export function reschedulePolicyOf(alloc: Allocation): ReschedulePolicy | null {
  return alloc.Job?.TaskGroups.find((g) => g.Name === alloc.TaskGroup)?.ReschedulePolicy ?? null;
}

/** When the allocation last changed: the latest task finish, or its modify time. */
export function lastEventTimeNs(alloc: Allocation): number {
  let last = NaN;
  for (const name in alloc.TaskStates ?? {}) {
    const t = rfc3339ToNs(alloc.TaskStates![name]!.FinishedAt);
    if (!Number.isNaN(t) && (Number.isNaN(last) || t > last)) last = t;
  }
  return Number.isNaN(last) ? alloc.ModifyTime : last;
}

/** The delay before the next reschedule of this allocation. */
export function nextDelayNs(
  alloc: Allocation,
  policy: ReschedulePolicy | null = reschedulePolicyOf(alloc),
): number {
  if (policy === null) return 0;
  const events = alloc.RescheduleTracker?.Events ?? [];
  if (events.length === 0) return policy.Delay;
  const last = events[events.length - 1]!;
  let delay: number;
  switch (policy.DelayFunction) {
    case 'exponential':
      delay = last.Delay * 2;
      break;
    case 'fibonacci': {
      delay = policy.Delay;
      if (events.length >= 2) {
        const n1 = last.Delay;
        const n2 = events[events.length - 2]!.Delay;
        // After the ceiling was reached and reset, a new series starts.
        delay = n2 === policy.MaxDelay && n1 === policy.Delay ? n1 : n1 + n2;
      }
      break;
    }
    default:
      return policy.Delay;
  }
  if (policy.MaxDelay > 0 && delay > policy.MaxDelay) {
    delay = policy.MaxDelay;
    // A failure long after the last reschedule starts over from the base delay.
    if (lastEventTimeNs(alloc) - last.RescheduleTime > delay) delay = policy.Delay;
  }
  return delay;
}

/** When the allocation may be rescheduled, and whether it may be at all. */
export function nextRescheduleTime(alloc: Allocation): { timeNs: number; eligible: boolean } {
  const policy = reschedulePolicyOf(alloc);
  const failNs = lastEventTimeNs(alloc);
  if (alloc.DesiredStatus === 'stop' || alloc.ClientStatus !== 'failed' || !(failNs > 0) || policy === null) {
    return { timeNs: 0, eligible: false };
  }
  const delay = nextDelayNs(alloc, policy);
  const events = alloc.RescheduleTracker?.Events ?? [];
  let eligible = policy.Unlimited || (policy.Attempts > 0 && events.length === 0);
  if (policy.Attempts > 0 && events.length > 0) {
    let attempted = 0;
    for (const e of events) if (failNs - e.RescheduleTime < policy.Interval) attempted++;
    eligible = attempted < policy.Attempts && delay < policy.Interval;
  }
  return { timeNs: failNs + delay, eligible };
}

/** The reschedule history a replacement carries: recent events plus this one. */
export function nextRescheduleEvents(prev: Allocation, nowNs: number): RescheduleEvent[] {
  const policy = reschedulePolicyOf(prev);
  const past = prev.RescheduleTracker?.Events ?? [];
  let kept: RescheduleEvent[];
  if (policy !== null && policy.Attempts > 0) {
    kept = policy.Interval > 0 ? past.filter((e) => nowNs - e.RescheduleTime <= policy.Interval) : [];
  } else {
    kept = past.slice(Math.max(0, past.length - MAX_PAST_RESCHEDULE_EVENTS));
  }
  const event: RescheduleEvent = {
    RescheduleTime: nowNs,
    PrevAllocID: prev.ID,
    PrevNodeID: prev.NodeID,
    Delay: nextDelayNs(prev, policy),
  };
  return [...kept.map((e) => ({ ...e })), event];
}
