/**
 * Whether a job update changes a task group in a way that needs its allocations replaced
 * (destructive) rather than updated in place: Nomad's tasksUpdated. Anything the client can only
 * apply by restarting the tasks with a new environment is destructive: drivers, config, env,
 * artifacts, templates, resources, networks and ports, volumes and mounts, user, vault/consul,
 * identities, meta, lifecycle. Count, update, services and the like are in-place.
 */
import type { Job, NetworkResource, RestartPolicy, Task, TaskGroup } from '../structs/job.ts';

/** The first destructive difference found, by label; `modified` false when there is none. */
export interface Comparison {
  modified: boolean;
  label: string;
}

const SAME: Comparison = { modified: false, label: '' };
const differ = (label: string): Comparison => ({ modified: true, label });

function isEmptyCollection(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

/** Structural equality where a missing map or list equals an empty one (Nomad's maps.Equal). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmptyCollection(a) && isEmptyCollection(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

function portMap(n: NetworkResource): [string, number, number, string][] {
  return [
    ...(n.ReservedPorts ?? []).map((p): [string, number, number, string] => [
      p.Label,
      p.Value,
      p.To,
      p.HostNetwork,
    ]),
    ...(n.DynamicPorts ?? []).map((p): [string, number, number, string] => [
      p.Label,
      -1,
      p.To,
      p.HostNetwork,
    ]),
  ];
}

function networkUpdated(a: NetworkResource[] | null, b: NetworkResource[] | null): Comparison {
  const na = a ?? [];
  const nb = b ?? [];
  if (na.length !== nb.length) return differ('network lengths');
  for (let i = 0; i < na.length; i++) {
    const x = na[i]!;
    const y = nb[i]!;
    if (x.Mode !== y.Mode) return differ('network mode');
    if (x.MBits !== y.MBits) return differ('network mbits');
    if (x.Hostname !== y.Hostname) return differ('network hostname');
    if (!deepEqual(x.DNS, y.DNS)) return differ('network dns');
    if (!deepEqual(portMap(x), portMap(y))) return differ('network port map');
  }
  return SAME;
}

function renderTemplates(p: RestartPolicy | null): boolean {
  return p !== null && p.RenderTemplates;
}

function combinedMeta(job: Job, tg: TaskGroup, task: Task): Record<string, string> {
  return { ...(job.Meta ?? {}), ...(tg.Meta ?? {}), ...(task.Meta ?? {}) };
}

function connectServices(tg: TaskGroup): unknown[] {
  return (tg.Services ?? [])
    .filter((s) => s.Connect !== undefined && s.Connect !== null)
    .map((s) => [s.Name, s.PortLabel, s.Cluster, s.Connect]);
}

function resourcesUpdated(a: Task, b: Task): Comparison {
  const x = a.Resources;
  const y = b.Resources;
  if (x.CPU !== y.CPU) return differ('task cpu');
  if (x.Cores !== y.Cores) return differ('task cores');
  if (x.MemoryMB !== y.MemoryMB) return differ('task memory');
  if (x.MemoryMaxMB !== y.MemoryMaxMB) return differ('task memory max');
  if (!deepEqual(x.Devices, y.Devices)) return differ('task devices');
  if (x.SecretsMB !== y.SecretsMB) return differ('task secrets');
  return SAME;
}

const TASK_FIELDS: readonly [keyof Task, string][] = [
  ['Config', 'task config'],
  ['Env', 'task env'],
  ['Artifacts', 'task artifacts'],
  ['Vault', 'task vault'],
  ['Consul', 'task consul'],
  ['Templates', 'task templates'],
  ['VolumeMounts', 'task volume mount'],
  ['Identity', 'task identity'],
  ['Identities', 'task identity'],
  ['Lifecycle', 'task lifecycle'],
];

function taskUpdated(jobA: Job, ga: TaskGroup, at: Task, jobB: Job, gb: TaskGroup, bt: Task): Comparison {
  if (at.Driver !== bt.Driver) return differ('task driver');
  if (at.User !== bt.User) return differ('task user');
  for (const [field, label] of TASK_FIELDS) if (!deepEqual(at[field], bt[field])) return differ(label);
  if (!deepEqual(combinedMeta(jobA, ga, at), combinedMeta(jobB, gb, bt))) return differ('task meta');
  const net = networkUpdated(at.Resources.Networks, bt.Resources.Networks);
  if (net.modified) return net;
  const res = resourcesUpdated(at, bt);
  if (res.modified) return res;
  if (at.LogConfig.Disabled !== bt.LogConfig.Disabled) return differ('task log disabled');
  if (renderTemplates(at.RestartPolicy) !== renderTemplates(bt.RestartPolicy))
    return differ('task restart render_templates');
  return SAME;
}

/** Compares group `group` of two jobs; a group missing from either side is a difference. */
export function tasksUpdated(jobA: Job, jobB: Job, group: string): Comparison {
  const a = jobA.TaskGroups.find((g) => g.Name === group);
  const b = jobB.TaskGroups.find((g) => g.Name === group);
  if (a === undefined || b === undefined) return differ('task group');
  if (a.Tasks.length !== b.Tasks.length) return differ('number of tasks');
  if (!deepEqual(a.EphemeralDisk, b.EphemeralDisk)) return differ('ephemeral disk');
  const net = networkUpdated(a.Networks, b.Networks);
  if (net.modified) return net;
  if (!deepEqual(a.Consul, b.Consul)) return differ('consul');
  if (!deepEqual(connectServices(a), connectServices(b))) return differ('connect service');
  if (!deepEqual(a.Volumes, b.Volumes)) return differ('volume request');
  if (renderTemplates(a.RestartPolicy) !== renderTemplates(b.RestartPolicy))
    return differ('group restart render_templates');
  for (const at of a.Tasks) {
    const bt = b.Tasks.find((t) => t.Name === at.Name);
    if (bt === undefined) return differ('task deleted');
    const c = taskUpdated(jobA, a, at, jobB, b, bt);
    if (c.modified) return c;
  }
  return SAME;
}
