/**
 * Feasibility results cached per node class within one evaluation (Nomad's EvalEligibility): once a
 * node of a class passed or failed the job's and a group's class-wide checks, every node of that
 * class gets the same answer without re-running them. Checks that read unique node attributes
 * "escape" the class and always run. The classes seen become a blocked evaluation's
 * ClassEligibility, so that only capacity in a useful class unblocks it.
 */
export const CLASS_UNKNOWN = 0;
export const CLASS_ELIGIBLE = 1;
export const CLASS_INELIGIBLE = 2;
export type ClassStatus = typeof CLASS_UNKNOWN | typeof CLASS_ELIGIBLE | typeof CLASS_INELIGIBLE;

export class EvalEligibility {
  /** Feasibility key -> computed class, for reporting. */
  private readonly classOfKey: string[] = [];
  private readonly keyIds = new Map<string, number>();
  private readonly job: ClassStatus[] = [];
  private readonly groups = new Map<string, ClassStatus[]>();
  jobEscaped = false;
  private readonly groupEscaped = new Map<string, boolean>();

  keyId(key: string, computedClass: string): number {
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.classOfKey.length;
      this.classOfKey.push(computedClass);
      this.keyIds.set(key, id);
    }
    return id;
  }

  setGroupEscaped(group: string, escaped: boolean): void {
    this.groupEscaped.set(group, escaped);
  }

  groupIsEscaped(group: string): boolean {
    return this.groupEscaped.get(group) ?? false;
  }

  jobStatus(keyId: number): ClassStatus {
    return this.job[keyId] ?? CLASS_UNKNOWN;
  }

  setJobStatus(keyId: number, eligible: boolean): void {
    this.job[keyId] = eligible ? CLASS_ELIGIBLE : CLASS_INELIGIBLE;
  }

  groupStatuses(group: string): ClassStatus[] {
    let g = this.groups.get(group);
    if (g === undefined) {
      g = [];
      this.groups.set(group, g);
    }
    return g;
  }

  hasEscaped(): boolean {
    if (this.jobEscaped) return true;
    for (const e of this.groupEscaped.values()) if (e) return true;
    return false;
  }

  /** Computed class -> eligible, merged over the job and every group: ineligible anywhere wins. */
  classes(): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    const merge = (statuses: ClassStatus[], overrideEligible: boolean): void => {
      statuses.forEach((s, keyId) => {
        const cls = this.classOfKey[keyId]!;
        if (s === CLASS_INELIGIBLE) out[cls] = false;
        else if (s === CLASS_ELIGIBLE && (overrideEligible || out[cls] !== false)) out[cls] = true;
      });
    };
    merge(this.job, true);
    for (const g of this.groups.values()) merge(g, false);
    return out;
  }
}
