/**
 * Port assignment for a chosen node: static ports as asked, dynamic ports drawn from the node's
 * dynamic range with the evaluation's seeded randomness (a few random tries, then a scan), never
 * colliding with ports the node or its allocations hold.
 */
import type {
  AllocatedPortMapping,
  AllocatedResources,
  AllocatedTaskResources,
  AllocNetwork,
} from '../structs/allocation.ts';
import type { Port } from '../structs/job.ts';
import type { Node } from '../structs/node.ts';
import type { Rng } from '../lib/random.ts';
import { AssertionError } from '../lib/assert.ts';
import { dynamicPortRange, nodeIP, type GroupAsk } from './resources.ts';

/** Random draws before falling back to a scan of the range (Nomad's maxRandPortAttempts). */
export const MAX_RANDOM_PORT_ATTEMPTS = 20;

function pickDynamic(rng: Rng, min: number, max: number, taken: Set<number>): number {
  const span = max - min + 1;
  for (let k = 0; k < MAX_RANDOM_PORT_ATTEMPTS; k++) {
    const p = min + rng.int(span);
    if (!taken.has(p)) return p;
  }
  const start = rng.int(span);
  for (let k = 0; k < span; k++) {
    const p = min + ((start + k) % span);
    if (!taken.has(p)) return p;
  }
  // checkFit counted enough free ports before this node was chosen.
  throw new AssertionError(`No dynamic port left in ${min}-${max} on a node that was checked to have one`);
}

/**
 * Builds an allocation's resources on a node: the group's per-task resources (shared, unchanged
 * objects when no task asks for a network) and its networks with every port assigned.
 */
export function assignResources(
  ask: GroupAsk,
  node: Node,
  opts: { used: ReadonlySet<number>; rng: Rng; diskMb: number },
): AllocatedResources {
  if (ask.networks.length === 0) {
    return {
      Tasks: ask.tasks,
      TaskLifecycles: ask.lifecycles,
      Shared: { DiskMB: opts.diskMb, Networks: null, Ports: null },
    };
  }
  const { min, max } = dynamicPortRange(node);
  const { ip, device } = nodeIP(node);
  const taken = new Set<number>(opts.used);
  for (const p of ask.staticPorts) taken.add(p.Value);
  const sharedNetworks: AllocNetwork[] = [];
  const sharedPorts: AllocatedPortMapping[] = [];
  let tasks = ask.tasks;
  for (const { network, task } of ask.networks) {
    const reserved: Port[] = (network.ReservedPorts ?? []).map((p) => ({ ...p }));
    const dynamic: Port[] = (network.DynamicPorts ?? []).map((p) => {
      const value = pickDynamic(opts.rng, min, max, taken);
      taken.add(value);
      return { ...p, Value: value, To: p.To === -1 ? value : p.To };
    });
    const assigned: AllocNetwork = {
      Mode: network.Mode === '' ? 'host' : network.Mode,
      Device: device,
      IP: ip,
      MBits: network.MBits,
      ReservedPorts: reserved.length === 0 ? null : reserved,
      DynamicPorts: dynamic.length === 0 ? null : dynamic,
    };
    if (task === null) {
      sharedNetworks.push(assigned);
      for (const p of [...reserved, ...dynamic])
        sharedPorts.push({ Label: p.Label, Value: p.Value, To: p.To, HostIP: ip });
    } else {
      if (tasks === ask.tasks) tasks = { ...ask.tasks };
      const prev: AllocatedTaskResources = tasks[task]!;
      tasks[task] = { ...prev, Networks: [...(prev.Networks ?? []), assigned] };
    }
  }
  return {
    Tasks: tasks,
    TaskLifecycles: ask.lifecycles,
    Shared: {
      DiskMB: opts.diskMb,
      Networks: sharedNetworks.length === 0 ? null : sharedNetworks,
      Ports: sharedPorts.length === 0 ? null : sharedPorts,
    },
  };
}
