/**
 * A client agent in its own process, for the test that kills it with SIGKILL: argv[2] is the data
 * dir, argv[3] a JSON file with one allocation. Prints "RUNNING" once the allocation's tasks run.
 */
import { readFileSync } from 'node:fs';
import type { Allocation } from '../../structs/allocation.ts';
import { Client } from '../client.ts';
import { defaultDrivers } from '../config.ts';
import { quietLogger } from './fixtures.ts';
import { TestServer } from './test_server.ts';

const [dataDir, allocFile] = process.argv.slice(2);
const server = new TestServer();
const alloc = JSON.parse(readFileSync(allocFile!, 'utf8')) as Allocation;
const client = new Client({
  dataDir: dataDir!,
  servers: server,
  drivers: defaultDrivers({ devMode: true }),
  logger: quietLogger,
  nodeName: 'kill-test',
  allocUpdateFlushMs: 20,
});
await client.start();
server.putAlloc({ ...alloc, NodeID: client.node.ID });
const timer = setInterval(() => {
  const ar = client.allocRunner(alloc.ID);
  if (ar !== undefined && Object.values(ar.taskStates).every((s) => s.State === 'running')) {
    clearInterval(timer);
    // Wait until the state is on disk: the parent kills us as soon as it reads this line.
    setTimeout(() => console.log('RUNNING'), 200);
  }
}, 20);
