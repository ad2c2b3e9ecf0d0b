/**
 * What the HTTP API stands on, as interfaces: reads come straight from the server's state store
 * (snapshots and watches), writes go through the server's endpoints (Nomad's RPCs: each validates
 * and proposes one log entry), client-side calls (files, stats, restart, signal) go to the local
 * client. The agent (src/agent) builds one of these from its Server and Client; this file names
 * the calls the API needs and nothing more.
 */
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { LeaderForwarding } from './forward.ts';
import type { DrainSpec } from '../structs/node.ts';
import type { Job } from '../structs/job.ts';
import type { StateStore } from '../state/index.ts';
import type {
  AgentMember,
  AllocFileInfo,
  AllocResourceUsage,
  AllocStopResponse,
  DeploymentUpdateResponse,
  HostStats,
  JobDeregisterResponse,
  JobDispatchResponse,
  JobEvaluateResponse,
  JobPlanResponse,
  JobRegisterResponse,
  JobStabilityResponse,
  NodeUpdateResponse,
  PeriodicForceResponse,
  ScalingRequest,
  RaftConfiguration,
  AutopilotConfiguration,
  OperatorHealthReply,
} from '../api/types.ts';

export interface JobRegisterArgs {
  job: Job;
  enforceIndex: boolean;
  jobModifyIndex: number;
  policyOverride: boolean;
  preserveCounts: boolean;
  evalPriority: number;
}

export interface JobDeregisterArgs {
  namespace: string;
  jobId: string;
  purge: boolean;
  global: boolean;
  evalPriority: number;
  noShutdownDelay: boolean;
}

/** The server's write endpoints. Each rejects with a NomadError whose kind sets the status. */
export interface ServerEndpoints {
  jobRegister(args: JobRegisterArgs): Promise<JobRegisterResponse>;
  jobDeregister(args: JobDeregisterArgs): Promise<JobDeregisterResponse>;
  jobPlan(args: { job: Job; diff: boolean; policyOverride: boolean }): Promise<JobPlanResponse>;
  jobEvaluate(args: {
    namespace: string;
    jobId: string;
    forceReschedule: boolean;
  }): Promise<JobEvaluateResponse>;
  jobRevert(args: {
    namespace: string;
    jobId: string;
    jobVersion: number;
    enforcePriorVersion: number | null;
  }): Promise<JobRegisterResponse>;
  jobStable(args: {
    namespace: string;
    jobId: string;
    jobVersion: number;
    stable: boolean;
  }): Promise<JobStabilityResponse>;
  jobScale(args: { namespace: string; jobId: string; request: ScalingRequest }): Promise<JobRegisterResponse>;
  jobDispatch(args: {
    namespace: string;
    jobId: string;
    payload: Buffer;
    meta: Record<string, string>;
    idPrefixTemplate: string;
    priority: number;
  }): Promise<JobDispatchResponse>;
  periodicForce(args: { namespace: string; jobId: string }): Promise<PeriodicForceResponse>;
  allocStop(args: { allocId: string; noShutdownDelay: boolean }): Promise<AllocStopResponse>;
  nodeUpdateDrain(args: {
    nodeId: string;
    drainSpec: DrainSpec | null;
    markEligible: boolean;
    meta: Record<string, string>;
  }): Promise<NodeUpdateResponse>;
  nodeUpdateEligibility(args: {
    nodeId: string;
    eligibility: 'eligible' | 'ineligible';
  }): Promise<NodeUpdateResponse>;
  deploymentPromote(args: {
    deploymentId: string;
    all: boolean;
    groups: string[];
  }): Promise<DeploymentUpdateResponse>;
  deploymentFail(args: { deploymentId: string }): Promise<DeploymentUpdateResponse>;
  deploymentPause(args: { deploymentId: string; pause: boolean }): Promise<DeploymentUpdateResponse>;
  schedulerSetConfiguration(args: {
    config: SchedulerConfiguration;
    cas: number | null;
  }): Promise<{ Updated: boolean; Index: number }>;
}

/** Who leads, who the peers are, and the gossip pool. */
export interface ClusterInfo {
  /** The leader's RPC address, '' when none is known. */
  leaderAddress(): string;
  /** Milliseconds since this server last heard from the leader (0 on the leader). */
  lastContactMs(): number;
  peers(): string[];
  members(): AgentMember[];
  /** Joins the given gossip addresses; resolves with how many were joined. */
  join(addresses: readonly string[]): Promise<number>;
  forceLeave(node: string, prune: boolean): Promise<void>;
}

/** The servers' own operations: raft membership, leadership, autopilot and snapshots. */
export interface OperatorEndpoints {
  raftConfiguration(): RaftConfiguration;
  raftRemovePeer(id: string): Promise<void>;
  raftTransferLeadership(id: string): Promise<void>;
  autopilotConfiguration(): AutopilotConfiguration;
  /** Sets the configuration; with cas, only if the stored ModifyIndex matches (returns false otherwise). */
  autopilotSetConfiguration(config: Partial<AutopilotConfiguration>, cas: number | null): Promise<boolean>;
  autopilotHealth(): Promise<OperatorHealthReply>;
  /** The whole state at one index, as bytes to keep in a file. */
  snapshotSave(): Promise<Buffer>;
  /** Replaces the whole state with a saved snapshot, through the log. */
  snapshotRestore(data: Buffer): Promise<void>;
}

/** The local client's side of the API: an allocation's files and the host's and tasks' stats. */
export interface ClientEndpoints {
  nodeId(): string;
  /** Known server addresses ("host:port") and setting them. */
  servers(): string[];
  setServers(addresses: readonly string[]): void;
  hostStats(): Promise<HostStats>;
  allocStats(allocId: string, task: string): Promise<AllocResourceUsage>;
  restartAlloc(allocId: string, task: string, allTasks: boolean): Promise<void>;
  signalAlloc(allocId: string, task: string, signal: string): Promise<void>;
  /**
   * The allocation's files, paths relative to the allocation directory (a task's logs are
   * "alloc/logs/<task>.<stdout|stderr>.<n>"). The client refuses paths that leave the directory.
   */
  fsList(allocId: string, path: string): Promise<AllocFileInfo[]>;
  fsStat(allocId: string, path: string): Promise<AllocFileInfo>;
  /** Reads [offset, offset+limit) of a file; limit -1 = to the end. */
  fsReadAt(allocId: string, path: string, offset: number, limit: number): Promise<Buffer>;
}

/** Counters and gauges the agent keeps, for /v1/metrics. */
export interface MetricsSource {
  /** telemetry.prometheus_metrics: whether ?format=prometheus is served. */
  prometheusEnabled: boolean;
  gauges(): { name: string; value: number; labels: Record<string, string> }[];
  counters(): { name: string; count: number; sum: number; labels: Record<string, string> }[];
}

export interface AgentIdentity {
  name: string;
  region: string;
  datacenter: string;
  version: string;
  /** The agent's configuration as /v1/agent/self shows it. */
  selfConfig(): Record<string, unknown>;
  /** Agent health: server (has a leader) and client (registered) parts. */
  health(): { server?: { ok: boolean; message: string }; client?: { ok: boolean; message: string } };
}

export interface HttpBackend {
  agent: AgentIdentity;
  /** Present when this agent runs a server. */
  server?: {
    store: StateStore;
    endpoints: ServerEndpoints;
    cluster: ClusterInfo;
    /** Raft, autopilot and snapshots (/v1/operator/*): absent on a server without raft. */
    operator?: OperatorEndpoints;
  };
  /** Present when some requests must go to the leader (a cluster server, or a client-only agent). */
  forward?: LeaderForwarding;
  /** Present when this agent runs a client. */
  client?: ClientEndpoints;
  metrics: MetricsSource;
  /** Parses a job file (HCL2 or JSON) into a Job: src/jobspec parseJobFile. */
  parseJob(source: string, opts: { variables: string; canonicalize: boolean }): Promise<Job>;
  /** Canonicalizes then validates a job: the errors, each naming its path. */
  validateJob(job: Job): { job: Job; errors: string[]; warnings: string[] };
}
