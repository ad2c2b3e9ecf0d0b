// One raft server for bench/raft.ts, as its own process: a RaftNode over TCP with LMDB (fsync on),
// applying small entries to a counter. Serves "Bench.Propose" (propose a batch, answer once committed)
// and "Bench.Status".
import { RpcServer } from '../src/rpc/rpc.ts';
import { LmdbLogStore } from '../src/raft/driver/log_store.ts';
import { RaftNode } from '../src/raft/driver/raft_node.ts';
import { RpcRaftTransport } from '../src/raft/driver/rpc_transport.ts';
import type { Configuration } from '../src/raft/types.ts';

const [id, portText, dir, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson!) as Configuration;
let applied = 0;
const rpc = new RpcServer();
const transport = new RpcRaftTransport();
const node = new RaftNode({
  id: id!,
  addr: `127.0.0.1:${portText}`,
  store: new LmdbLogStore(dir!),
  transport,
  fsm: {
    apply: () => ++applied,
    snapshot: () => applied,
    restore: (data) => {
      applied = data as number;
    },
  },
  bootstrap: config,
  tickMs: 50,
  electionTicks: 10,
  snapshotThreshold: 100_000,
});
transport.attach(rpc, node);
rpc.handle('Bench.Propose', async (body) => {
  const count = (body as { count: number }).count;
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => node.propose({ k: i })));
  return { ms: performance.now() - started };
});
rpc.handle('Bench.Status', () => node.status());
await rpc.listen('127.0.0.1', Number(portText));
await node.start();
process.send?.('ready');
