/**
 * A linearizability checker for histories of operations on independent keys, in the manner of
 * Porcupine (Wing & Gong's search with Lowe's memoization): find an order of the operations,
 * consistent with real time, in which a sequential model explains every output. Each key is
 * checked on its own (a register per key), which keeps the search small.
 */

export interface Operation<I, O> {
  clientId: number;
  key: string;
  input: I;
  output: O;
  /** Times of the call and of its answer; Infinity when the answer never came (outcome unknown). */
  call: number;
  ret: number;
}

export interface Model<S, I, O> {
  init(): S;
  /** Applies an operation: whether the output is possible from state, and the next state. */
  step(state: S, input: I, output: O): { ok: boolean; next: S };
  /** A stable key for memoization. */
  hash(state: S): string;
}

/** The search is bounded so a pathological history cannot hang a test run. */
export const SEARCH_STEPS_MAX = 2_000_000;

export type CheckResult = { ok: true } | { ok: false; key: string; reason: string };

export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
): CheckResult {
  const byKey = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  for (const [key, ops] of byKey) {
    const verdict = checkKey(model, ops);
    if (verdict !== 'ok') return { ok: false, key, reason: verdict };
  }
  return { ok: true };
}

function checkKey<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[]): 'ok' | string {
  const done = new Uint8Array(ops.length);
  const seen = new Set<string>();
  let steps = 0;

  // Depth-first search over which pending operation to linearize next.
  const search = (state: S, linearized: number): boolean => {
    if (linearized === ops.length) return true;
    if (++steps > SEARCH_STEPS_MAX)
      throw new Error(`linearizability search exceeded ${SEARCH_STEPS_MAX} steps`);
    const memo = `${model.hash(state)}|${Array.from(done).join('')}`;
    if (seen.has(memo)) return false;
    seen.add(memo);
    // Candidates: operations called before the earliest return among the not-yet-linearized ones.
    let earliestRet = Infinity;
    for (let i = 0; i < ops.length; i++) if (done[i] === 0) earliestRet = Math.min(earliestRet, ops[i]!.ret);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (done[i] === 1 || op.call > earliestRet) continue;
      const r = model.step(state, op.input, op.output);
      if (!r.ok) continue;
      done[i] = 1;
      if (search(r.next, linearized + 1)) return true;
      done[i] = 0;
    }
    // Operations whose answer never came may also never have taken effect: drop one if stuck.
    for (let i = 0; i < ops.length; i++) {
      if (done[i] === 1 || ops[i]!.ret !== Infinity || ops[i]!.call > earliestRet) continue;
      done[i] = 1;
      if (search(state, linearized + 1)) return true;
      done[i] = 0;
    }
    return false;
  };
  return search(model.init(), 0) ? 'ok' : `no linearization explains the ${ops.length} operations`;
}

/** A register per key: writes set the value, reads return it (undefined before any write). */
export type RegisterInput = { kind: 'write'; value: string } | { kind: 'read' };

export const registerModel: Model<string | undefined, RegisterInput, string | undefined> = {
  init: () => undefined,
  step: (state, input, output) =>
    input.kind === 'write' ? { ok: true, next: input.value } : { ok: output === state, next: state },
  hash: (state) => state ?? '\u0000',
};
