/** Raft messages between servers over src/rpc: one-way "Raft.Message" frames, one connection per peer. */
import type { RpcServer } from '../../rpc/rpc.ts';
import { RpcClient } from '../../rpc/rpc.ts';
import type { Member, Message } from '../types.ts';
import type { RaftNode, RaftTransport } from './raft_node.ts';

export const RAFT_MESSAGE_METHOD = 'Raft.Message';

export class RpcRaftTransport implements RaftTransport {
  private readonly clients = new Map<string, RpcClient>();
  private node: RaftNode | undefined;

  /** Routes incoming raft messages on this server's RPC listener to the node. */
  attach(server: RpcServer, node: RaftNode): void {
    this.node = node;
    server.handle(RAFT_MESSAGE_METHOD, (body) => {
      node.receive(body as Message);
      return undefined;
    });
  }

  send(to: Member, message: Message): void {
    let client = this.clients.get(to.addr);
    if (client === undefined) {
      client = new RpcClient(to.addr);
      this.clients.set(to.addr, client);
    }
    client.send(RAFT_MESSAGE_METHOD, message).catch(() => this.node?.reportUnreachable(to.id));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
