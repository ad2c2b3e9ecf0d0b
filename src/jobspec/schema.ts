/**
 * What each block of a job file may contain, and where it lands in the model: HCL attribute and
 * block names (Nomad's `hcl:"..."` tags in api/*.go) mapped to the model's field names. The
 * decoder (decode.ts) walks a job file with these tables; anything not in them is an error.
 */

export type AttrKind =
  'string' | 'int' | 'number' | 'bool' | 'duration' | 'stringList' | 'stringMap' | 'stringListMap' | 'any';

export interface AttrSpec {
  field: string;
  kind: AttrKind;
}

export type BlockMode =
  /** At most one block, no label: `update { ... }`. */
  | 'single'
  /** Any number of blocks, no label: `constraint { ... }`. */
  | 'list'
  /** Any number of labelled blocks, the label stored in `label`: `task "redis" { ... }`. */
  | 'labeledList'
  /** Labelled blocks gathered into a map by label: `volume "data" { ... }`. */
  | 'labeledMap';

export interface BlockSpec {
  field: string;
  mode: BlockMode;
  /** The body: a schema, a string map (`env`, `meta`), or free-form (`config`, `policy`). */
  body: Schema | 'stringMap' | 'stringListMap' | 'freeform';
  label?: string;
}

export interface Schema {
  /** How the block is named in messages ("group", "task", "update"). */
  name: string;
  attrs: Readonly<Record<string, AttrSpec>>;
  blocks: Readonly<Record<string, BlockSpec>>;
  /** Attribute names read by a block's special handling (constraint shorthands). */
  extraAttrs?: readonly string[];
}

export const a = (field: string, kind: AttrKind): AttrSpec => ({ field, kind });
export const one = (field: string, body: BlockSpec['body']): BlockSpec => ({ field, mode: 'single', body });
export const many = (field: string, body: BlockSpec['body']): BlockSpec => ({ field, mode: 'list', body });
export const labeled = (field: string, body: Schema, label: string): BlockSpec => ({
  field,
  mode: 'labeledList',
  body,
  label,
});

export const CONSTRAINT_SHORTHANDS = [
  'version',
  'semver',
  'regexp',
  'set_contains',
  'set_contains_all',
  'set_contains_any',
  'distinct_hosts',
  'distinct_property',
] as const;

export const CONSTRAINT: Schema = {
  name: 'constraint',
  attrs: {
    attribute: a('LTarget', 'string'),
    operator: a('Operand', 'string'),
    value: a('RTarget', 'string'),
  },
  blocks: {},
  extraAttrs: CONSTRAINT_SHORTHANDS,
};

export const AFFINITY: Schema = {
  name: 'affinity',
  attrs: { ...CONSTRAINT.attrs, weight: a('Weight', 'int') },
  blocks: {},
  extraAttrs: ['version', 'semver', 'regexp', 'set_contains', 'set_contains_all', 'set_contains_any'],
};

const SPREAD_TARGET: Schema = { name: 'target', attrs: { percent: a('Percent', 'int') }, blocks: {} };

export const SPREAD: Schema = {
  name: 'spread',
  attrs: { attribute: a('Attribute', 'string'), weight: a('Weight', 'int') },
  blocks: { target: labeled('SpreadTarget', SPREAD_TARGET, 'Value') },
};

export const UPDATE: Schema = {
  name: 'update',
  attrs: {
    stagger: a('Stagger', 'duration'),
    max_parallel: a('MaxParallel', 'int'),
    health_check: a('HealthCheck', 'string'),
    min_healthy_time: a('MinHealthyTime', 'duration'),
    healthy_deadline: a('HealthyDeadline', 'duration'),
    progress_deadline: a('ProgressDeadline', 'duration'),
    canary: a('Canary', 'int'),
    auto_revert: a('AutoRevert', 'bool'),
    auto_promote: a('AutoPromote', 'bool'),
  },
  blocks: {},
};

export const MIGRATE: Schema = {
  name: 'migrate',
  attrs: {
    max_parallel: a('MaxParallel', 'int'),
    health_check: a('HealthCheck', 'string'),
    min_healthy_time: a('MinHealthyTime', 'duration'),
    healthy_deadline: a('HealthyDeadline', 'duration'),
  },
  blocks: {},
};

export const RESCHEDULE: Schema = {
  name: 'reschedule',
  attrs: {
    attempts: a('Attempts', 'int'),
    interval: a('Interval', 'duration'),
    delay: a('Delay', 'duration'),
    delay_function: a('DelayFunction', 'string'),
    max_delay: a('MaxDelay', 'duration'),
    unlimited: a('Unlimited', 'bool'),
  },
  blocks: {},
};

export const RESTART: Schema = {
  name: 'restart',
  attrs: {
    attempts: a('Attempts', 'int'),
    interval: a('Interval', 'duration'),
    delay: a('Delay', 'duration'),
    mode: a('Mode', 'string'),
    render_templates: a('RenderTemplates', 'bool'),
  },
  blocks: {},
};

export const PERIODIC: Schema = {
  name: 'periodic',
  attrs: {
    cron: a('Spec', 'string'),
    crons: a('Specs', 'stringList'),
    prohibit_overlap: a('ProhibitOverlap', 'bool'),
    time_zone: a('TimeZone', 'string'),
    enabled: a('Enabled', 'bool'),
  },
  blocks: {},
};

export const PARAMETERIZED: Schema = {
  name: 'parameterized',
  attrs: {
    payload: a('Payload', 'string'),
    meta_required: a('MetaRequired', 'stringList'),
    meta_optional: a('MetaOptional', 'stringList'),
  },
  blocks: {},
};

export const CONSUL: Schema = {
  name: 'consul',
  attrs: {
    namespace: a('Namespace', 'string'),
    cluster: a('Cluster', 'string'),
    partition: a('Partition', 'string'),
  },
  blocks: {},
};

const UI_LINK: Schema = {
  name: 'link',
  attrs: { label: a('Label', 'string'), url: a('URL', 'string') },
  blocks: {},
};
export const UI: Schema = {
  name: 'ui',
  attrs: { description: a('Description', 'string') },
  blocks: { link: many('Links', UI_LINK) },
};

export const PORT: Schema = {
  name: 'port',
  attrs: {
    static: a('Value', 'int'),
    to: a('To', 'int'),
    host_network: a('HostNetwork', 'string'),
  },
  blocks: {},
};

const DNS: Schema = {
  name: 'dns',
  attrs: {
    servers: a('Servers', 'stringList'),
    searches: a('Searches', 'stringList'),
    options: a('Options', 'stringList'),
  },
  blocks: {},
};

export const NETWORK: Schema = {
  name: 'network',
  attrs: {
    mode: a('Mode', 'string'),
    device: a('Device', 'string'),
    cidr: a('CIDR', 'string'),
    ip: a('IP', 'string'),
    hostname: a('Hostname', 'string'),
    mbits: a('MBits', 'int'),
  },
  blocks: {
    port: labeled('DynamicPorts', PORT, 'Label'),
    reserved_ports: labeled('ReservedPorts', PORT, 'Label'),
    dns: one('DNS', DNS),
  },
};

export const IDENTITY: Schema = {
  name: 'identity',
  attrs: {
    name: a('Name', 'string'),
    aud: a('Audience', 'stringList'),
    change_mode: a('ChangeMode', 'string'),
    change_signal: a('ChangeSignal', 'string'),
    env: a('Env', 'bool'),
    file: a('File', 'bool'),
    filepath: a('Filepath', 'string'),
    service_name: a('ServiceName', 'string'),
    ttl: a('TTL', 'duration'),
    extra_claims: a('ExtraClaims', 'stringList'),
  },
  blocks: {},
};
