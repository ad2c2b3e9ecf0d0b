/**
 * The servers' operations: /v1/operator/raft/{configuration,peer,transfer-leadership},
 * /v1/operator/autopilot/{configuration,health} and /v1/operator/snapshot (GET saves, PUT restores).
 */
import { NomadError, badRequest } from '../lib/errors.ts';
import type { ApiContext } from './api_context.ts';
import { bodyObject, fieldBool, fieldInt, fieldString, type Body } from './api_context.ts';
import type { AutopilotConfiguration } from '../api/types.ts';
import type { OperatorEndpoints } from './backend.ts';
import type { HttpRequest } from './request.ts';
import type { HttpResponse } from './response.ts';
import { RawBody } from './response.ts';

function operator(api: ApiContext): OperatorEndpoints {
  const op = api.server().operator;
  if (op === undefined) throw new NomadError('bad_request', 'This server does not run raft');
  return op;
}

function peerId(req: HttpRequest): string {
  const id = req.str('id');
  if (req.str('address') !== '' && id === '') {
    throw badRequest('Removing or transferring to a peer by address is not supported: give ?id=<server ID>');
  }
  if (id === '') throw badRequest('Must specify ?id with the server ID of the peer');
  return id;
}

export function registerOperatorRoutes(api: ApiContext): void {
  api.route('GET', '/v1/operator/raft/configuration', async (_req, res) => {
    const c = operator(api).raftConfiguration();
    res.setHeader('X-Nomad-Index', String(Math.max(1, c.Index)));
    return c;
  });
  api.route('DELETE', '/v1/operator/raft/peer', async (req) => {
    await operator(api).raftRemovePeer(peerId(req));
    return null;
  });
  api.route(['PUT', 'POST'], '/v1/operator/raft/transfer-leadership', async (req) => {
    await operator(api).raftTransferLeadership(peerId(req));
    return { Index: 0 };
  });
  api.route('GET', '/v1/operator/autopilot/configuration', async () =>
    operator(api).autopilotConfiguration(),
  );
  api.route(['PUT', 'POST'], '/v1/operator/autopilot/configuration', async (req) => setAutopilot(api, req));
  api.route('GET', '/v1/operator/autopilot/health', async () => operator(api).autopilotHealth());
  api.route('GET', '/v1/operator/snapshot', async (_req, res: HttpResponse) => {
    const data = await operator(api).snapshotSave();
    res.setHeader('Content-Disposition', 'attachment; filename="nomad-state.snap"');
    return new RawBody('application/octet-stream', data);
  });
  api.route(['PUT', 'POST'], '/v1/operator/snapshot', async (req) => {
    if (req.body.length === 0) throw badRequest('Missing snapshot: the request body must hold one');
    await operator(api).snapshotRestore(req.body);
    return null;
  });
}

async function setAutopilot(api: ApiContext, req: HttpRequest): Promise<boolean> {
  const body = bodyObject(req);
  const current = operator(api).autopilotConfiguration();
  const config: Partial<AutopilotConfiguration> = {
    CleanupDeadServers: fieldBool(body, 'CleanupDeadServers', current.CleanupDeadServers),
    LastContactThreshold: durationField(body, 'LastContactThreshold', current.LastContactThreshold),
    MaxTrailingLogs: fieldInt(body, 'MaxTrailingLogs', current.MaxTrailingLogs),
    MinQuorum: fieldInt(body, 'MinQuorum', current.MinQuorum),
    ServerStabilizationTime: durationField(body, 'ServerStabilizationTime', current.ServerStabilizationTime),
    EnableRedundancyZones: fieldBool(body, 'EnableRedundancyZones', current.EnableRedundancyZones),
    DisableUpgradeMigration: fieldBool(body, 'DisableUpgradeMigration', current.DisableUpgradeMigration),
    EnableCustomUpgrades: fieldBool(body, 'EnableCustomUpgrades', current.EnableCustomUpgrades),
  };
  const cas = req.query.has('cas') ? req.int('cas') : null;
  return operator(api).autopilotSetConfiguration(config, cas);
}

/** A duration as a Go duration string ("10s"), or integer nanoseconds as Go's time.Duration. */
function durationField(body: Body, name: string, fallback: string): string {
  const v = body[name];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return `${v}ns`;
  return fieldString(body, name, fallback);
}
