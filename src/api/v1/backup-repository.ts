import type { VeleroObject } from "./meta.js";
import type { UploaderType } from "./pod-volume.js";

/**
 * velero.io/v1 BackupRepository: the kopia repository of one volume namespace in one storage
 * location, named `<ns>-<location>-kopia` as Velero names it.
 */
export interface BackupRepositorySpec {
  volumeNamespace: string;
  backupStorageLocation: string;
  repositoryType?: UploaderType;
  /** Where the repository is: Velero keeps the name of this field from restic's days. */
  resticIdentifier: string;
  maintenanceFrequency: string;
  repositoryConfig?: Record<string, string>;
}

export const BACKUP_REPOSITORY_PHASES = ["New", "Ready", "NotReady"] as const;
export type BackupRepositoryPhase = (typeof BACKUP_REPOSITORY_PHASES)[number];

export interface BackupRepositoryStatus {
  phase?: BackupRepositoryPhase;
  message?: string;
  lastMaintenanceTime?: string | null;
  recentMaintenance?: {
    startTimestamp?: string | null;
    completeTimestamp?: string | null;
    result?: "Succeeded" | "Failed";
    message?: string;
  }[];
}

export type BackupRepository = VeleroObject<"BackupRepository", BackupRepositorySpec, BackupRepositoryStatus>;
