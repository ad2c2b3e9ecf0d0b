/**
 * What some blocks need after their fields are decoded, as Nomad's HCL decoding does it:
 * constraint shorthands (`distinct_hosts = true`, `version = ">= 1.0"`), static ports moving to
 * the reserved list, a service's check_restart applying to its checks, scaling policy types.
 */
import type { DecodeCtx, Instance } from './decode.ts';
import { decodeAttr, report } from './decode.ts';

interface PostArgs {
  out: Record<string, unknown>;
  inst: Instance;
  ctx: DecodeCtx;
}

type Post = (args: PostArgs) => void;

const SHORTHAND_OPERATORS = [
  'version',
  'semver',
  'regexp',
  'set_contains',
  'set_contains_all',
  'set_contains_any',
];

function constraintShorthands({ out, inst, ctx }: PostArgs): void {
  for (const op of SHORTHAND_OPERATORS) {
    const raw = inst.body[op];
    if (raw === undefined) continue;
    const v = decodeAttr(op, raw, 'string', ctx);
    if (typeof v === 'string' && v !== '') {
      out['Operand'] = op;
      out['RTarget'] = v;
    }
  }
  if (inst.body['distinct_hosts'] !== undefined) {
    const v = decodeAttr('distinct_hosts', inst.body['distinct_hosts'], 'bool', ctx);
    if (typeof v === 'boolean') {
      out['Operand'] = 'distinct_hosts';
      out['RTarget'] = String(v);
    }
  }
  if (inst.body['distinct_property'] !== undefined) {
    const v = decodeAttr('distinct_property', inst.body['distinct_property'], 'string', ctx);
    if (typeof v === 'string' && v !== '') {
      out['Operand'] = 'distinct_property';
      out['LTarget'] = v;
    }
  }
}

type PortOut = { Value?: number };

/** Nomad puts every `port` block with a static value among the reserved ports. */
function networkPorts({ out }: PostArgs): void {
  const dynamic = (out['DynamicPorts'] as PortOut[] | undefined) ?? [];
  if (dynamic.length === 0) return;
  const reserved = (out['ReservedPorts'] as PortOut[] | undefined) ?? [];
  out['ReservedPorts'] = [...reserved, ...dynamic.filter((p) => (p.Value ?? 0) > 0)];
  out['DynamicPorts'] = dynamic.filter((p) => !((p.Value ?? 0) > 0));
  if ((out['ReservedPorts'] as unknown[]).length === 0) delete out['ReservedPorts'];
  if ((out['DynamicPorts'] as unknown[]).length === 0) delete out['DynamicPorts'];
}

function periodic({ out }: PostArgs): void {
  if (out['Spec'] !== undefined || out['Specs'] !== undefined) out['SpecType'] = 'cron';
}

/** `enabled` is the old spelling of `disabled = false`. */
function logs({ out }: PostArgs): void {
  if (out['Enabled'] !== undefined) {
    if (out['Disabled'] === undefined) out['Disabled'] = out['Enabled'] !== true;
    delete out['Enabled'];
  }
}

/** A service's own check_restart is the base that each check's check_restart overrides. */
function service({ out }: PostArgs): void {
  const base = out['CheckRestart'] as Record<string, unknown> | undefined;
  delete out['CheckRestart'];
  if (base === undefined) return;
  for (const check of (out['Checks'] as Record<string, unknown>[] | undefined) ?? []) {
    check['CheckRestart'] = {
      ...base,
      ...((check['CheckRestart'] as Record<string, unknown> | undefined) ?? {}),
    };
  }
}

const TASK_SCALING_TYPES: Readonly<Record<string, string>> = { cpu: 'vertical_cpu', mem: 'vertical_mem' };

function scaling({ out, inst, ctx }: PostArgs): void {
  if (inst.label === null) {
    out['Type'] ??= 'horizontal';
    if (out['Max'] === undefined) report(ctx, null, 'missing max: a group scaling block needs max');
    return;
  }
  const type = TASK_SCALING_TYPES[inst.label];
  if (type === undefined)
    report(ctx, null, `scaling label must be "cpu" or "mem": current value is ${JSON.stringify(inst.label)}`);
  else out['Type'] = type;
}

const POSTS: Readonly<Record<string, Post>> = {
  constraint: constraintShorthands,
  affinity: constraintShorthands,
  network: networkPorts,
  periodic,
  logs,
  service,
  scaling,
};

export function postProcess(schemaName: string, args: PostArgs): void {
  POSTS[schemaName]?.(args);
}
