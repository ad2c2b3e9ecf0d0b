/**
 * What the cluster simulation checks as it runs. Raft: one leader per term, committed entries never
 * change, a new leader holds every committed entry, and logs that agree at an index agree on
 * everything before it. The state: every server's state store hashes the same at the same applied
 * index. Scheduling, after every plan: no node runs more than it has, and no group has more live
 * allocations than its count.
 */
import type { LogEntry } from '../fsm/log_entry.ts';
import type { Entry } from '../raft/types.ts';
import { serializeTables } from '../state/serialize.ts';
import type { StateStore } from '../state/index.ts';
import { allocsFit } from '../server/plan_fit.ts';
import { allocTerminal } from '../structs/allocation.ts';
import type { Job } from '../structs/job.ts';

/** The state hash is compared at every index that is a multiple of this. */
export const STATE_HASH_EVERY = 16;
/** Committed entries remembered, at most, to check that they never change. */
export const COMMITTED_REMEMBERED_MAX = 100_000;

export interface LogView {
  firstIndex(): number;
  lastIndex(): number;
  committed: number;
  entry(index: number): Entry | undefined;
}

export interface CoreView {
  id: string;
  role: string;
  term: number;
  log: LogView;
}

export class ClusterChecks {
  readonly #fail: (message: string) => void;
  readonly leaderOfTerm = new Map<number, string>();
  readonly #committed = new Map<number, { term: number; digest: string }>();
  readonly #digests = new WeakMap<Entry, string>();
  readonly #hashAt = new Map<number, { hash: string; server: string }>();
  readonly #planChecked = new Set<number>();
  plansChecked = 0;

  constructor(fail: (message: string) => void) {
    this.#fail = fail;
  }

  get committedCount(): number {
    return this.#committed.size;
  }

  // ---- raft -------------------------------------------------------------------------------

  checkRaft(cores: readonly CoreView[]): void {
    for (const c of cores) {
      if (c.role !== 'leader') continue;
      const prev = this.leaderOfTerm.get(c.term);
      if (prev !== undefined && prev !== c.id)
        this.#fail(`two leaders in term ${c.term}: ${prev} and ${c.id}`);
      if (prev === undefined) {
        this.leaderOfTerm.set(c.term, c.id);
        this.#checkLeaderCompleteness(c);
      }
    }
    for (const c of cores) this.#recordCommitted(c.log);
    for (let i = 0; i < cores.length; i++)
      for (let j = i + 1; j < cores.length; j++) this.#checkLogMatching(cores[i]!, cores[j]!);
  }

  #digest(e: Entry): string {
    let d = this.#digests.get(e);
    if (d === undefined) {
      d = `${e.term}:${e.type}:${JSON.stringify(e.data)}`;
      this.#digests.set(e, d);
    }
    return d;
  }

  #recordCommitted(log: LogView): void {
    for (let i = Math.max(log.firstIndex(), log.committed - 200); i <= log.committed; i++) {
      const e = log.entry(i);
      if (e === undefined) continue;
      const known = this.#committed.get(i);
      if (known === undefined) {
        if (this.#committed.size < COMMITTED_REMEMBERED_MAX)
          this.#committed.set(i, { term: e.term, digest: this.#digest(e) });
      } else if (known.term !== e.term || known.digest !== this.#digest(e)) {
        this.#fail(`committed entry ${i} changed`);
      }
    }
  }

  #checkLeaderCompleteness(c: CoreView): void {
    for (const [index, known] of this.#committed) {
      if (index < c.log.firstIndex()) continue;
      const e = c.log.entry(index);
      if (e === undefined || e.term !== known.term)
        this.#fail(`new leader ${c.id} (term ${c.term}) lacks committed entry ${index}`);
    }
  }

  #checkLogMatching(a: CoreView, b: CoreView): void {
    const lo = Math.max(a.log.firstIndex(), b.log.firstIndex());
    const hi = Math.min(a.log.lastIndex(), b.log.lastIndex());
    let matched = -1;
    for (let i = hi; i >= lo; i--) {
      const x = a.log.entry(i);
      const y = b.log.entry(i);
      if (x === undefined || y === undefined) continue;
      if (matched < 0 && x.term === y.term) matched = i;
      if (matched >= 0 && this.#digest(x) !== this.#digest(y)) {
        this.#fail(`logs of ${a.id} and ${b.id} agree at ${matched} but differ at ${i}`);
        return;
      }
    }
  }

  // ---- state ------------------------------------------------------------------------------

  /** After a server applied an entry: equal index, equal state; and the plan checks. */
  onApplied(server: string, store: StateStore, index: number, entry: LogEntry): void {
    if (index % STATE_HASH_EVERY === 0) {
      const hash = stateHash(store);
      const seen = this.#hashAt.get(index);
      if (seen === undefined) this.#hashAt.set(index, { hash, server });
      else if (seen.hash !== hash)
        this.#fail(`state of ${server} at index ${index} differs from the state of ${seen.server}`);
    }
    if (entry.type === 'ApplyPlanResults' && !this.#planChecked.has(index)) {
      this.#planChecked.add(index);
      this.plansChecked++;
      this.#checkPlan(store, index, entry.job, [...new Set(entry.allocsUpdated.map((a) => a.NodeID))]);
    }
  }

  #checkPlan(store: StateStore, index: number, planJob: Job | null, nodeIds: readonly string[]): void {
    const snap = store.snapshot();
    for (const nodeId of nodeIds) {
      const node = snap.nodeByID(nodeId);
      if (node === undefined) continue;
      const live = snap.allocsByNode(nodeId).filter((a) => !allocTerminal(a));
      const fit = allocsFit(node, live);
      if (!fit.fit)
        this.#fail(`node ${node.Name} is over-committed after the plan at index ${index}: ${fit.reason}`);
    }
    if (planJob === null) return;
    const current = snap.jobByID(planJob.Namespace, planJob.ID);
    // A plan is committed node by node: on a node that is not ready (its client re-registering,
    // or down) the plan's in-place updates are refused, and the stops that came with them, until
    // the scheduler retries; Nomad does the same. Allocations there are counted once the node is
    // ready again, and convergence requires the exact count.
    const live = snap
      .allocsByJob(planJob.Namespace, planJob.ID, true)
      .filter((a) => !allocTerminal(a) && snap.nodeByID(a.NodeID)?.Status === 'ready');
    for (const g of planJob.TaskGroups) {
      // A plan made for one version may land after the next version was registered: either count holds.
      const allowed = Math.max(
        groupCount(planJob, g.Name),
        current === undefined ? 0 : groupCount(current, g.Name),
      );
      const n = live.filter((a) => a.TaskGroup === g.Name).length;
      if (n > allowed)
        this.#fail(
          `job ${planJob.ID} group ${g.Name} has ${n} live allocations, more than its count ${allowed}, after the plan at index ${index}`,
        );
    }
  }
}

function groupCount(job: Job, group: string): number {
  if (job.Stop) return 0;
  const g = job.TaskGroups.find((x) => x.Name === group);
  return g === undefined ? 0 : g.Count + (g.Update?.Canary ?? 0);
}

/**
 * A hash of every table of the state store. Plain JSON is enough: every server builds its objects
 * from the same entries by the same code (or from a snapshot of them), so their keys come in the
 * same order; a difference in order would itself be worth a look.
 */
export function stateHash(store: StateStore): string {
  return hashString(JSON.stringify(serializeTables(store.snapshot().tables())));
}

/** Two 32-bit FNV-1a lanes: enough to tell states apart in a simulation. */
export function hashString(s: string): string {
  let a = 2166136261;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}
