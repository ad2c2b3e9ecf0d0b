import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, type TestAgent } from '../helpers/agent.ts';
import { frameData } from '../../src/api/fs.ts';
import type { Job } from '../../src/structs/job.ts';
import type { NomadClient } from '../../src/api/nomad_client.ts';

let agent: TestAgent;

before(async () => {
  agent = await startAgent();
});

after(async () => {
  await agent.stop();
});

function rawExecJob(id: string, type: 'batch' | 'service', script: string): Job {
  return {
    ID: id,
    Name: id,
    Type: type,
    Datacenters: ['dc1'],
    TaskGroups: [
      {
        Name: 'g',
        Count: 1,
        Tasks: [
          {
            Name: 't',
            Driver: 'raw_exec',
            Config: { command: '/bin/sh', args: ['-c', script] },
            Resources: { CPU: 100, MemoryMB: 64 },
          },
        ],
      },
    ],
  } as unknown as Job;
}

/** Blocks on the job's allocations until one reaches the status (a failure bound, not a speed test). */
async function waitForAlloc(client: NomadClient, jobId: string, status: string): Promise<string> {
  let index = 0;
  for (let i = 0; i < 100; i++) {
    const { data, meta } = await client.jobs.allocations(jobId, false, {
      waitIndex: index,
      waitTimeMs: 5000,
    });
    const hit = data.find((a) => a.ClientStatus === status);
    if (hit !== undefined) return hit.ID;
    index = meta.lastIndex;
  }
  throw new Error(`no ${status} allocation of ${jobId}`);
}

test('a batch job runs to completion and its output is readable as frames, plain, and by cat', async () => {
  const { client } = agent;
  await client.jobs.register(rawExecJob('hello', 'batch', 'echo hello world; echo oops >&2'));
  const allocId = await waitForAlloc(client, 'hello', 'complete');
  const frames: Buffer[] = [];
  for await (const f of client.allocFS.logs(allocId, { task: 't' })) frames.push(frameData(f));
  assert.equal(Buffer.concat(frames).toString(), 'hello world\n');
  const plain: Buffer[] = [];
  for await (const c of client.allocFS.logsPlain(allocId, { task: 't', type: 'stderr' })) plain.push(c);
  assert.equal(Buffer.concat(plain).toString(), 'oops\n');
  const tail: Buffer[] = [];
  for await (const c of client.allocFS.logsPlain(allocId, { task: 't', origin: 'end', offset: 6 }))
    tail.push(c);
  assert.equal(Buffer.concat(tail).toString(), 'world\n');
  const ls = await client.allocFS.list(allocId, 'alloc/logs');
  assert.ok(ls.some((f) => f.Name === 't.stdout.0'));
  assert.equal((await client.allocFS.cat(allocId, 'alloc/logs/t.stdout.0')).toString(), 'hello world\n');
  assert.equal((await client.allocFS.stat(allocId, 'alloc/logs/t.stdout.0')).Size, 12);
});

test('a service job streams followed logs, reports stats, and restarts and signals on request', async () => {
  const { client } = agent;
  await client.jobs.register(
    rawExecJob('svc', 'service', 'trap "echo got-hup" HUP; echo up; while true; do sleep 0.1; done'),
  );
  const allocId = await waitForAlloc(client, 'svc', 'running');
  const ac = new AbortController();
  let seen = '';
  const following = (async () => {
    for await (const c of client.allocFS.logsPlain(allocId, { task: 't', follow: true, signal: ac.signal })) {
      seen += c.toString();
      if (seen.includes('got-hup')) ac.abort();
    }
  })();
  await client.allocations.signal(allocId, 't', 'SIGHUP');
  await following;
  assert.match(seen, /up\n[\s\S]*got-hup/);
  const stats = await client.allocations.stats(allocId);
  assert.ok(stats.data.Tasks['t'] !== undefined);
  const host = await client.nodes.stats();
  assert.ok((host.data.Memory?.Total ?? 0) > 0);
  await client.allocations.restart(allocId, 't');
  // The client reports the task's events in batches: block on the allocation until they arrive.
  let index = 0;
  let restarted = false;
  for (let i = 0; i < 50 && !restarted; i++) {
    const alloc = await client.allocations.info(allocId, { waitIndex: index, waitTimeMs: 5000 });
    restarted = alloc.data.TaskStates?.['t']?.Events.some((e) => e.Type === 'Restart Signaled') === true;
    index = alloc.meta.lastIndex;
  }
  assert.ok(restarted, 'the task shows the restart event');
  await client.jobs.deregister('svc');
});
