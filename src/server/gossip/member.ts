/** Gossip membership state: who is in the server set, and the rules for merging what peers say. */

export type MemberStatus = 'alive' | 'suspect' | 'failed' | 'left';

export interface Member {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  status: MemberStatus;
  /** Bumped only by the member itself, to refute suspicion or announce new tags. */
  incarnation: number;
}

/** A piece of news about one member, spread by piggybacking on probes. */
export interface Rumor {
  kind: 'alive' | 'suspect' | 'dead' | 'leave';
  name: string;
  incarnation: number;
  /** For 'alive': the member's address, port and tags. */
  member?: Omit<Member, 'status' | 'incarnation'>;
  /** Who said it (for 'dead': a member declaring itself dead is leaving). */
  from: string;
}

/**
 * Whether a rumor overrides what we know (SWIM's ordering): a higher incarnation wins; at equal
 * incarnation, suspect beats alive and dead/leave beat both. Left is final.
 */
export function rumorOverrides(current: Member | undefined, r: Rumor): boolean {
  if (current === undefined) return r.kind === 'alive';
  if (current.status === 'left') return r.kind === 'alive' && r.incarnation > current.incarnation;
  switch (r.kind) {
    case 'alive':
      return r.incarnation > current.incarnation;
    case 'suspect':
      return (
        r.incarnation > current.incarnation ||
        (r.incarnation === current.incarnation && current.status === 'alive')
      );
    case 'dead':
      return (
        r.incarnation >= current.incarnation && (current.status === 'alive' || current.status === 'suspect')
      );
    case 'leave':
      // A graceful leave, or a force-leave of a failed member: final either way.
      return r.incarnation >= current.incarnation;
  }
}
