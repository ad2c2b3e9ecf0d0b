/** Operator.SchedulerSetConfiguration: one SchedulerConfig log entry, conditional on ?cas when given. */
import { proposeOrThrow } from '../fsm/log.ts';
import type { Log } from '../fsm/log.ts';
import type { StateStore } from '../state/index.ts';
import type { OperatorWrites } from './server_adapter.ts';

export function operatorWrites(deps: { log: Log; store: StateStore }): OperatorWrites {
  return {
    async setSchedulerConfiguration({ config, cas }) {
      const before = deps.store.snapshot().schedulerConfig().ModifyIndex;
      if (cas !== null && cas !== before) return { Updated: false, Index: deps.store.latestIndex() };
      const { index } = await proposeOrThrow(deps.log, { type: 'SchedulerConfig', config, casIndex: cas });
      return { Updated: deps.store.snapshot().schedulerConfig().ModifyIndex === index, Index: index };
    },
  };
}
