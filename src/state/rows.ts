/** Row types of the state store that have no home in src/structs yet, in Nomad's shape. */

/** When a periodic job last launched a child (Nomad's structs.PeriodicLaunch). */
export interface PeriodicLaunch {
  ID: string; // the periodic job's ID
  Namespace: string;
  Launch: number; // unix nanoseconds
  CreateIndex: number;
  ModifyIndex: number;
}

export interface Namespace {
  Name: string;
  Description: string;
  Meta: Record<string, string> | null;
  CreateIndex: number;
  ModifyIndex: number;
}
