/**
 * The simulation's users: each makes one call at a time to a server (any; followers forward),
 * registering, updating, scaling, stopping and reading jobs, and records what it saw as a history
 * for the linearizability check. A job, as users see it, is the token of its last registration,
 * its group's count and whether it is stopped; each job ID is one such register.
 */
import { NotAppliedError } from '../raft/driver/raft_node.ts';
import type { Rng } from '../lib/random.ts';
import type { JobInput } from '../structs/canonicalize.ts';
import type { Job } from '../structs/job.ts';
import type { Model, Operation } from './linearizability.ts';
import { DefiniteError } from './sim_rpc.ts';
import type { SimRpcEndpoint } from './sim_rpc.ts';
import type { Envelope, SimMethod } from './cluster_server.ts';

/** How long a user waits for an answer before giving up on a call (its outcome is then unknown). */
export const USER_CALL_TIMEOUT_MS = 4_000;
const NS_PER_S = 1e9;

export interface JobView {
  token: string;
  count: number;
  stop: boolean;
}

export type JobInputOp =
  | { kind: 'register'; token: string; count: number }
  | { kind: 'scale'; count: number }
  | { kind: 'stop' }
  | { kind: 'read' };

/** What a call returned: 'ok' or 'not_found' for writes, the job (or null) for reads. */
export type JobOutput = 'ok' | 'not_found' | JobView | null;

export type JobOperation = Operation<JobInputOp, JobOutput>;

/** The sequential specification of one job, as the linearizability checker replays it. */
export const jobModel: Model<JobView | null, JobInputOp, JobOutput> = {
  init: () => null,
  step: (state, input, output) => {
    switch (input.kind) {
      case 'register':
        return { ok: output === 'ok', next: { token: input.token, count: input.count, stop: false } };
      case 'scale':
        if (output === 'not_found') return { ok: state === null, next: state };
        return { ok: output === 'ok' && state !== null, next: state && { ...state, count: input.count } };
      case 'stop':
        if (output === 'not_found') return { ok: state === null, next: state };
        return { ok: output === 'ok' && state !== null, next: state && { ...state, stop: true } };
      case 'read':
        return { ok: viewKey(output as JobView | null) === viewKey(state), next: state };
    }
  },
  hash: (state) => viewKey(state),
};

function viewKey(v: JobView | null): string {
  return v === null ? '-' : `${v.token}|${v.count}|${v.stop ? 1 : 0}`;
}

export function jobView(job: Job | null): JobView | null {
  if (job === null) return null;
  return {
    token: job.Meta?.['sim_token'] ?? '',
    count: job.TaskGroups.find((g) => g.Name === 'g')?.Count ?? -1,
    stop: job.Stop,
  };
}

/** Job IDs: even ones are services, odd ones batch jobs. */
export function jobIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${i % 2 === 0 ? 'svc' : 'batch'}-${i}`);
}

/** A job of the mock driver; services run long and update one at a time, batch jobs finish (or fail). */
export function jobSpec(id: string, token: string, count: number, rng: Rng): JobInput {
  const service = id.startsWith('svc');
  const config: Record<string, unknown> = service
    ? { run_for: rng.next() < 0.5 ? '1h' : '2h', kill_after: '100ms' }
    : { run_for: `${200 + rng.int(3000)}ms`, exit_code: rng.next() < 0.15 ? 1 : 0, kill_after: '100ms' };
  return {
    ID: id,
    Name: id,
    Type: service ? 'service' : 'batch',
    Datacenters: ['dc1'],
    Meta: { sim_token: token },
    ...(service
      ? {
          Update: {
            MaxParallel: 1,
            MinHealthyTime: 1 * NS_PER_S,
            HealthyDeadline: 20 * NS_PER_S,
            ProgressDeadline: 60 * NS_PER_S,
          },
        }
      : {}),
    TaskGroups: [
      {
        Name: 'g',
        Count: count,
        Tasks: [{ Name: 't', Driver: 'mock_driver', Config: config, Resources: { CPU: 100, MemoryMB: 64 } }],
      },
    ],
  };
}

export interface UserDeps {
  id: number;
  rpc: SimRpcEndpoint;
  rng: Rng;
  jobs: readonly string[];
  nowMs: () => number;
  /** Servers, and whether each accepts connections now (a dead one refuses them at once). */
  servers: () => { id: string; up: boolean }[];
  /** Records an operation as it starts (its outcome unknown until it returns), or forgets it. */
  record: (op: JobOperation) => void;
  forget: (op: JobOperation) => void;
}

/** One user call: picks an operation, calls a random server, records what came back. */
export async function userCall(d: UserDeps, seq: number): Promise<void> {
  const jobId = d.jobs[d.rng.int(d.jobs.length)]!;
  const servers = d.servers();
  const target = servers[d.rng.int(servers.length)]!;
  const r = d.rng.next();
  const count = 1 + d.rng.int(3);
  let input: JobInputOp;
  let method: SimMethod;
  let args: Record<string, unknown>;
  if (r < 0.35) {
    const token = `u${d.id}-${seq}`;
    input = { kind: 'register', token, count };
    method = 'Job.Register';
    args = { job: jobSpec(jobId, token, count, d.rng) };
  } else if (r < 0.5) {
    input = { kind: 'scale', count };
    method = 'Job.Scale';
    args = { jobId, group: 'g', count };
  } else if (r < 0.58) {
    input = { kind: 'stop' };
    method = 'Job.Deregister';
    args = { jobId };
  } else {
    input = { kind: 'read' };
    method = 'Job.GetJob';
    args = { jobId };
  }
  if (!target.up) return; // connection refused: nothing was sent
  const op: JobOperation = {
    clientId: d.id,
    key: jobId,
    input,
    output: 'ok',
    call: d.nowMs(),
    ret: Infinity,
  };
  // In the history from the start: a call still in flight when the run ends may have taken effect.
  d.record(op);
  try {
    const value = await d.rpc.call(
      target.id,
      method,
      { args, hops: 0 } satisfies Envelope,
      USER_CALL_TIMEOUT_MS,
    );
    op.output = input.kind === 'read' ? jobView(value as Job | null) : 'ok';
    op.ret = d.nowMs();
  } catch (err) {
    if (err instanceof DefiniteError && err.kind === 'not_found' && input.kind !== 'read') {
      op.output = 'not_found';
      op.ret = d.nowMs();
    } else if (isDefiniteFailure(err) || input.kind === 'read') {
      d.forget(op); // it certainly did not happen (or it was a read that saw nothing)
    }
    // Otherwise the outcome is unknown: if it took effect, it succeeded ('ok', ret Infinity).
  }
}

function isDefiniteFailure(err: unknown): boolean {
  return err instanceof DefiniteError || err instanceof NotAppliedError;
}
