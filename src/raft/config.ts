/** Membership: who votes, who only learns, and how one change at a time moves between them. */
import type { ConfigChange, Configuration, Member } from './types.ts';

export function isVoter(config: Configuration, id: string): boolean {
  return config.voters.some((m) => m.id === id);
}

export function isLearner(config: Configuration, id: string): boolean {
  return config.learners.some((m) => m.id === id);
}

export function members(config: Configuration): Member[] {
  return [...config.voters, ...config.learners];
}

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** Checks a change against the configuration it would apply to; returns why it is refused, if it is. */
export function configChangeError(config: Configuration, change: ConfigChange): string | undefined {
  const known = isVoter(config, change.id) || isLearner(config, change.id);
  switch (change.kind) {
    case 'addLearner':
      return known ? `server "${change.id}" is already a member` : undefined;
    case 'addVoter':
      return isVoter(config, change.id) ? `server "${change.id}" is already a voter` : undefined;
    case 'remove':
      if (!known) return `server "${change.id}" is not a member`;
      if (isVoter(config, change.id) && config.voters.length === 1) return 'cannot remove the last voter';
      return undefined;
  }
}

/** The configuration after one change. The change must have passed configChangeError(). */
export function applyConfigChange(config: Configuration, change: ConfigChange): Configuration {
  const without = (list: Member[]): Member[] => list.filter((m) => m.id !== change.id);
  const member = { id: change.id, addr: change.addr };
  switch (change.kind) {
    case 'addLearner':
      return { voters: config.voters, learners: [...without(config.learners), member] };
    case 'addVoter': {
      const addr = change.addr || config.learners.find((m) => m.id === change.id)?.addr || '';
      return {
        voters: [...without(config.voters), { id: change.id, addr }],
        learners: without(config.learners),
      };
    }
    case 'remove':
      return { voters: without(config.voters), learners: without(config.learners) };
  }
}

/** The configurations in force from each index on, so a snapshot can record the one at its index. */
export class ConfigHistory {
  private entries: { index: number; config: Configuration }[];

  constructor(index: number, config: Configuration) {
    this.entries = [{ index, config }];
  }

  push(index: number, config: Configuration): void {
    this.entries.push({ index, config });
  }

  at(index: number): Configuration {
    let config = this.entries[0]!.config;
    for (const h of this.entries) if (h.index <= index) config = h.config;
    return config;
  }

  /** Forgets what a snapshot at `index` covers, keeping the configuration in force there. */
  compactTo(index: number): void {
    const inForce = this.entries.filter((h) => h.index <= index).pop() ?? this.entries[0]!;
    this.entries = [inForce, ...this.entries.filter((h) => h.index > index)];
  }
}
