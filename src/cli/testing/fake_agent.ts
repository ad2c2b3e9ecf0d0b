/**
 * A real HTTP server on loopback that answers with canned JSON in Nomad's shapes, for testing how
 * commands format what the API returns. Routes are "METHOD /path" (query ignored); a route may be
 * a function of the request, or a list of answers given one after the other (the last repeats).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export type FakeAnswer = { status?: number; body: unknown; index?: number; raw?: string };
export type FakeRoute = FakeAnswer | FakeAnswer[] | ((req: FakeRequest) => FakeAnswer);

export interface FakeAgent {
  address: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

const BODY_BYTES_MAX = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > BODY_BYTES_MAX) throw new Error('request body too large for the fake agent');
  }
  return text === '' ? null : (JSON.parse(text) as unknown);
}

export async function startFakeAgent(routes: Readonly<Record<string, FakeRoute>>): Promise<FakeAgent> {
  const requests: FakeRequest[] = [];
  const served = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const fake: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: await readBody(req),
      };
      requests.push(fake);
      const key = `${fake.method} ${fake.path}`;
      const route = routes[key];
      let answer: FakeAnswer;
      if (route === undefined) answer = { status: 404, raw: `no route ${key}`, body: null };
      else if (typeof route === 'function') answer = route(fake);
      else if (Array.isArray(route)) {
        const n = served.get(key) ?? 0;
        served.set(key, n + 1);
        answer = route[Math.min(n, route.length - 1)]!;
      } else answer = route;
      res.statusCode = answer.status ?? 200;
      res.setHeader('X-Nomad-Index', String(answer.index ?? 1));
      res.end(answer.raw ?? JSON.stringify(answer.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
