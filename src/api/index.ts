/** The API client's public surface: import from here. */
export { NomadClient } from './nomad_client.ts';
export { ApiError, configFromEnv, DEFAULT_ADDRESS } from './client.ts';
export type { ClientConfig, QueryMeta, QueryOptions, Response, WriteMeta, WriteOptions } from './client.ts';
export type { RegisterOptions, DeregisterOptions } from './jobs.ts';
export type { LogsOptions } from './fs.ts';
export { frameData } from './fs.ts';
export type { EventStreamOptions } from './events.ts';
export type * from './types.ts';
