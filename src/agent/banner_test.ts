import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bannerLines, loadedLine } from './banner.ts';
import { loadAgentConfig } from './config_load.ts';
import { AgentLogger } from './logger.ts';

test('the -dev banner lists the configuration as Nomad does: sorted, title-cased, right-aligned to 18', async () => {
  const config = await loadAgentConfig(['-dev'], { hostname: 'host', cpuCount: 2 });
  const lines = bannerLines({
    config,
    http: { host: '127.0.0.1', port: 4646 },
    rpc: { host: '127.0.0.1', port: 4647 },
    serf: { host: '127.0.0.1', port: 4648 },
    serverNodeId: 'f0e1d2c3-0000-4000-8000-000000000000',
    version: '0.1.0',
  });
  assert.deepEqual(lines, [
    '==> Nomad agent configuration:',
    '',
    '       Advertise Addrs: HTTP: 127.0.0.1:4646; RPC: 127.0.0.1:4647; Serf: 127.0.0.1:4648',
    '            Bind Addrs: HTTP: [127.0.0.1:4646]; RPC: 127.0.0.1:4647; Serf: 127.0.0.1:4648',
    '                Client: true',
    '             Log Level: DEBUG',
    '               Node Id: f0e1d2c3-0000-4000-8000-000000000000',
    '                Region: global (DC: dc1)',
    '                Server: true',
    '               Version: 0.1.0',
    '',
    '==> Nomad agent started! Log data will stream in below:',
    '',
  ]);
});

test('a client-only banner has no server addresses and no node ID', async () => {
  const config = await loadAgentConfig(['-client', '-servers', '10.0.0.1:4647', '-bind', '0.0.0.0'], {
    hostname: 'host',
    cpuCount: 2,
  });
  const lines = bannerLines({
    config,
    http: { host: '0.0.0.0', port: 4646 },
    rpc: { host: '0.0.0.0', port: 4647 },
    serf: { host: '0.0.0.0', port: 4648 },
    serverNodeId: 'unused',
    version: '0.1.0',
  });
  assert.ok(lines.includes('       Advertise Addrs: HTTP: 127.0.0.1:4646'));
  assert.ok(lines.includes('            Bind Addrs: HTTP: [0.0.0.0:4646]'));
  assert.ok(!lines.some((l) => l.includes('Node Id')));
  assert.ok(lines.includes('                Server: false'));
});

test('the first line names the configuration files, or says there were none', () => {
  assert.equal(loadedLine([]), '==> No configuration files loaded');
  assert.equal(loadedLine(['a.hcl', 'b.json']), '==> Loaded configuration from a.hcl, b.json');
});

test('log lines are hclog-style, named, with fields, and below the level they are dropped', () => {
  const lines: string[] = [];
  const logger = new AgentLogger({
    level: 'INFO',
    json: false,
    sink: { write: (l) => lines.push(l) },
    nowMs: () => 0,
  });
  logger.named('nomad').info('cluster leadership acquired');
  logger.named('client').named('driver').warn('slow', { task: 'web', reason: 'two words' });
  logger.debug('hidden');
  assert.deepEqual(lines, [
    '    1970-01-01T00:00:00.000Z [INFO]  nomad: cluster leadership acquired\n',
    '    1970-01-01T00:00:00.000Z [WARN]  client.driver: slow: task=web reason="two words"\n',
  ]);
});

test('log_json writes one JSON object per line with @level, @message, @module and @timestamp', () => {
  const lines: string[] = [];
  const logger = new AgentLogger({
    level: 'DEBUG',
    json: true,
    sink: { write: (l) => lines.push(l) },
    nowMs: () => 0,
  });
  logger.named('http').debug('request complete', { path: '/v1/jobs' });
  assert.deepEqual(JSON.parse(lines[0]!), {
    '@level': 'debug',
    '@message': 'request complete',
    '@module': 'http',
    '@timestamp': '1970-01-01T00:00:00.000Z',
    path: '/v1/jobs',
  });
});
