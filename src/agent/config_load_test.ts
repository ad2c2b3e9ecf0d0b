import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentConfig, mergeLayers } from './config_load.ts';
import { parseAgentFlags } from './flags.ts';

const HOST = { hostname: 'testhost', cpuCount: 4 };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nomad-agent-config-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('-dev runs a server and a client on loopback at DEBUG with raw_exec enabled, named after the host', async () => {
  const c = await loadAgentConfig(['-dev'], HOST);
  assert.equal(c.devMode, true);
  assert.equal(c.server.enabled, true);
  assert.equal(c.client.enabled, true);
  assert.equal(c.server.bootstrapExpect, 1);
  assert.equal(c.bindAddr, '127.0.0.1');
  assert.equal(c.logLevel, 'DEBUG');
  assert.equal(c.name, 'testhost');
  assert.equal(c.dataDir, '');
  assert.equal(c.client.options['driver.raw_exec.enable'], 'true');
  assert.deepEqual(c.ports, { http: 4646, rpc: 4647, serf: 4648 });
  assert.equal(c.region, 'global');
  assert.equal(c.datacenter, 'dc1');
});

test('an agent with neither server nor client mode is refused', async () => {
  await assert.rejects(
    loadAgentConfig([], HOST),
    /Must specify either server, client or dev mode for the agent/,
  );
});

test('an HCL file sets Nomad agent blocks: ports, server, client with meta, reserved, host volumes, plugins', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'agent.hcl');
    await writeFile(
      file,
      `
name       = "node-a"
region     = "eu"
datacenter = "dc2"
data_dir   = "/var/lib/nomad"
log_level  = "warn"
ports {
  http = 5646
  rpc  = 5647
  serf = 5648
}
server {
  enabled          = true
  bootstrap_expect = 3
  server_join {
    retry_join = ["10.0.0.1", "10.0.0.2"]
  }
}
client {
  enabled    = true
  node_class = "gpu"
  meta {
    rack = "r1"
    tier = 2
  }
  reserved {
    cpu    = 500
    memory = 256
  }
  host_volume "data" {
    path      = "/srv/data"
    read_only = true
  }
}
plugin "raw_exec" {
  config {
    enabled = true
  }
}
`,
    );
    const c = await loadAgentConfig(['-config', file], HOST);
    assert.deepEqual(c.files, [file]);
    assert.equal(c.name, 'node-a');
    assert.equal(c.region, 'eu');
    assert.equal(c.datacenter, 'dc2');
    assert.equal(c.dataDir, '/var/lib/nomad');
    assert.equal(c.logLevel, 'WARN');
    assert.deepEqual(c.ports, { http: 5646, rpc: 5647, serf: 5648 });
    assert.equal(c.server.bootstrapExpect, 3);
    assert.deepEqual(c.server.join, ['10.0.0.1', '10.0.0.2']);
    assert.equal(c.client.nodeClass, 'gpu');
    assert.deepEqual(c.client.meta, { rack: 'r1', tier: '2' });
    assert.equal(c.client.reserved.cpuMhz, 500);
    assert.equal(c.client.reserved.memoryMb, 256);
    assert.deepEqual(c.client.hostVolumes, [{ name: 'data', path: '/srv/data', readOnly: true }]);
    assert.deepEqual(c.plugins, [{ name: 'raw_exec', config: { enabled: true } }]);
  });
});

test('an unknown key is an error naming the file and the full key path', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'bad.hcl');
    await writeFile(file, 'server {\n  enabled = true\n  bootstrap_expectt = 1\n}\n');
    await assert.rejects(
      loadAgentConfig(['-config', file], HOST),
      (err: Error) =>
        err.message.includes(file) && err.message.includes('unknown key "server.bootstrap_expectt"'),
    );
  });
});

test('a bad value is an error naming the key and quoting the value', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ server: { enabled: 'yes' }, ports: { http: 70000 } }));
    await assert.rejects(loadAgentConfig(['-config', file], HOST), (err: Error) => {
      assert.match(err.message, /"server\.enabled" must be true or false: got "yes"/);
      assert.match(err.message, /"ports\.http" must be at most 65535: got 70000/);
      return true;
    });
  });
});

test('an unknown log level is refused naming the key', async () => {
  await assert.rejects(loadAgentConfig(['-dev', '-log-level', 'LOUD'], HOST), /"log_level" must be one of/);
});

test('HCL syntax errors carry the file name and position', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'broken.hcl');
    await writeFile(file, 'server {\n  enabled = \n');
    await assert.rejects(loadAgentConfig(['-config', file], HOST), (err: Error) => {
      assert.ok(err.message.startsWith(`Error loading configuration from ${file}:`), err.message);
      assert.match(err.message, /broken\.hcl:\d+,\d+/);
      return true;
    });
  });
});

test('files merge in the order given: later scalars win, maps merge, server lists append', async () => {
  await withDir(async (dir) => {
    const a = join(dir, 'a.hcl');
    const b = join(dir, 'b.json');
    await writeFile(
      a,
      'region = "one"\nclient {\n  enabled = true\n  servers = ["s1"]\n  meta { a = "1" }\n}\n',
    );
    await writeFile(b, JSON.stringify({ region: 'two', client: { servers: ['s2'], meta: { b: '2' } } }));
    const c = await loadAgentConfig(['-config', a, '-config', b], HOST);
    assert.equal(c.region, 'two');
    assert.deepEqual(c.client.servers, ['s1', 's2']);
    assert.deepEqual(c.client.meta, { a: '1', b: '2' });
    assert.deepEqual(c.files, [a, b]);
  });
});

test('a directory contributes its .hcl and .json files in name order, skipping others', async () => {
  await withDir(async (dir) => {
    const conf = join(dir, 'conf.d');
    await mkdir(conf);
    await writeFile(join(conf, '20-b.hcl'), 'datacenter = "second"\n');
    await writeFile(
      join(conf, '10-a.json'),
      JSON.stringify({ datacenter: 'first', server: { enabled: true } }),
    );
    await writeFile(join(conf, 'notes.txt'), 'not = config = at all');
    await writeFile(join(conf, '30-c.hcl~'), 'garbage');
    const c = await loadAgentConfig(['-config', conf], HOST);
    assert.equal(c.datacenter, 'second');
    assert.deepEqual(c.files, [join(conf, '10-a.json'), join(conf, '20-b.hcl')]);
  });
});

test('flags win over configuration files', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'agent.hcl');
    await writeFile(
      file,
      'region = "file"\ndatacenter = "file-dc"\nlog_level = "ERROR"\nserver { enabled = true }\n',
    );
    const c = await loadAgentConfig(
      [
        '-config',
        file,
        '-region=flag',
        '-dc',
        'flag-dc',
        '-log-level',
        'trace',
        '-node',
        'n1',
        '-bootstrap-expect',
        '1',
      ],
      HOST,
    );
    assert.equal(c.region, 'flag');
    assert.equal(c.datacenter, 'flag-dc');
    assert.equal(c.logLevel, 'TRACE');
    assert.equal(c.name, 'n1');
    assert.equal(c.server.bootstrapExpect, 1);
  });
});

test('-dev settings are overridden by files, and files by flags', async () => {
  await withDir(async (dir) => {
    const file = join(dir, 'agent.hcl');
    await writeFile(file, 'log_level = "INFO"\nbind_addr = "127.0.0.2"\n');
    const fromFile = await loadAgentConfig(['-dev', '-config', file], HOST);
    assert.equal(fromFile.logLevel, 'INFO');
    assert.equal(fromFile.bindAddr, '127.0.0.2');
    const fromFlag = await loadAgentConfig(['-dev', '-config', file, '-bind', '127.0.0.3'], HOST);
    assert.equal(fromFlag.bindAddr, '127.0.0.3');
  });
});

test('a missing -config path is an error naming it', async () => {
  await assert.rejects(
    loadAgentConfig(['-dev', '-config', '/nonexistent/agent.hcl'], HOST),
    /\/nonexistent\/agent\.hcl/,
  );
});

test('unknown flags and flags without values are errors naming the flag', () => {
  assert.throws(() => parseAgentFlags(['-devv']), /flag provided but not defined: -devv/);
  assert.throws(() => parseAgentFlags(['-config']), /flag needs an argument: -config/);
  assert.throws(
    () => parseAgentFlags(['-bootstrap-expect', 'three']),
    /invalid value "three" for flag -bootstrap-expect/,
  );
  assert.throws(() => parseAgentFlags(['-meta', 'novalue']), /invalid value "novalue" for flag -meta/);
});

test('-servers splits on commas and -meta repeats', () => {
  const f = parseAgentFlags(['-client', '-servers', 'a:4647, b:4647', '-meta', 'x=1', '-meta=y=2']);
  assert.deepEqual(f.layer, {
    client: { enabled: true, servers: ['a:4647', 'b:4647'], meta: { x: '1', y: '2' } },
  });
});

test('mergeLayers() does not mutate its inputs', () => {
  const a = { client: { meta: { a: '1' } } };
  const b = { client: { meta: { b: '2' } } };
  const merged = mergeLayers(a, b);
  assert.deepEqual(a, { client: { meta: { a: '1' } } });
  assert.deepEqual(merged, { client: { meta: { a: '1', b: '2' } } });
});
