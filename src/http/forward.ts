/**
 * Requests that need the leader, on an agent that is not the leader: writes, and reads without
 * ?stale, are proxied as they are to the leader's HTTP API (its address travels in gossip tags),
 * and the leader's answer, headers and body (streams and blocking queries too), goes back as it
 * came. `?stale` reads, and what any agent answers for itself (/v1/agent/*, /v1/status/*, the
 * client's files and stats, metrics), stay local.
 *
 * Why proxy HTTP rather than forward each RPC as Nomad does: the HTTP handlers read the state
 * store directly, so forwarding at the RPC level would mean an RPC per read endpoint (dozens, with
 * blocking queries and streams). One proxy in front of the router covers every route, and the
 * leader answers exactly as it would answer the caller directly.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { NomadError } from '../lib/errors.ts';

/** Where a request that needs the leader goes. */
export type LeaderRoute = { kind: 'local' } | { kind: 'remote'; httpAddr: string } | { kind: 'none' };

export interface LeaderForwarding {
  /** Whether this agent runs a server (a client-only agent forwards what servers answer, too). */
  hasServer: boolean;
  /** Where the leader is now; implementations wait a little for an election in progress. */
  route(): Promise<LeaderRoute>;
}

/** Marks a forwarded request: it is never forwarded again (leaders change while requests travel). */
export const FORWARDED_HEADER = 'x-nomad-forwarded';

/** Answered by the agent itself, server or not. */
const AGENT_LOCAL = ['/v1/agent/self', '/v1/agent/health', '/v1/agent/servers', '/v1/client/', '/v1/metrics'];
/** Answered by any server from its own state: gossip, raft status, its event stream. */
const SERVER_LOCAL = ['/v1/agent/', '/v1/status/', '/v1/regions', '/v1/event/stream'];

function startsWithAny(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => path.startsWith(p));
}

/** Whether the request must be answered by the leader. */
export function needsLeader(
  method: string,
  path: string,
  query: URLSearchParams,
  hasServer: boolean,
): boolean {
  if (!path.startsWith('/v1/') || startsWithAny(path, AGENT_LOCAL)) return false;
  if (!hasServer) return true;
  if (startsWithAny(path, SERVER_LOCAL)) return false;
  if (method === 'GET' || method === 'HEAD') return !query.has('stale');
  return true;
}

/** Nomad's answer when there is no leader to ask. */
export function noLeader(): NomadError {
  return new NomadError('internal', 'No cluster leader');
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

/** Sends the request to the leader and streams its answer back; resolves when the answer ends. */
export function proxyToLeader(
  req: IncomingMessage,
  raw: ServerResponse,
  httpAddr: string,
  signal: AbortSignal,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && !HOP_HEADERS.has(k)) headers[k] = v;
  }
  headers[FORWARDED_HEADER] = '1';
  return new Promise((resolve, reject) => {
    const up = httpRequest(
      `http://${httpAddr}${req.url ?? '/'}`,
      { method: req.method, headers, signal },
      (res) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined && !HOP_HEADERS.has(k)) out[k] = v;
        raw.writeHead(res.statusCode ?? 500, out);
        res.pipe(raw);
        res.on('end', () => resolve());
        res.on('error', (err) => reject(err));
        raw.on('close', () => res.destroy());
      },
    );
    up.on('error', (err) => {
      if (raw.headersSent) {
        resolve();
        return;
      }
      reject(
        new NomadError(
          'internal',
          `Failed to forward the request to the leader at ${httpAddr}: ${err.message}`,
          {
            cause: err,
          },
        ),
      );
    });
    req.pipe(up);
  });
}
