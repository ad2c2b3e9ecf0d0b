import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReschedulePolicy } from '../structs/job.ts';
import { nextDelayNs, nextRescheduleEvents, nextRescheduleTime } from './reschedule.ts';
import { mockAlloc, mockJob } from './testing/mock.ts';

const S = 1e9;

function failedAlloc(policy: Partial<ReschedulePolicy>, delays: number[], failedAtNs = 1000 * S) {
  const job = mockJob(
    { Type: 'service' },
    {
      ReschedulePolicy: {
        Attempts: 0,
        Interval: 0,
        Delay: 5 * S,
        DelayFunction: 'constant',
        MaxDelay: 0,
        Unlimited: true,
        ...policy,
      },
    },
  );
  const events = delays.map((d, i) => ({
    RescheduleTime: failedAtNs - (delays.length - i) * 10 * S,
    PrevAllocID: `p${i}`,
    PrevNodeID: `n${i}`,
    Delay: d,
  }));
  return mockAlloc(job, 0, 'n', {
    ClientStatus: 'failed',
    ModifyTime: failedAtNs,
    RescheduleTracker: events.length === 0 ? null : { Events: events },
  });
}

test('nextDelayNs() keeps a constant delay', () => {
  assert.equal(nextDelayNs(failedAlloc({}, [5 * S, 5 * S])), 5 * S);
});

test('nextDelayNs() doubles an exponential delay up to max_delay', () => {
  assert.equal(nextDelayNs(failedAlloc({ DelayFunction: 'exponential', MaxDelay: 60 * S }, [])), 5 * S);
  assert.equal(nextDelayNs(failedAlloc({ DelayFunction: 'exponential', MaxDelay: 60 * S }, [5 * S])), 10 * S);
  assert.equal(
    nextDelayNs(
      failedAlloc({ DelayFunction: 'exponential', MaxDelay: 60 * S }, [5 * S, 10 * S, 20 * S, 40 * S]),
    ),
    60 * S,
  );
});

test('nextDelayNs() follows the fibonacci series', () => {
  const p = { DelayFunction: 'fibonacci', MaxDelay: 100 * S };
  assert.equal(nextDelayNs(failedAlloc(p, [5 * S])), 5 * S);
  assert.equal(nextDelayNs(failedAlloc(p, [5 * S, 5 * S])), 10 * S);
  assert.equal(nextDelayNs(failedAlloc(p, [5 * S, 5 * S, 10 * S])), 15 * S);
});

test('nextDelayNs() starts over once a capped delay has long passed', () => {
  const a = failedAlloc({ DelayFunction: 'exponential', MaxDelay: 8 * S }, [8 * S]);
  // The last reschedule was 10s before the failure, more than the 8s cap: back to the base delay.
  assert.equal(nextDelayNs(a), 5 * S);
});

test('nextRescheduleTime() allows attempts within the interval and no more', () => {
  const policy = { Unlimited: false, Attempts: 2, Interval: 3600 * S };
  assert.deepEqual(nextRescheduleTime(failedAlloc(policy, [])), { timeNs: 1005 * S, eligible: true });
  assert.equal(nextRescheduleTime(failedAlloc(policy, [5 * S])).eligible, true);
  assert.equal(nextRescheduleTime(failedAlloc(policy, [5 * S, 5 * S])).eligible, false);
});

test('nextRescheduleTime() does not reschedule an allocation that is not failed', () => {
  const a = { ...failedAlloc({}, []), ClientStatus: 'complete' as const };
  assert.equal(nextRescheduleTime(a).eligible, false);
});

test('nextRescheduleEvents() appends the new attempt with its delay', () => {
  const prev = failedAlloc({ DelayFunction: 'exponential', MaxDelay: 60 * S }, [5 * S]);
  const events = nextRescheduleEvents(prev, 2000 * S);
  assert.equal(events.length, 2);
  assert.deepEqual(events[1], {
    RescheduleTime: 2000 * S,
    PrevAllocID: prev.ID,
    PrevNodeID: 'n',
    Delay: 10 * S,
  });
});
