/** Builders for the server's tests: evaluations and seeded ID sources. */
import { rngFromSeed, uuidFrom, type IdSource } from '../../lib/random.ts';
import type { Evaluation } from '../../structs/evaluation.ts';

export function seededIds(seed: string | number = 'ids'): IdSource {
  const rng = rngFromSeed(seed);
  return { uuid: () => uuidFrom(rng) };
}

let evalSeq = 0;

export function mockEval(overrides: Partial<Evaluation> = {}): Evaluation {
  evalSeq++;
  return {
    ID: `eval-${evalSeq}`,
    Namespace: 'default',
    Priority: 50,
    Type: 'service',
    TriggeredBy: 'job-register',
    JobID: `job-${evalSeq}`,
    JobModifyIndex: 0,
    NodeID: '',
    NodeModifyIndex: 0,
    DeploymentID: '',
    Status: 'pending',
    StatusDescription: '',
    Wait: 0,
    WaitUntil: null,
    NextEval: '',
    PreviousEval: '',
    BlockedEval: '',
    RelatedEvals: null,
    FailedTGAllocs: null,
    ClassEligibility: null,
    EscapedComputedClass: false,
    QuotaLimitReached: '',
    AnnotatePlan: false,
    QueuedAllocations: null,
    LeaderACL: '',
    SnapshotIndex: 0,
    CreateIndex: evalSeq,
    ModifyIndex: evalSeq,
    CreateTime: 0,
    ModifyTime: 0,
    ...overrides,
  };
}
