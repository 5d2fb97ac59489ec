import type { VeleroObject } from "./meta.js";

/** What a DownloadRequest can ask for: one file of a backup or of a restore, as Velero names them. */
export const DOWNLOAD_TARGET_KINDS = [
  "BackupLog",
  "BackupContents",
  "BackupVolumeSnapshots",
  "BackupItemOperations",
  "BackupResourceList",
  "BackupResults",
  "RestoreLog",
  "RestoreResults",
  "RestoreResourceList",
  "RestoreItemOperations",
  "CSIBackupVolumeSnapshots",
  "CSIBackupVolumeSnapshotContents",
  "BackupVolumeInfos",
  "RestoreVolumeInfo",
] as const;

export type DownloadTargetKind = (typeof DOWNLOAD_TARGET_KINDS)[number];

export interface DownloadTarget {
  kind: DownloadTargetKind;
  /** The Backup or Restore the file belongs to. */
  name: string;
}

/** Whether the target is a file of a Restore (found through the restore's backup) rather than of a Backup. */
export function isRestoreTarget(kind: DownloadTargetKind): boolean {
  return kind.startsWith("Restore");
}

/** velero.io/v1 DownloadRequest: asks the server for a URL to one file in a storage location. */
export interface DownloadRequestSpec {
  target: DownloadTarget;
}

export type DownloadRequestPhase = "New" | "Processed";

export interface DownloadRequestStatus {
  phase?: DownloadRequestPhase;
  /** Where to GET the file; empty once Processed when the backup, restore or location is gone. */
  downloadURL?: string;
  /** When the URL stops working and the server deletes the request. */
  expiration?: string | null;
}

export type DownloadRequest = VeleroObject<"DownloadRequest", DownloadRequestSpec, DownloadRequestStatus>;
