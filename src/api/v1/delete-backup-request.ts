import type { VeleroObject } from "./meta.js";

/** velero.io/v1 DeleteBackupRequest: asks the server to delete a backup and every file of it. */
export interface DeleteBackupRequestSpec {
  backupName: string;
}

export type DeleteBackupRequestPhase = "New" | "InProgress" | "Processed";

export interface DeleteBackupRequestStatus {
  phase?: DeleteBackupRequestPhase;
  errors?: string[];
}

export type DeleteBackupRequest = VeleroObject<
  "DeleteBackupRequest",
  DeleteBackupRequestSpec,
  DeleteBackupRequestStatus
>;
