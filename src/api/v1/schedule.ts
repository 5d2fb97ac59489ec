import type { BackupSpec } from "./backup.js";
import type { VeleroObject } from "./meta.js";

/** velero.io/v1 Schedule: a backup template and when to run it. Field names are Velero's. */
export interface ScheduleSpec {
  /** The spec of each backup the schedule makes. */
  template: BackupSpec;
  /** A cron expression, e.g. "0 1 * * *". */
  schedule: string;
  /** Whether the backups it makes have the schedule as their owner. */
  useOwnerReferencesInBackup?: boolean | null;
  paused?: boolean;
  /** Whether the first run waits for the next scheduled time instead of running at once. */
  skipImmediately?: boolean | null;
}

export const SCHEDULE_PHASES = ["New", "Enabled", "FailedValidation"] as const;
export type SchedulePhase = (typeof SCHEDULE_PHASES)[number];

export interface ScheduleStatus {
  phase?: SchedulePhase;
  lastBackup?: string;
  lastSkipped?: string;
  validationErrors?: string[];
}

export type Schedule = VeleroObject<"Schedule", ScheduleSpec, ScheduleStatus>;
