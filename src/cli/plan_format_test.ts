import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotateJobDiff, diffJobs } from '../structs/diff.ts';
import { exampleJob } from '../structs/diff_fixture.ts';
import { emptyDesiredUpdates, type PlanAnnotations } from '../structs/plan.ts';
import { colorize } from './ui.ts';
import { formatJobModifyIndex, formatPlan, planExitCode, type PlanOutputInput } from './plan_format.ts';
import type { Job } from '../structs/job.ts';

function planText(oldJob: Job, newJob: Job, annotations: PlanAnnotations, index: number): string {
  const diff = annotateJobDiff(diffJobs(oldJob, newJob, { contextual: true }), annotations);
  const input: PlanOutputInput = {
    diff,
    showDiff: true,
    verbose: false,
    warnings: '',
    failedTGAllocs: null,
    createdEvals: null,
    jobType: 'service',
    nextPeriodicLaunchMs: 0,
    parameterized: false,
    nowMs: 0,
  };
  const text = `${formatPlan(input)}\n${formatJobModifyIndex(index, '', 'example.nomad')}\n`;
  return colorize(text, false);
}

const HINT = (index: number): string => `Job Modify Index: ${index}
To submit the job with version verification run:

nomad job run -check-index ${index} example.nomad

When running the job with the check-index flag, the job will only be run if the
server side version matches the job modify index returned. If the index has
changed, another user has modified the job and the plan's results are
potentially invalid.
`;

test('the plan of a count change prints as in the workshop, byte for byte', () => {
  const next = exampleJob();
  next.TaskGroups[0]!.Count = 3;
  const annotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Place: 2, InPlaceUpdate: 1 } },
    PreemptedAllocs: null,
  };
  const expected = `+/- Job: "example"
+/- Task Group: "cache" (2 create, 1 in-place update)
  +/- Count: "1" => "3" (forces create)
      Task: "redis"

Scheduler dry-run:
- All tasks successfully allocated.

${HINT(7)}`;
  assert.equal(planText(exampleJob(), next, annotations, 7), expected);
});

test('the plan of an image change prints as in the workshop, byte for byte', () => {
  const old = exampleJob();
  old.TaskGroups[0]!.Count = 3;
  const next = structuredClone(old);
  next.TaskGroups[0]!.Tasks[0]!.Config = { image: 'redis:4.0', port_map: [{ db: 6379 }] };
  const annotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Ignore: 2, DestructiveUpdate: 1 } },
    PreemptedAllocs: null,
  };
  const expected = `+/- Job: "example"
+/- Task Group: "cache" (1 create/destroy update, 2 ignore)
  +/- Task: "redis" (forces create/destroy update)
    +/- Config {
      +/- image:           "redis:3.2" => "redis:4.0"
          port_map[0][db]: "6379"
        }

Scheduler dry-run:
- All tasks successfully allocated.

${HINT(1127)}`;
  assert.equal(planText(old, next, annotations, 1127), expected);
});

test('the plan of an unchanged job has no markers and exits 0', () => {
  const annotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Ignore: 2 } },
    PreemptedAllocs: null,
  };
  const text = planText(exampleJob(), exampleJob(), annotations, 9);
  assert.ok(
    text.startsWith(
      'Job: "example"\nTask Group: "cache" (2 ignore)\n  Task: "redis"\n\nScheduler dry-run:\n',
    ),
  );
  const diff = diffJobs(exampleJob(), exampleJob(), { contextual: true });
  assert.equal(planExitCode(diff, annotations), 0);
});

test('the plan of a new job shows it added, with the task forcing create', () => {
  const annotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Place: 1 } },
    PreemptedAllocs: null,
  };
  const diff = annotateJobDiff(diffJobs(null, exampleJob(), { contextual: true }), annotations);
  const text = colorize(
    formatPlan({
      diff,
      showDiff: true,
      verbose: false,
      warnings: '',
      failedTGAllocs: null,
      createdEvals: null,
      jobType: 'service',
      nextPeriodicLaunchMs: 0,
      parameterized: false,
      nowMs: 0,
    }),
    false,
  );
  assert.ok(
    text.startsWith(
      '+ Job: "example"\n+ Task Group: "cache" (1 create)\n  + Task: "redis" (forces create)\n\n',
    ),
  );
  assert.equal(planExitCode(diff, annotations), 1);
});

test('the dry run lists placement failures per group', () => {
  const annotations = {
    DesiredTGUpdates: { cache: { ...emptyDesiredUpdates(), Place: 3 } },
    PreemptedAllocs: null,
  };
  const diff = annotateJobDiff(diffJobs(null, exampleJob(), { contextual: true }), annotations);
  const metric = {
    NodesEvaluated: 1,
    NodesFiltered: 0,
    NodesInPool: 1,
    NodesAvailable: { dc1: 1 },
    ClassFiltered: null,
    ConstraintFiltered: null,
    NodesExhausted: 1,
    ClassExhausted: null,
    DimensionExhausted: { cpu: 1 },
    QuotaExhausted: null,
    ResourcesExhausted: null,
    ScoreMetaData: null,
    AllocationTime: 0,
    CoalescedFailures: 2,
  };
  const text = colorize(
    formatPlan({
      diff,
      showDiff: false,
      verbose: false,
      warnings: '',
      failedTGAllocs: { cache: metric },
      createdEvals: null,
      jobType: 'service',
      nextPeriodicLaunchMs: 0,
      parameterized: false,
      nowMs: 0,
    }),
    false,
  );
  assert.equal(
    text,
    `Scheduler dry-run:
- WARNING: Failed to place all allocations.
  Task Group "cache" (failed to place 3 allocations):
    * Resources exhausted on 1 nodes
    * Dimension "cpu" exhausted on 1 nodes
`,
  );
});
