/** The state store's public API: import from here. */
export { StateStore, StateSnapshot, blockingQuery, emptyTables, defaultNamespace } from './state_store.ts';
export type { QueryResult, WriteOptions } from './state_store.ts';
export { StateReader } from './state_reader.ts';
export { StateTxn } from './state_txn.ts';
export { SortedMap } from './sorted_map.ts';
export { JOB_TRACKED_VERSIONS, TABLE_NAMES, nsKey } from './tables.ts';
export type { TableName, Tables } from './tables.ts';
export type { Namespace, PeriodicLaunch } from './rows.ts';
export { watchItems, WATCHERS_MAX } from './watch.ts';
export type { WatchItem, WatchIndex } from './watch.ts';
export { eventsFromChanges } from './events.ts';
export type { Change } from './changes.ts';
export type { EventListener, EventPayload, EventTopic, EventType, StateEvent } from './events.ts';
export {
  upsertJob,
  deleteJob,
  updateJobStability,
  computeJobStatus,
  jobIsPeriodic,
  jobIsParameterized,
} from './state_store_jobs.ts';
export {
  upsertAllocs,
  updateAllocsFromClient,
  updateAllocsDesiredTransitions,
  deleteAllocs,
} from './state_store_allocs.ts';
export type { AllocClientUpdateRow } from './state_store_allocs.ts';
export { upsertEvals, deleteEvals, touchEval } from './state_store_evals.ts';
export {
  upsertNode,
  deleteNodes,
  updateNodeStatus,
  updateNodeDrain,
  updateNodeEligibility,
  upsertNodeEvents,
  NODE_EVENTS_MAX,
} from './state_store_nodes.ts';
export {
  upsertDeployment,
  updateDeploymentStatus,
  applyDeploymentStatus,
  promoteDeployment,
  setDeploymentAllocHealth,
  deleteDeployments,
} from './state_store_deployments.ts';
export type {
  DeploymentStatusRequest,
  DeploymentPromoteRequest,
  DeploymentAllocHealthRequest,
} from './state_store_deployments.ts';
export { upsertPlanResults, preemptedDescription } from './state_store_plan.ts';
export type { PlanResultsRequest, AllocStopDiff, AllocPreemptDiff } from './state_store_plan.ts';
export {
  upsertPeriodicLaunch,
  deletePeriodicLaunch,
  setSchedulerConfig,
  upsertNamespaces,
} from './state_store_misc.ts';
export { serializeTables, deserializeTables } from './serialize.ts';
export type { SerializedState } from './serialize.ts';
