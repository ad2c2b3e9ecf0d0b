/**
 * Feasibility: whether a node can run a task group at all, before resources. The checks run in
 * Nomad's order: the job's constraints, then the group's drivers and constraints (both cached per
 * node class unless they read unique attributes), then what depends on the node itself (host
 * volumes) and on where the job already runs (distinct_hosts, distinct_property).
 */
import type { Constraint, Job, TaskGroup } from '../structs/job.ts';
import {
  constraintEscapes,
  constraintString,
  meetsConstraint,
  OPERATOR_DISTINCT_HOSTS,
  OPERATOR_DISTINCT_PROPERTY,
} from './constraints.ts';
import { CLASS_ELIGIBLE, CLASS_INELIGIBLE, CLASS_UNKNOWN, type ClassStatus } from './eligibility.ts';
import type { EvalContext } from './eval_context.ts';
import type { MetricsBuilder } from './metrics.ts';
import { hasDrivers, parseGoBool } from './node_class.ts';
import { PropertySet } from './property_set.ts';

export const FILTER_CLASS_INELIGIBLE = 'computed class ineligible';
export const FILTER_MISSING_DRIVERS = 'missing drivers';
export const FILTER_HOST_VOLUMES = 'missing compatible host volumes';

interface DistinctProperty {
  set: PropertySet;
  allowed: number;
  /** Set when the constraint itself is unusable (its RTarget is not a count). */
  error: string | null;
}

/** The checks for one task group of one job, prepared once per evaluation. */
export interface GroupChecks {
  group: string;
  jobConstraints: Constraint[];
  groupConstraints: Constraint[];
  drivers: string[];
  hostVolumes: string[];
  distinctHostsJob: boolean;
  distinctHostsGroup: boolean;
  distinctProperties: DistinctProperty[];
  jobEscaped: boolean;
  groupEscaped: boolean;
  /** The group's cached class results (shared with the evaluation's eligibility). */
  groupStatuses: ClassStatus[];
  /** Live allocations of this group, and of the whole job, per node index. */
  groupCounts: Int32Array;
  jobCounts: Int32Array;
}

function classWide(list: Constraint[] | null): Constraint[] {
  return (list ?? []).filter(
    (c) => c.Operand !== OPERATOR_DISTINCT_HOSTS && c.Operand !== OPERATOR_DISTINCT_PROPERTY,
  );
}

const GO_BOOL_RE = /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/;

function distinctHosts(list: Constraint[] | null): boolean {
  const c = (list ?? []).find((x) => x.Operand === OPERATOR_DISTINCT_HOSTS);
  if (c === undefined) return false;
  // Nomad: an empty or unparsable RTarget enables it; only an explicit false disables it.
  if (c.RTarget === '' || !GO_BOOL_RE.test(c.RTarget)) return true;
  return parseGoBool(c.RTarget);
}

function distinctProperty(ctx: EvalContext, job: Job, c: Constraint, group: string | null): DistinctProperty {
  const set = new PropertySet(ctx.table.base, { attribute: c.LTarget, taskGroup: group, targets: null });
  ctx.counts(job).track(set);
  if (c.RTarget === '') return { set, allowed: 1, error: null };
  if (!/^[0-9]+$/.test(c.RTarget)) {
    return { set, allowed: 0, error: `failed to convert RTarget ${JSON.stringify(c.RTarget)} to uint64` };
  }
  return { set, allowed: Number(c.RTarget), error: null };
}

/** The checks for a group. The system stack has no distinct_hosts check (one per node anyway). */
export function prepareGroupChecks(
  ctx: EvalContext,
  job: Job,
  tg: TaskGroup,
  opts: { system: boolean },
): GroupChecks {
  const groupConstraints = classWide(tg.Constraints);
  const drivers = new Set<string>();
  for (const t of tg.Tasks) {
    drivers.add(t.Driver);
    groupConstraints.push(...classWide(t.Constraints));
  }
  const elig = ctx.eligibility;
  elig.jobEscaped = (job.Constraints ?? []).some(constraintEscapes);
  const taskConstraints = tg.Tasks.flatMap((t) => t.Constraints ?? []);
  elig.setGroupEscaped(tg.Name, [...(tg.Constraints ?? []), ...taskConstraints].some(constraintEscapes));
  const hostVolumes = Object.values(tg.Volumes ?? {})
    .filter((v) => v.Type === 'host')
    .map((v) => v.Source);
  const counts = ctx.counts(job);
  const distinctProperties = [
    ...(job.Constraints ?? [])
      .filter((c) => c.Operand === OPERATOR_DISTINCT_PROPERTY)
      .map((c) => distinctProperty(ctx, job, c, null)),
    ...(tg.Constraints ?? [])
      .filter((c) => c.Operand === OPERATOR_DISTINCT_PROPERTY)
      .map((c) => distinctProperty(ctx, job, c, tg.Name)),
  ];
  return {
    group: tg.Name,
    jobConstraints: classWide(job.Constraints),
    groupConstraints,
    drivers: [...drivers],
    hostVolumes,
    distinctHostsJob: !opts.system && distinctHosts(job.Constraints),
    distinctHostsGroup: !opts.system && distinctHosts(tg.Constraints),
    distinctProperties,
    jobEscaped: elig.jobEscaped,
    groupEscaped: elig.groupIsEscaped(tg.Name),
    groupStatuses: elig.groupStatuses(tg.Name),
    groupCounts: counts.group(tg.Name),
    jobCounts: counts.total,
  };
}

/** Feasibility key ids per node index, resolved lazily. */
export class NodeKeys {
  private readonly ids: Int32Array;
  private readonly ctx: EvalContext;
  /** This evaluation's key id per key id of the shared node base (given on first meeting). */
  private readonly idOfBaseKey: number[] = [];
  constructor(ctx: EvalContext) {
    this.ctx = ctx;
    this.ids = new Int32Array(ctx.table.size).fill(-1);
  }
  of(i: number): number {
    let id = this.ids[i]!;
    if (id < 0) {
      const base = this.ctx.table.base;
      const b = base.featureKeyId(i);
      const known = this.idOfBaseKey[b];
      if (known !== undefined) id = known;
      else {
        const k = base.featureKey(b);
        id = this.ctx.eligibility.keyId(k.key, k.computedClass);
        this.idOfBaseKey[b] = id;
      }
      this.ids[i] = id;
    }
    return id;
  }
}

function jobFeasible(
  ctx: EvalContext,
  checks: GroupChecks,
  i: number,
  keyId: number,
  m: MetricsBuilder,
): boolean {
  const elig = ctx.eligibility;
  const node = ctx.table.nodes[i]!;
  const escaped = checks.jobEscaped;
  const status = escaped ? CLASS_UNKNOWN : elig.jobStatus(keyId);
  if (status === CLASS_INELIGIBLE) {
    m.filter(node, FILTER_CLASS_INELIGIBLE);
    return false;
  }
  if (status === CLASS_ELIGIBLE) return true;
  for (const c of checks.jobConstraints) {
    if (!meetsConstraint(ctx.patterns, c, node)) {
      m.filter(node, constraintString(c));
      if (!escaped) elig.setJobStatus(keyId, false);
      return false;
    }
  }
  if (!escaped) elig.setJobStatus(keyId, true);
  return true;
}

function groupFeasible(
  ctx: EvalContext,
  checks: GroupChecks,
  i: number,
  keyId: number,
  m: MetricsBuilder,
): boolean {
  const node = ctx.table.nodes[i]!;
  const escaped = checks.groupEscaped;
  const statuses = checks.groupStatuses;
  const status = escaped ? CLASS_UNKNOWN : (statuses[keyId] ?? CLASS_UNKNOWN);
  if (status === CLASS_INELIGIBLE) {
    m.filter(node, FILTER_CLASS_INELIGIBLE);
    return false;
  }
  if (status === CLASS_ELIGIBLE) return true;
  let reason = '';
  if (!hasDrivers(node, checks.drivers)) reason = FILTER_MISSING_DRIVERS;
  else {
    for (const c of checks.groupConstraints) {
      if (!meetsConstraint(ctx.patterns, c, node)) {
        reason = constraintString(c);
        break;
      }
    }
  }
  if (reason !== '') m.filter(node, reason);
  if (!escaped) statuses[keyId] = reason === '' ? CLASS_ELIGIBLE : CLASS_INELIGIBLE;
  return reason === '';
}

function distinctFeasible(ctx: EvalContext, checks: GroupChecks, i: number, m: MetricsBuilder): boolean {
  const node = ctx.table.nodes[i]!;
  if (
    (checks.distinctHostsJob && checks.jobCounts[i]! > 0) ||
    (checks.distinctHostsGroup && checks.groupCounts[i]! > 0)
  ) {
    m.filter(node, OPERATOR_DISTINCT_HOSTS);
    return false;
  }
  for (const dp of checks.distinctProperties) {
    if (dp.error !== null) {
      m.filter(node, dp.error);
      return false;
    }
    const vid = dp.set.valueIdOf(i);
    if (vid < 0) {
      m.filter(node, `missing property ${JSON.stringify(dp.set.attribute)}`);
      return false;
    }
    const used = dp.set.counts[vid]!;
    if (used >= dp.allowed) {
      m.filter(node, `distinct_property: ${dp.set.attribute}=${dp.set.values[vid]} used by ${used} allocs`);
      return false;
    }
  }
  return true;
}

/** Whether node i passes every feasibility check for the group; records why not in the metrics. */
export function feasible(
  ctx: EvalContext,
  checks: GroupChecks,
  keys: NodeKeys,
  i: number,
  m: MetricsBuilder,
): boolean {
  const keyId = keys.of(i);
  if (!jobFeasible(ctx, checks, i, keyId, m)) return false;
  if (!groupFeasible(ctx, checks, i, keyId, m)) return false;
  if (checks.hostVolumes.length > 0) {
    const have = ctx.table.nodes[i]!.HostVolumes ?? {};
    if (!checks.hostVolumes.every((v) => Object.hasOwn(have, v))) {
      m.filter(ctx.table.nodes[i]!, FILTER_HOST_VOLUMES);
      return false;
    }
  }
  return distinctFeasible(ctx, checks, i, m);
}
