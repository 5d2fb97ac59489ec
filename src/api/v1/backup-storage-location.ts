import type { SecretKeySelector, VeleroObject } from "./meta.js";

export interface ObjectStorageLocation {
  bucket: string;
  prefix?: string;
  /** PEM bundle to trust for the object store's TLS, base64-encoded as in Velero. */
  caCert?: string;
}

export type BackupStorageLocationAccessMode = "ReadWrite" | "ReadOnly";

/** velero.io/v1 BackupStorageLocation: where backups are kept. */
export interface BackupStorageLocationSpec {
  provider: string;
  objectStorage: ObjectStorageLocation;
  config?: Record<string, string>;
  credential?: SecretKeySelector;
  default?: boolean;
  accessMode?: BackupStorageLocationAccessMode;
  /** Go durations; "0s" turns the activity off. */
  backupSyncPeriod?: string;
  validationFrequency?: string;
}

export type BackupStorageLocationPhase = "Available" | "Unavailable";

export interface BackupStorageLocationStatus {
  phase?: BackupStorageLocationPhase;
  lastSyncedTime?: string;
  lastValidationTime?: string;
  message?: string;
}

export type BackupStorageLocation = VeleroObject<
  "BackupStorageLocation",
  BackupStorageLocationSpec,
  BackupStorageLocationStatus
>;
