/**
 * Diffs of the job's richer blocks: resources and networks, services and their checks, templates,
 * volumes, scaling. Each follows the matching rule Nomad uses for that block, so that the same edit
 * shows the same way in `job plan`.
 */
import {
  blockDiff,
  deepEqual,
  fieldDiffs,
  flattenDeep,
  keyedDiffs,
  mapDiff,
  positionalDiffs,
  primitiveObjectDiff,
  sortObjectDiffs,
  stableKey,
  stringSetDiff,
  type ObjectDiff,
} from './diff_fields.ts';
import type {
  DisconnectStrategy,
  DNSConfig,
  NetworkResource,
  Port,
  RequestedDevice,
  Resources,
  ScalingPolicy,
  Service,
  ServiceCheck,
  Template,
  VolumeMount,
  VolumeRequest,
} from './job.ts';

export function resourcesDiff(
  oldRes: Resources | null | undefined,
  newRes: Resources | null | undefined,
  contextual: boolean,
): ObjectDiff | null {
  return blockDiff(oldRes, newRes, 'Resources', {
    contextual,
    nested: (o, n) => [
      ...networkResourceDiffs(o.Networks, n.Networks, contextual),
      ...keyedDiffs(devicePairs(o.Devices), devicePairs(n.Devices), (a, b) =>
        blockDiff(a, b, 'Device', { contextual }),
      ),
    ],
  });
}

function devicePairs(devices: readonly RequestedDevice[] | null | undefined): [string, RequestedDevice][] {
  return (devices ?? []).map((d) => [d.Name, d]);
}

/**
 * Networks have no identity: they are matched by content, so an edited network shows as one
 * deleted and one added, never as edited (as in Nomad).
 */
export function networkResourceDiffs(
  olds: readonly NetworkResource[] | null | undefined,
  news: readonly NetworkResource[] | null | undefined,
  contextual: boolean,
): ObjectDiff[] {
  const oldSet = new Map((olds ?? []).map((n) => [stableKey(n), n]));
  const newSet = new Map((news ?? []).map((n) => [stableKey(n), n]));
  const diffs: ObjectDiff[] = [];
  for (const [k, o] of oldSet) {
    if (newSet.has(k)) continue;
    const d = networkDiff(o, null, contextual);
    if (d !== null) diffs.push(d);
  }
  for (const [k, n] of newSet) {
    if (oldSet.has(k)) continue;
    const d = networkDiff(null, n, contextual);
    if (d !== null) diffs.push(d);
  }
  return sortObjectDiffs(diffs);
}

function networkDiff(
  o: NetworkResource | null,
  n: NetworkResource | null,
  contextual: boolean,
): ObjectDiff | null {
  return blockDiff(o, n, 'Network', {
    contextual,
    filter: ['Device', 'CIDR', 'IP', 'MBits'],
    nested: (a, b) => [
      ...portDiffs(a.ReservedPorts, b.ReservedPorts, false, contextual),
      ...portDiffs(a.DynamicPorts, b.DynamicPorts, true, contextual),
      dnsDiff(a.DNS ?? null, b.DNS ?? null, contextual),
    ],
  });
}

function portDiffs(
  olds: readonly Port[] | null | undefined,
  news: readonly Port[] | null | undefined,
  dynamic: boolean,
  contextual: boolean,
): ObjectDiff[] {
  // A dynamic port's value is chosen by the scheduler, so it is not part of the job's diff.
  const filter = dynamic ? ['Value', 'IgnoreCollision'] : [];
  const name = dynamic ? 'Dynamic Port' : 'Static Port';
  const pairs = (ports: readonly Port[] | null | undefined): [string, Port][] =>
    (ports ?? []).map((p) => [p.Label, p]);
  return keyedDiffs(pairs(olds), pairs(news), (o, n) =>
    primitiveObjectDiff(o, n, name, { contextual, filter }),
  );
}

function dnsDiff(o: DNSConfig | null, n: DNSConfig | null, contextual: boolean): ObjectDiff | null {
  if (deepEqual(o, n)) return null;
  const flat = (c: DNSConfig | null): Record<string, string> | null => {
    if (c === null) return null;
    const m: Record<string, string> = {};
    if ((c.Servers ?? []).length > 0) m['Servers'] = c.Servers!.join(',');
    if ((c.Searches ?? []).length > 0) m['Searches'] = c.Searches!.join(',');
    if ((c.Options ?? []).length > 0) m['Options'] = c.Options!.join(',');
    return m;
  };
  const type = o === null ? 'Added' : n === null ? 'Deleted' : 'Edited';
  return { Type: type, Name: 'DNS', Fields: fieldDiffs(flat(o), flat(n), contextual), Objects: [] };
}

export function disconnectDiff(
  o: DisconnectStrategy | null | undefined,
  n: DisconnectStrategy | null | undefined,
  contextual: boolean,
): ObjectDiff | null {
  return blockDiff(o, n, 'Disconnect', { contextual, deep: true });
}

export function scalingDiff(
  o: ScalingPolicy | null | undefined,
  n: ScalingPolicy | null | undefined,
  contextual: boolean,
): ObjectDiff | null {
  const filter = [
    'CreateIndex',
    'ModifyIndex',
    'ID',
    'Type',
    'Target[Job]',
    'Target[Group]',
    'Target[Namespace]',
  ];
  return blockDiff(o, n, 'Scaling', {
    contextual,
    filter,
    fieldsContextual: false,
    nested: (a, b) => [policyDiff(a.Policy ?? null, b.Policy ?? null)],
  });
}

function policyDiff(o: Record<string, unknown> | null, n: Record<string, unknown> | null): ObjectDiff | null {
  return mapDiff(o, n, 'Policy', false);
}

/**
 * Services have no stable identity either. Each old service is paired with the best unpaired new
 * one, scored by name (3), port label (2) and position (1); a score of 3 or more is a match.
 */
export function serviceDiffs(
  olds: readonly Service[] | null | undefined,
  news: readonly Service[] | null | undefined,
  contextual: boolean,
): ObjectDiff[] {
  const o = olds ?? [];
  const n = news ?? [];
  if (o.length === 1 && n.length === 1) {
    const d = serviceDiff(o[0]!, n[0]!, contextual);
    return d === null ? [] : [d];
  }
  const newMatched = n.map(() => false);
  const diffs: ObjectDiff[] = [];
  o.forEach((service, oldIndex) => {
    const newIndex = findServiceMatch(service, oldIndex, n, newMatched);
    if (newIndex < 0) {
      diffs.push(serviceDiff(service, null, contextual)!);
      return;
    }
    newMatched[newIndex] = true;
    const d = serviceDiff(service, n[newIndex]!, contextual);
    if (d !== null) diffs.push(d);
  });
  n.forEach((service, i) => {
    if (!newMatched[i]) diffs.push(serviceDiff(null, service, contextual)!);
  });
  return sortObjectDiffs(diffs);
}

const SERVICE_MATCH_SCORE_MIN = 3;

function findServiceMatch(
  service: Service,
  index: number,
  candidates: readonly Service[],
  taken: boolean[],
): number {
  let best = 0;
  let match = -1;
  candidates.forEach((s, i) => {
    if (taken[i]) return;
    const score =
      (i === index ? 1 : 0) + (s.PortLabel === service.PortLabel ? 2 : 0) + (s.Name === service.Name ? 3 : 0);
    if (score >= SERVICE_MATCH_SCORE_MIN && score > best) {
      best = score;
      match = i;
    }
  });
  return match;
}

function serviceDiff(o: Service | null, n: Service | null, contextual: boolean): ObjectDiff | null {
  return blockDiff(o, n, 'Service', {
    contextual,
    nested: (a, b) => [
      stringSetDiff(a.CanaryTags, b.CanaryTags, 'CanaryTags', contextual),
      stringSetDiff(a.Tags, b.Tags, 'Tags', contextual),
      ...keyedDiffs(checkPairs(a.Checks), checkPairs(b.Checks), (x, y) => checkDiff(x, y, contextual)),
    ],
  });
}

function checkPairs(checks: readonly ServiceCheck[] | null | undefined): [string, ServiceCheck][] {
  return (checks ?? []).map((c) => [c.Name, c]);
}

function checkDiff(o: ServiceCheck | null, n: ServiceCheck | null, contextual: boolean): ObjectDiff | null {
  return blockDiff(o, n, 'Check', {
    contextual,
    nested: (a, b) => [
      mapDiff(a.Header ?? null, b.Header ?? null, 'Header', contextual),
      blockDiff(a.CheckRestart, b.CheckRestart, 'CheckRestart', { contextual }),
    ],
  });
}

/** Templates are matched by their destination; a single template on each side is always paired. */
export function templateDiffs(
  olds: readonly Template[] | null | undefined,
  news: readonly Template[] | null | undefined,
  contextual: boolean,
): ObjectDiff[] {
  const o = olds ?? [];
  const n = news ?? [];
  if (o.length === 1 && n.length === 1) {
    const d = templateDiff(o[0]!, n[0]!, contextual);
    return d === null ? [] : [d];
  }
  const taken = n.map(() => false);
  const diffs: ObjectDiff[] = [];
  for (const t of o) {
    const i = n.findIndex((x, j) => !taken[j] && x.DestPath === t.DestPath);
    if (i < 0) {
      diffs.push(templateDiff(t, null, contextual)!);
      continue;
    }
    taken[i] = true;
    const d = templateDiff(t, n[i]!, contextual);
    if (d !== null) diffs.push(d);
  }
  n.forEach((t, i) => {
    if (!taken[i]) diffs.push(templateDiff(null, t, contextual)!);
  });
  return sortObjectDiffs(diffs);
}

function templateDiff(o: Template | null, n: Template | null, contextual: boolean): ObjectDiff | null {
  return blockDiff(o, n, 'Template', {
    contextual,
    nested: (a, b) => [
      // Nomad names the wait block's diff "Template" too; kept, so plans read the same.
      blockDiff(a.Wait, b.Wait, 'Template', { contextual, deep: true }),
      mapDiff(asMap(a.ChangeScript), asMap(b.ChangeScript), 'ChangeScript', contextual),
    ],
  });
}

function asMap(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function volumeDiffs(
  olds: Readonly<Record<string, VolumeRequest>> | null | undefined,
  news: Readonly<Record<string, VolumeRequest>> | null | undefined,
  contextual: boolean,
): ObjectDiff[] {
  if (deepEqual(olds ?? null, news ?? null)) return [];
  return keyedDiffs(Object.entries(olds ?? {}), Object.entries(news ?? {}), (o, n) =>
    blockDiff(o, n, 'Volume', {
      contextual,
      nested: (a, b) => [
        blockDiff(a.MountOptions, b.MountOptions, 'MountOptions', {
          contextual,
          nested: (x, y) => [stringSetDiff(x.MountFlags, y.MountFlags, 'MountFlags', contextual)],
        }),
      ],
    }),
  );
}

export function volumeMountDiffs(
  olds: readonly VolumeMount[] | null | undefined,
  news: readonly VolumeMount[] | null | undefined,
  contextual: boolean,
): ObjectDiff[] {
  return positionalDiffs(olds, news, (o, n) => blockDiff(o, n, 'VolumeMount', { contextual }));
}

/** Free-form blocks we keep but do not model (vault, consul, identity): every leaf is a field. */
export function freeformDiff(
  o: Readonly<Record<string, unknown>> | null | undefined,
  n: Readonly<Record<string, unknown>> | null | undefined,
  name: string,
  contextual: boolean,
): ObjectDiff | null {
  if (deepEqual(o ?? null, n ?? null)) return null;
  const type = o === null || o === undefined ? 'Added' : n === null || n === undefined ? 'Deleted' : 'Edited';
  return {
    Type: type,
    Name: name,
    Fields: fieldDiffs(flattenDeep(o), flattenDeep(n), contextual),
    Objects: [],
  };
}
