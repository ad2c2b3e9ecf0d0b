/** Periodic launches, scheduler configuration and namespaces. */
import type { SchedulerConfiguration } from '../structs/operator.ts';
import type { Namespace, PeriodicLaunch } from './rows.ts';
import type { StateTxn } from './state_txn.ts';

export function upsertPeriodicLaunch(txn: StateTxn, launch: PeriodicLaunch): void {
  const existing = txn.periodicLaunchByID(launch.Namespace, launch.ID);
  txn.putPeriodicLaunch({
    ...launch,
    CreateIndex: existing === undefined ? txn.index : existing.CreateIndex,
    ModifyIndex: txn.index,
  });
}

export function deletePeriodicLaunch(txn: StateTxn, namespace: string, jobId: string): void {
  txn.removePeriodicLaunch(namespace, jobId);
}

/**
 * Sets the scheduler configuration. With casIndex, only when the stored ModifyIndex equals it
 * (check-and-set); returns whether the configuration was written.
 */
export function setSchedulerConfig(
  txn: StateTxn,
  config: SchedulerConfiguration,
  casIndex?: number,
): boolean {
  const existing = txn.schedulerConfig();
  if (casIndex !== undefined && existing.ModifyIndex !== casIndex) return false;
  txn.putSchedulerConfig({
    ...config,
    CreateIndex: existing.CreateIndex === 0 ? txn.index : existing.CreateIndex,
    ModifyIndex: txn.index,
  });
  return true;
}

export function upsertNamespaces(txn: StateTxn, namespaces: readonly Namespace[]): void {
  for (const ns of namespaces) {
    const existing = txn.namespaceByName(ns.Name);
    txn.putNamespace({
      ...ns,
      CreateIndex: existing === undefined ? txn.index : existing.CreateIndex,
      ModifyIndex: txn.index,
    });
  }
}
