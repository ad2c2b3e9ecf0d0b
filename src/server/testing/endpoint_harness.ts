/** A server core for endpoint tests: store, FSM, in-memory log, heartbeat timers, a manual clock and seeded IDs. */
import { rngFromSeed } from '../../lib/random.ts';
import { FSM } from '../../fsm/fsm.ts';
import { StateStore, serializeTables } from '../../state/index.ts';
import { ManualClock } from '../../../test/helpers/manual_clock.ts';
import type { EndpointDeps } from '../endpoint_common.ts';
import { HeartbeatTimers } from '../heartbeat.ts';
import { InmemLog } from '../inmem_log.ts';
import { seededIds } from './fixtures.ts';

export interface Harness extends EndpointDeps {
  fsm: FSM;
  clock: ManualClock;
  heartbeats: HeartbeatTimers;
  expired: string[];
  /** The whole state as data, to check that a refused request changed nothing. */
  dump(): string;
}

export function newHarness(seed = 'endpoints'): Harness {
  const store = new StateStore();
  const fsm = new FSM(store);
  const clock = new ManualClock();
  const expired: string[] = [];
  return {
    store,
    fsm,
    log: new InmemLog(fsm),
    clock,
    ids: seededIds(seed),
    heartbeats: new HeartbeatTimers({ clock, rng: rngFromSeed(seed), onExpire: (id) => expired.push(id) }),
    expired,
    dump: () => JSON.stringify(serializeTables(store.snapshot().tables())),
  };
}
