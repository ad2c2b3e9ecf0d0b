import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent } from '../helpers/agent.ts';

test('nomad agent -dev prints the banner, serves the API with one ready node, and exits 0 on SIGINT', async () => {
  const agent = await startAgent();
  let code: number | null = null;
  try {
    const out = agent.output();
    assert.match(out, /^==> Loaded configuration from .*agent\.hcl$/m);
    assert.match(out, /^==> Starting Nomad agent\.\.\.$/m);
    assert.match(out, /^==> Nomad agent configuration:$/m);
    assert.match(out, /^ {16}Client: true$/m);
    assert.match(out, /^ {13}Log Level: DEBUG$/m);
    assert.match(out, /^ {16}Region: global \(DC: dc1\)$/m);
    assert.match(out, /^ {16}Server: true$/m);
    assert.match(out, /^==> Nomad agent started! Log data will stream in below:$/m);
    assert.match(out, /^ {4}\d{4}-\d\d-\d\dT[\d:.]+Z \[INFO\] {2}nomad: cluster leadership acquired$/m);
    const nodes = await agent.client.nodes.list();
    assert.equal(nodes.data.length, 1);
    assert.equal(nodes.data[0]!.Status, 'ready');
    assert.equal(await agent.client.status.leader(), `127.0.0.1:${agent.rpcPort}`);
  } finally {
    code = await agent.stop('SIGINT');
  }
  assert.equal(code, 0);
  assert.match(agent.output(), /^==> Caught signal: interrupt$/m);
  assert.match(agent.output(), /agent: shutdown complete/);
});

test('nomad agent with an unknown configuration key exits 1 naming the key, before starting', async () => {
  await assert.rejects(startAgent({ config: 'client {\n  enabld = true\n}\n' }), (err: Error) => {
    assert.match(err.message, /unknown key "client\.enabld"/);
    assert.doesNotMatch(err.message, /Starting Nomad agent/);
    return true;
  });
});
