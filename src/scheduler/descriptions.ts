/** The texts Nomad's scheduler writes into allocations and evaluations (shown by `alloc status`). */
export const STATUS_ALLOC_NOT_NEEDED = 'alloc not needed due to job update';
export const STATUS_ALLOC_MIGRATING = 'alloc is being migrated';
export const STATUS_ALLOC_UPDATING = 'alloc is being updated due to job update';
export const STATUS_ALLOC_LOST = 'alloc is lost since its node is down';
export const STATUS_ALLOC_IN_PLACE = 'alloc updating in-place';
export const STATUS_ALLOC_NODE_TAINTED = 'alloc not needed as node is tainted';
export const STATUS_ALLOC_RESCHEDULED = 'alloc was rescheduled because it failed';
export const DESC_BLOCKED_EVAL_MAX_PLAN = 'created due to placement conflicts';
export const DESC_BLOCKED_EVAL_FAILED_PLACEMENTS = 'created to place remaining allocations';
export const DESC_RESCHEDULING_FOLLOWUP_EVAL = 'created for delayed rescheduling';
