/** Evaluation writes, following Nomad's nestedUpsertEval and DeleteEval. */
import type { Evaluation } from '../structs/evaluation.ts';
import type { StateTxn } from './state_txn.ts';

/**
 * Inserts or updates evaluations. Queued counts go into the job summary; a successful evaluation
 * cancels the job's blocked evaluations, which have nothing left to place.
 */
export function upsertEvals(txn: StateTxn, evals: readonly Evaluation[]): void {
  for (const e of evals) upsertEval(txn, e);
}

function upsertEval(txn: StateTxn, e: Evaluation): void {
  const existing = txn.evalByID(e.ID);
  const next: Evaluation = {
    ...e,
    CreateIndex: existing === undefined ? txn.index : existing.CreateIndex,
    ModifyIndex: txn.index,
  };
  updateQueued(txn, next);
  if (
    next.Status === 'complete' &&
    (next.FailedTGAllocs === null || Object.keys(next.FailedTGAllocs).length === 0)
  ) {
    for (const blocked of txn.evalsByJob(next.Namespace, next.JobID)) {
      if (blocked.Status !== 'blocked' || blocked.ID === next.ID) continue;
      txn.putEval({
        ...blocked,
        Status: 'canceled',
        StatusDescription: `evaluation "${next.ID}" successful`,
        ModifyIndex: txn.index,
      });
    }
  }
  txn.putEval(next);
  txn.markJobDirty(next.Namespace, next.JobID);
}

function updateQueued(txn: StateTxn, e: Evaluation): void {
  if (e.QueuedAllocations === null) return;
  const summary = txn.jobSummaryByID(e.Namespace, e.JobID);
  if (summary === undefined) return;
  let changed = false;
  const groups = { ...summary.Summary };
  for (const [tg, queued] of Object.entries(e.QueuedAllocations)) {
    const s = groups[tg];
    if (s === undefined || s.Queued === queued) continue;
    groups[tg] = { ...s, Queued: queued };
    changed = true;
  }
  if (changed) txn.putJobSummary({ ...summary, Summary: groups, ModifyIndex: txn.index });
}

/** Sets an evaluation's ModifyIndex (a plan committed for it). */
export function touchEval(txn: StateTxn, evalId: string): void {
  const e = txn.evalByID(evalId);
  if (e === undefined) return;
  txn.putEval({ ...e, ModifyIndex: txn.index });
}

/** Deletes evaluations (garbage collection); their jobs' statuses are recomputed. */
export function deleteEvals(txn: StateTxn, ids: readonly string[]): void {
  for (const id of ids) {
    const e = txn.evalByID(id);
    if (e === undefined) continue;
    txn.removeEval(id);
    txn.markJobDirty(e.Namespace, e.JobID, { evalDelete: true });
  }
}
