/** Validation of the blocks a job, a group and a task share: placement rules and policies. */
import type {
  Affinity,
  Constraint,
  DisconnectStrategy,
  JobType,
  MigrateStrategy,
  ParameterizedJobConfig,
  PeriodicConfig,
  ReschedulePolicy,
  RestartPolicy,
  ScalingPolicy,
  Spread,
  UpdateStrategy,
} from './job.ts';
import { CronError, parseCron } from './cron.ts';
import type { Errors } from './validate_util.ts';
import { dur, q, regexpError, validTimeZone, validVersionConstraint } from './validate_util.ts';

const SECOND_NS = 1e9;
export const RESTART_MIN_INTERVAL_NS = 5 * SECOND_NS;
export const RESCHEDULE_MIN_INTERVAL_NS = 15 * SECOND_NS;
export const RESCHEDULE_MIN_DELAY_NS = 5 * SECOND_NS;
const RESCHEDULE_ATTEMPTS_SIMULATED_MAX = 10_000;

export const CONSTRAINT_OPERATORS: readonly string[] = [
  '=',
  '==',
  'is',
  '!=',
  'not',
  '<',
  '<=',
  '>',
  '>=',
  'regexp',
  'version',
  'semver',
  'set_contains',
  'set_contains_all',
  'set_contains_any',
  'is_set',
  'is_not_set',
  'distinct_hosts',
  'distinct_property',
];
const NEEDS_RTARGET = new Set(['=', '==', 'is', '!=', 'not', '<', '<=', '>', '>=']);
const SET_OPERATORS = new Set(['set_contains', 'set_contains_all', 'set_contains_any']);

export function validateConstraints(
  list: Constraint[] | null,
  e: Errors,
  opts: { taskLevel?: boolean } = {},
): void {
  (list ?? []).forEach((c, i) => {
    const ce = e.at(`constraint ${i + 1}`);
    validateConstraint(c, ce);
    if (opts.taskLevel === true && (c.Operand === 'distinct_hosts' || c.Operand === 'distinct_property')) {
      ce.add(`operator ${q(c.Operand)} is not allowed at the task level`);
    }
  });
}

function validateConstraint(c: Constraint, e: Errors): void {
  const op = c.Operand;
  if (op === '') return e.add('missing constraint operator');
  if (!CONSTRAINT_OPERATORS.includes(op)) {
    return e.add(`unknown constraint operator ${q(op)}: must be one of ${CONSTRAINT_OPERATORS.join(', ')}`);
  }
  if (op !== 'distinct_hosts' && op !== 'distinct_property' && c.LTarget === '') {
    e.add(`operator ${q(op)} requires an attribute`);
  }
  if (op === 'distinct_property' && c.LTarget === '') e.add('distinct_property requires a property');
  if (NEEDS_RTARGET.has(op) && c.RTarget === '') e.add(`operator ${q(op)} requires a value`);
  if (SET_OPERATORS.has(op) && c.RTarget === '') e.add(`operator ${q(op)} requires a value`);
  if ((op === 'is_set' || op === 'is_not_set') && c.RTarget !== '')
    e.add(`operator ${q(op)} does not take a value`);
  if (op === 'regexp') {
    const err = regexpError(c.RTarget);
    if (err !== null) e.add(`regular expression ${q(c.RTarget)} does not compile: ${err}`);
  }
  if ((op === 'version' || op === 'semver') && !validVersionConstraint(c.RTarget)) {
    e.add(`${op} constraint ${q(c.RTarget)} is invalid`);
  }
  if (op === 'distinct_property' && c.RTarget !== '') {
    if (!/^\d+$/.test(c.RTarget))
      e.add(`distinct_property count must be a whole number: current value is ${q(c.RTarget)}`);
    else if (Number(c.RTarget) < 1)
      e.add(`distinct_property count must be >= 1: current value is ${c.RTarget}`);
  }
}

const AFFINITY_OPERATORS = CONSTRAINT_OPERATORS.filter(
  (o) => !['distinct_hosts', 'distinct_property', 'is_set', 'is_not_set'].includes(o),
);

export function validateAffinities(list: Affinity[] | null, e: Errors, jobType: JobType): void {
  if (list === null || list.length === 0) return;
  if (jobType === 'system') return e.add('system jobs may not have an affinity block');
  list.forEach((a, i) => {
    const ae = e.at(`affinity ${i + 1}`);
    if (a.Operand === '') ae.add('missing affinity operator');
    else if (!AFFINITY_OPERATORS.includes(a.Operand)) {
      ae.add(`unknown affinity operator ${q(a.Operand)}: must be one of ${AFFINITY_OPERATORS.join(', ')}`);
    } else {
      validateConstraint({ LTarget: a.LTarget, RTarget: a.RTarget, Operand: a.Operand }, ae);
    }
    if (a.Weight === 0) ae.add('weight must not be zero');
    else if (a.Weight < -100 || a.Weight > 100) {
      ae.add(`weight must be between -100 and 100: current value is ${a.Weight}`);
    }
  });
}

export function validateSpreads(list: Spread[] | null, e: Errors, jobType: JobType): void {
  if (list === null || list.length === 0) return;
  if (jobType === 'system') return e.add('system jobs may not have a spread block');
  list.forEach((s, i) => {
    const se = e.at(`spread ${i + 1}`);
    if (s.Attribute === '') se.add('missing spread attribute');
    if (s.Weight <= 0 || s.Weight > 100)
      se.add(`weight must be between 1 and 100: current value is ${s.Weight}`);
    const seen = new Set<string>();
    let sum = 0;
    for (const t of s.SpreadTarget ?? []) {
      if (seen.has(t.Value)) se.add(`target ${q(t.Value)} is defined more than once`);
      seen.add(t.Value);
      if (t.Percent < 0 || t.Percent > 100) {
        se.add(`target ${q(t.Value)} percent must be between 0 and 100: current value is ${t.Percent}`);
      }
      sum += t.Percent;
    }
    if (sum > 100) se.add(`sum of target percentages must be <= 100: current value is ${sum}`);
  });
}

export function validateUpdate(u: UpdateStrategy, e: Errors): void {
  if (!['checks', 'task_states', 'manual'].includes(u.HealthCheck)) {
    e.add(
      `health_check must be one of "checks", "task_states", "manual": current value is ${q(u.HealthCheck)}`,
    );
  }
  if (u.MaxParallel < 0) e.add(`max_parallel must be >= 0: current value is ${u.MaxParallel}`);
  if (u.Canary < 0) e.add(`canary must be >= 0: current value is ${u.Canary}`);
  if (u.Canary === 0 && u.AutoPromote) e.add('auto_promote requires a canary count greater than zero');
  if (u.MinHealthyTime < 0) e.add(`min_healthy_time must be >= 0: current value is ${dur(u.MinHealthyTime)}`);
  if (u.HealthyDeadline <= 0)
    e.add(`healthy_deadline must be > 0: current value is ${dur(u.HealthyDeadline)}`);
  if (u.ProgressDeadline < 0)
    e.add(`progress_deadline must be >= 0: current value is ${dur(u.ProgressDeadline)}`);
  if (u.HealthyDeadline > 0 && u.MinHealthyTime >= u.HealthyDeadline) {
    e.add(
      `min_healthy_time must be less than healthy_deadline: ${dur(u.MinHealthyTime)} >= ${dur(u.HealthyDeadline)}`,
    );
  }
  if (u.ProgressDeadline !== 0 && u.HealthyDeadline >= u.ProgressDeadline) {
    e.add(
      `healthy_deadline must be less than progress_deadline: ${dur(u.HealthyDeadline)} >= ${dur(u.ProgressDeadline)}`,
    );
  }
  if (u.Stagger <= 0) e.add(`stagger must be > 0: current value is ${dur(u.Stagger)}`);
}

export function validateMigrate(m: MigrateStrategy, e: Errors): void {
  if (m.MaxParallel < 0) e.add(`max_parallel must be >= 0: current value is ${m.MaxParallel}`);
  if (m.HealthCheck === '') {
    if (m.MaxParallel > 0) e.add('missing health_check');
  } else if (m.HealthCheck !== 'checks' && m.HealthCheck !== 'task_states') {
    e.add(`health_check must be one of "checks", "task_states": current value is ${q(m.HealthCheck)}`);
  }
  if (m.MinHealthyTime < 0) e.add(`min_healthy_time must be >= 0: current value is ${dur(m.MinHealthyTime)}`);
  if (m.HealthyDeadline < 0)
    e.add(`healthy_deadline must be >= 0: current value is ${dur(m.HealthyDeadline)}`);
  if (m.MinHealthyTime > m.HealthyDeadline) {
    e.add(
      `min_healthy_time must be less than healthy_deadline: ${dur(m.MinHealthyTime)} > ${dur(m.HealthyDeadline)}`,
    );
  }
}

export function validateRestart(r: RestartPolicy, e: Errors): void {
  if (r.Mode !== 'fail' && r.Mode !== 'delay')
    e.add(`mode must be "fail" or "delay": current value is ${q(r.Mode)}`);
  if (r.Attempts < 0) e.add(`attempts must be >= 0: current value is ${r.Attempts}`);
  if (r.Attempts === 0 && r.Mode === 'delay') e.add('mode "delay" with 0 attempts is ambiguous');
  if (r.Interval < RESTART_MIN_INTERVAL_NS) {
    e.add(`interval must be >= ${dur(RESTART_MIN_INTERVAL_NS)}: current value is ${dur(r.Interval)}`);
  }
  if (r.Delay < 0) e.add(`delay must be >= 0: current value is ${dur(r.Delay)}`);
  if (r.Attempts * r.Delay > r.Interval) {
    e.add(
      `cannot restart ${r.Attempts} times in an interval of ${dur(r.Interval)} with a delay of ${dur(r.Delay)}`,
    );
  }
}

export function validateReschedule(r: ReschedulePolicy, e: Errors): void {
  // A policy with neither attempts nor unlimited rescheduling is disabled: nothing to check.
  if (r.Attempts === 0 && !r.Unlimited) return;
  if (r.Attempts < 0) e.add(`attempts must be >= 0: current value is ${r.Attempts}`);
  if (r.Attempts > 0) {
    if (r.Interval <= 0) e.add('interval must be > 0 when attempts > 0');
    if (r.Unlimited) e.add(`attempts (${r.Attempts}) and unlimited = true cannot both be set`);
  }
  if (r.Delay < RESCHEDULE_MIN_DELAY_NS) {
    e.add(`delay must be >= ${dur(RESCHEDULE_MIN_DELAY_NS)}: current value is ${dur(r.Delay)}`);
  }
  const fns = ['constant', 'exponential', 'fibonacci'];
  if (!fns.includes(r.DelayFunction)) {
    return e.add(
      `delay_function must be one of "constant", "exponential", "fibonacci": current value is ${q(r.DelayFunction)}`,
    );
  }
  if (r.DelayFunction !== 'constant') {
    if (r.MaxDelay < RESCHEDULE_MIN_DELAY_NS) {
      e.add(`max_delay must be >= ${dur(RESCHEDULE_MIN_DELAY_NS)}: current value is ${dur(r.MaxDelay)}`);
    } else if (r.MaxDelay < r.Delay) {
      e.add(`max_delay must be >= delay (${dur(r.Delay)}): current value is ${dur(r.MaxDelay)}`);
    }
  }
  if (!r.Unlimited) {
    if (r.Interval < RESCHEDULE_MIN_INTERVAL_NS) {
      e.add(`interval must be >= ${dur(RESCHEDULE_MIN_INTERVAL_NS)}: current value is ${dur(r.Interval)}`);
    } else if (r.Delay >= RESCHEDULE_MIN_DELAY_NS) {
      const needed = rescheduleTimeNeeded(r);
      if (needed > r.Interval) {
        e.add(
          `cannot make ${r.Attempts} attempts in ${dur(r.Interval)} with a ${r.DelayFunction} delay of ${dur(r.Delay)}: set the interval to at least ${dur(needed)}`,
        );
      }
    }
  }
}

/** The sum of the delays before each attempt, following the delay function (capped at max_delay). */
function rescheduleTimeNeeded(r: ReschedulePolicy): number {
  let total = 0;
  let prev = 0;
  let delay = r.Delay;
  const attempts = Math.min(r.Attempts, RESCHEDULE_ATTEMPTS_SIMULATED_MAX);
  for (let i = 0; i < attempts; i++) {
    total += delay;
    if (r.DelayFunction === 'exponential') delay = Math.min(delay * 2, r.MaxDelay);
    else if (r.DelayFunction === 'fibonacci') {
      const next = i === 0 ? r.Delay : Math.min(prev + delay, r.MaxDelay);
      prev = delay;
      delay = next;
    }
  }
  return total;
}

export function validatePeriodic(p: PeriodicConfig, e: Errors, jobType: JobType): void {
  if (!p.Enabled) return;
  const pe = e.at('periodic');
  if (jobType !== 'batch' && jobType !== 'sysbatch') {
    pe.add(`periodic can only be used with "batch" or "sysbatch" jobs: job type is ${q(jobType)}`);
  }
  const specs = p.Specs ?? [];
  if (p.Spec !== '' && specs.length > 0) pe.add('only one of cron or crons may be given');
  if (p.Spec === '' && specs.length === 0) pe.add('missing cron spec');
  if (!validTimeZone(p.TimeZone)) pe.add(`invalid time zone ${q(p.TimeZone)}`);
  if (p.SpecType !== 'cron') return pe.add(`unknown periodic spec type ${q(p.SpecType)}`);
  for (const spec of p.Spec === '' ? specs : [p.Spec]) {
    try {
      parseCron(spec);
    } catch (err) {
      if (!(err instanceof CronError)) throw err;
      pe.add(`invalid cron spec ${q(spec)}: ${err.message}`);
    }
  }
}

export function validateParameterized(p: ParameterizedJobConfig, e: Errors, jobType: JobType): void {
  const pe = e.at('parameterized');
  if (jobType !== 'batch' && jobType !== 'sysbatch') {
    pe.add(`parameterized can only be used with "batch" or "sysbatch" jobs: job type is ${q(jobType)}`);
  }
  if (!['optional', 'required', 'forbidden'].includes(p.Payload)) {
    pe.add(`payload must be one of "optional", "required", "forbidden": current value is ${q(p.Payload)}`);
  }
  const required = new Set(p.MetaRequired ?? []);
  const both = (p.MetaOptional ?? []).filter((k) => required.has(k));
  if (both.length > 0)
    pe.add(`meta_required and meta_optional must be disjoint: both have ${both.map(q).join(', ')}`);
}

export function validateDisconnect(d: DisconnectStrategy, e: Errors): void {
  if (d.LostAfter < 0) e.add(`lost_after must be >= 0: current value is ${dur(d.LostAfter)}`);
  if (d.StopOnClientAfter !== null && d.StopOnClientAfter < 0) {
    e.add(`stop_on_client_after must be >= 0: current value is ${dur(d.StopOnClientAfter)}`);
  }
  if (d.LostAfter > 0 && d.StopOnClientAfter !== null && d.StopOnClientAfter > 0) {
    e.add('lost_after and stop_on_client_after cannot both be set');
  }
  const options = ['best_score', 'keep_original', 'keep_replacement', 'longest_running'];
  if (!options.includes(d.Reconcile)) {
    e.add(`reconcile must be one of ${options.map(q).join(', ')}: current value is ${q(d.Reconcile)}`);
  }
}

export function validateGroupScaling(s: ScalingPolicy, count: number, e: Errors): void {
  if (s.Type !== 'horizontal') e.add(`type must be "horizontal" for a group: current value is ${q(s.Type)}`);
  if (s.Min < 0) e.add(`min must be >= 0: current value is ${s.Min}`);
  if (s.Max < 0) e.add(`max must be >= 0: current value is ${s.Max}`);
  if (s.Max < s.Min) e.add(`max (${s.Max}) must be >= min (${s.Min})`);
  if (count > s.Max) e.add(`group count (${count}) must not be greater than max (${s.Max})`);
  if (count < s.Min) e.add(`group count (${count}) must not be less than min (${s.Min})`);
}
