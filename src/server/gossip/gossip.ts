/**
 * Server membership by gossip, SWIM style (as Nomad's servers use Serf/memberlist): each round a
 * member probes one random peer over UDP; if there is no ack within the probe timeout it asks a few
 * others to probe it indirectly; still nothing, and the peer becomes suspect; a suspect that does
 * not refute (by bumping its incarnation) within the suspicion timeout is failed. News travels
 * piggybacked on probes. Joining, and a periodic full exchange, use TCP on the same port.
 * Failed members are retried now and then (they may come back); members that left are not.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, type Server as TcpServer } from 'node:net';
import type { Rng } from '../../lib/random.ts';
import { rumorOverrides, type Member, type Rumor } from './member.ts';

export interface GossipConfig {
  name: string;
  bindAddr: string;
  port: number;
  /** The address others reach us at (defaults to bindAddr). */
  advertiseAddr?: string;
  tags: Record<string, string>;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /** Members asked to probe indirectly. */
  indirectChecks: number;
  suspicionTimeoutMs: number;
  pushPullIntervalMs: number;
  /** How often a failed member is retried with a TCP exchange. */
  reconnectIntervalMs: number;
  rng: Rng;
  logger?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export type GossipEvent = { type: 'join' | 'update' | 'failed' | 'left' | 'alive'; member: Member };

/** Rumors carried on one UDP packet, at most. */
export const RUMORS_PER_PACKET_MAX = 16;
/** A UDP packet bigger than this is not sent: what doesn't fit waits for the TCP exchange. */
export const PACKET_BYTES_MAX = 60_000;
/** Bytes accepted on one TCP state exchange. */
export const PUSH_PULL_BYTES_MAX = 8 * 1024 * 1024;

type Packet =
  | { t: 'ping'; seq: number; from: string; rumors: Rumor[] }
  | { t: 'ack'; seq: number; from: string; rumors: Rumor[] }
  | { t: 'pingReq'; seq: number; from: string; target: string; addr: string; port: number; rumors: Rumor[] };

/** Defaults for a LAN of servers; tests shrink them. */
export function defaultGossipTimings(): Pick<
  GossipConfig,
  | 'probeIntervalMs'
  | 'probeTimeoutMs'
  | 'indirectChecks'
  | 'suspicionTimeoutMs'
  | 'pushPullIntervalMs'
  | 'reconnectIntervalMs'
> {
  return {
    probeIntervalMs: 1000,
    probeTimeoutMs: 500,
    indirectChecks: 3,
    suspicionTimeoutMs: 5000,
    pushPullIntervalMs: 30_000,
    reconnectIntervalMs: 30_000,
  };
}

export class Gossip {
  private readonly cfg: GossipConfig;
  private readonly members = new Map<string, Member>();
  private readonly rumors: { rumor: Rumor; sends: number }[] = [];
  private readonly acks = new Map<number, () => void>();
  private readonly suspicions = new Map<string, NodeJS.Timeout>();
  private readonly listeners: ((e: GossipEvent) => void)[] = [];
  private udp: UdpSocket | undefined;
  private tcp: TcpServer | undefined;
  private timers: NodeJS.Timeout[] = [];
  private seq = 0;
  private probeOrder: string[] = [];
  private stopped = false;
  /** Set by leave(): our own leave must spread, not be refuted. */
  private leaving = false;

  constructor(cfg: GossipConfig) {
    this.cfg = cfg;
    const self: Member = {
      name: cfg.name,
      addr: cfg.advertiseAddr ?? cfg.bindAddr,
      port: cfg.port,
      tags: cfg.tags,
      status: 'alive',
      incarnation: 1,
    };
    this.members.set(cfg.name, self);
  }

  onEvent(fn: (e: GossipEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Binds the UDP and TCP listeners and starts probing. Returns the bound port. */
  async start(): Promise<number> {
    const tcp = createServer((socket) => this.servePushPull(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.cfg.port, this.cfg.bindAddr, () => resolve());
    });
    this.tcp = tcp;
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket('udp4');
    udp.on('message', (buf, rinfo) => this.onPacket(buf, rinfo.address, rinfo.port));
    udp.on('error', (err) => this.log('warn', `memberlist: UDP error: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, this.cfg.bindAddr, () => resolve());
    });
    this.udp = udp;
    const self = this.members.get(this.cfg.name)!;
    self.port = port;
    this.every(this.cfg.probeIntervalMs, () => void this.probeRound());
    this.every(this.cfg.pushPullIntervalMs, () => void this.pushPullRandom());
    this.every(this.cfg.reconnectIntervalMs, () => void this.reconnectFailed());
    this.log('info', `serf: EventMemberJoin: ${this.cfg.name} ${self.addr}`);
    return port;
  }

  /** Joins through any of the given addresses ("host:port"); returns how many answered. */
  async join(addresses: readonly string[]): Promise<number> {
    let ok = 0;
    for (const a of addresses) {
      const i = a.lastIndexOf(':');
      try {
        await this.pushPull(a.slice(0, i), Number(a.slice(i + 1)));
        ok++;
      } catch (err) {
        this.log('warn', `serf: failed to join ${a}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return ok;
  }

  list(): Member[] {
    return [...this.members.values()].map((m) => ({ ...m, tags: { ...m.tags } }));
  }

  local(): Member {
    return { ...this.members.get(this.cfg.name)! };
  }

  /** Changes our tags and tells everyone (a new incarnation). */
  setTags(tags: Record<string, string>): void {
    const self = this.members.get(this.cfg.name)!;
    self.tags = tags;
    self.incarnation++;
    this.spread(this.aliveRumor(self));
  }

  /** Announces a graceful leave and waits a moment for it to spread. */
  async leave(waitMs = 500): Promise<void> {
    const self = this.members.get(this.cfg.name)!;
    this.leaving = true;
    self.incarnation++;
    this.spread({ kind: 'leave', name: self.name, incarnation: self.incarnation, from: self.name });
    const peers = this.peers('alive');
    for (const p of peers) this.sendPing(p, ++this.seq);
    await new Promise((r) => setTimeout(r, waitMs));
    self.status = 'left';
  }

  /** Moves a failed member to left, so it is no longer retried (`nomad server force-leave`). */
  forceLeave(name: string): boolean {
    const m = this.members.get(name);
    if (m === undefined || name === this.cfg.name) return false;
    this.apply({ kind: 'leave', name, incarnation: m.incarnation, from: this.cfg.name });
    return true;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const t of this.suspicions.values()) clearTimeout(t);
    this.udp?.close();
    const tcp = this.tcp;
    if (tcp !== undefined) await new Promise<void>((r) => tcp.close(() => r()));
  }

  // ---- probing ----------------------------------------------------------------------------

  private async probeRound(): Promise<void> {
    const target = this.nextProbeTarget();
    if (target === undefined) return;
    const seq = ++this.seq;
    if (await this.probe(target, seq, this.cfg.probeTimeoutMs)) return;
    // No direct ack: ask others to try, then suspect it.
    const helpers = this.pick(
      this.peers('alive').filter((m) => m.name !== target.name),
      this.cfg.indirectChecks,
    );
    const iseq = ++this.seq;
    const indirect = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(iseq);
        resolve(false);
      }, this.cfg.probeTimeoutMs);
      this.acks.set(iseq, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    for (const h of helpers) {
      this.send(h.addr, h.port, {
        t: 'pingReq',
        seq: iseq,
        from: this.cfg.name,
        target: target.name,
        addr: target.addr,
        port: target.port,
        rumors: this.takeRumors(),
      });
    }
    if (await indirect) return;
    const current = this.members.get(target.name);
    if (current === undefined || current.status !== 'alive') return;
    this.apply({ kind: 'suspect', name: target.name, incarnation: current.incarnation, from: this.cfg.name });
  }

  private probe(target: Member, seq: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(seq);
        resolve(false);
      }, timeoutMs);
      this.acks.set(seq, () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.sendPing(target, seq);
    });
  }

  private sendPing(target: Member, seq: number): void {
    this.send(target.addr, target.port, { t: 'ping', seq, from: this.cfg.name, rumors: this.takeRumors() });
  }

  /** Round-robin over a shuffled list of peers, as SWIM does, so every peer is probed in bounded time. */
  private nextProbeTarget(): Member | undefined {
    for (let tries = 0; tries < 2; tries++) {
      while (this.probeOrder.length > 0) {
        const m = this.members.get(this.probeOrder.shift()!);
        if (m !== undefined && (m.status === 'alive' || m.status === 'suspect') && m.name !== this.cfg.name)
          return m;
      }
      this.probeOrder = this.pick(this.peers('alive', 'suspect'), Infinity).map((m) => m.name);
    }
    return undefined;
  }

  private onPacket(buf: Buffer, addr: string, port: number): void {
    if (this.stopped || buf.length > PACKET_BYTES_MAX) return;
    let p: Packet;
    try {
      p = JSON.parse(buf.toString('utf8')) as Packet;
    } catch {
      return; // not ours
    }
    if (!Array.isArray(p.rumors)) return;
    for (const r of p.rumors.slice(0, RUMORS_PER_PACKET_MAX)) this.apply(r);
    switch (p.t) {
      case 'ping':
        this.send(addr, port, { t: 'ack', seq: p.seq, from: this.cfg.name, rumors: this.takeRumors() });
        return;
      case 'ack':
        this.acks.get(p.seq)?.();
        return;
      case 'pingReq': {
        const target = { name: p.target, addr: p.addr, port: p.port } as Member;
        const seq = ++this.seq;
        void this.probe(target, seq, this.cfg.probeTimeoutMs).then((ok) => {
          if (ok) this.send(addr, port, { t: 'ack', seq: p.seq, from: this.cfg.name, rumors: [] });
        });
        return;
      }
      default:
        return;
    }
  }

  // ---- rumors -----------------------------------------------------------------------------

  private aliveRumor(m: Member): Rumor {
    return {
      kind: 'alive',
      name: m.name,
      incarnation: m.incarnation,
      member: { name: m.name, addr: m.addr, port: m.port, tags: m.tags },
      from: this.cfg.name,
    };
  }

  /** Applies news about a member; spreads it further when it changed what we know. */
  private apply(r: Rumor): void {
    if (typeof r !== 'object' || r === null || typeof r.name !== 'string') return;
    const self = this.members.get(this.cfg.name)!;
    if (r.name === this.cfg.name) {
      // Someone suspects us, declares us dead, or remembers us as gone (we restarted, or were
      // forced to leave while alive): refute with a newer incarnation.
      if (
        (r.kind === 'suspect' || r.kind === 'dead' || r.kind === 'leave') &&
        r.incarnation >= self.incarnation &&
        self.status === 'alive' &&
        !this.leaving
      ) {
        self.incarnation = r.incarnation + 1;
        this.spread(this.aliveRumor(self));
      }
      return;
    }
    const current = this.members.get(r.name);
    if (!rumorOverrides(current, r)) return;
    this.spread(r);
    if (r.kind === 'alive') this.applyAlive(current, r);
    else if (current !== undefined) this.applyDown(current, r);
  }

  private applyAlive(current: Member | undefined, r: Rumor): void {
    if (r.member === undefined) return;
    const next: Member = { ...r.member, status: 'alive', incarnation: r.incarnation };
    this.members.set(r.name, next);
    this.clearSuspicion(r.name);
    if (current === undefined || current.status === 'left') {
      this.log('info', `serf: EventMemberJoin: ${next.name} ${next.addr}`);
      this.emit('join', next);
    } else if (current.status !== 'alive') {
      this.emit('alive', next);
    } else {
      this.emit('update', next);
    }
  }

  private applyDown(current: Member, r: Rumor): void {
    current.incarnation = r.incarnation;
    if (r.kind === 'suspect') {
      current.status = 'suspect';
      this.startSuspicion(current);
      return;
    }
    this.clearSuspicion(current.name);
    current.status = r.kind === 'leave' ? 'left' : 'failed';
    this.log(
      'info',
      `serf: ${r.kind === 'leave' ? 'EventMemberLeave' : 'EventMemberFailed'}: ${current.name} ${current.addr}`,
    );
    this.emit(r.kind === 'leave' ? 'left' : 'failed', current);
  }

  private startSuspicion(m: Member): void {
    if (this.suspicions.has(m.name)) return;
    const timer = setTimeout(() => {
      this.suspicions.delete(m.name);
      const now = this.members.get(m.name);
      if (now?.status === 'suspect')
        this.apply({ kind: 'dead', name: m.name, incarnation: now.incarnation, from: this.cfg.name });
    }, this.cfg.suspicionTimeoutMs);
    timer.unref();
    this.suspicions.set(m.name, timer);
  }

  private clearSuspicion(name: string): void {
    const t = this.suspicions.get(name);
    if (t !== undefined) clearTimeout(t);
    this.suspicions.delete(name);
  }

  private spread(r: Rumor): void {
    // A newer rumor about a member replaces older ones about it.
    const i = this.rumors.findIndex((x) => x.rumor.name === r.name);
    if (i >= 0) this.rumors.splice(i, 1);
    this.rumors.push({ rumor: r, sends: 0 });
  }

  /** Rumors for the next packet: each is retransmitted about 3 * log(n+1) times, then dropped. */
  private takeRumors(): Rumor[] {
    const limit = Math.max(3, Math.ceil(3 * Math.log10(this.members.size + 1)));
    const out: Rumor[] = [];
    for (const x of this.rumors) {
      if (out.length >= RUMORS_PER_PACKET_MAX) break;
      out.push(x.rumor);
      x.sends++;
    }
    for (let i = this.rumors.length - 1; i >= 0; i--)
      if (this.rumors[i]!.sends >= limit) this.rumors.splice(i, 1);
    return out;
  }

  // ---- TCP state exchange -----------------------------------------------------------------

  private pushPull(addr: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: addr, port });
      const chunks: Buffer[] = [];
      let size = 0;
      socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
      socket.on('connect', () => socket.end(JSON.stringify(this.list())));
      socket.on('data', (c) => {
        size += c.length;
        if (size > PUSH_PULL_BYTES_MAX) socket.destroy(new Error('state too large'));
        else chunks.push(c);
      });
      socket.on('error', reject);
      socket.on('end', () => {
        try {
          this.mergeState(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Member[]);
          resolve();
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  }

  private servePushPull(socket: import('node:net').Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (c) => {
      size += c.length;
      if (size > PUSH_PULL_BYTES_MAX) socket.destroy();
      else chunks.push(c);
    });
    socket.on('error', () => socket.destroy());
    socket.on('end', () => {
      try {
        const theirs = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Member[];
        socket.end(JSON.stringify(this.list()));
        this.mergeState(theirs);
      } catch {
        socket.destroy();
      }
    });
  }

  private mergeState(members: Member[]): void {
    if (!Array.isArray(members)) return;
    for (const m of members) {
      if (typeof m?.name !== 'string') continue;
      const rumor: Rumor =
        m.status === 'alive'
          ? {
              kind: 'alive',
              name: m.name,
              incarnation: m.incarnation,
              member: { name: m.name, addr: m.addr, port: m.port, tags: m.tags ?? {} },
              from: m.name,
            }
          : m.status === 'left'
            ? { kind: 'leave', name: m.name, incarnation: m.incarnation, from: m.name }
            : {
                kind: m.status === 'suspect' ? 'suspect' : 'dead',
                name: m.name,
                incarnation: m.incarnation,
                from: m.name,
              };
      // An unknown member that is not alive still needs a record before down-news can apply.
      if (!this.members.has(m.name) && m.status !== 'alive') {
        this.members.set(m.name, {
          ...m,
          tags: m.tags ?? {},
          status: 'alive',
          incarnation: m.incarnation - 1,
        });
      }
      this.apply(rumor);
    }
  }

  private async pushPullRandom(): Promise<void> {
    const [peer] = this.pick(this.peers('alive'), 1);
    if (peer === undefined) return;
    await this.pushPull(peer.addr, peer.port).catch(() => undefined);
  }

  private async reconnectFailed(): Promise<void> {
    const [peer] = this.pick(this.peers('failed'), 1);
    if (peer === undefined) return;
    await this.pushPull(peer.addr, peer.port).catch(() => undefined);
  }

  // ---- helpers ----------------------------------------------------------------------------

  private peers(...statuses: Member['status'][]): Member[] {
    return [...this.members.values()].filter((m) => m.name !== this.cfg.name && statuses.includes(m.status));
  }

  private pick(list: Member[], n: number): Member[] {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.cfg.rng.int(i + 1);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }

  private send(addr: string, port: number, p: Packet): void {
    if (this.stopped || this.udp === undefined) return;
    const buf = Buffer.from(JSON.stringify(p));
    if (buf.length > PACKET_BYTES_MAX) return;
    this.udp.send(buf, port, addr);
  }

  private emit(type: GossipEvent['type'], member: Member): void {
    for (const l of this.listeners) l({ type, member: { ...member } });
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.cfg.logger?.(level, message);
  }
}
