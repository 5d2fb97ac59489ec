// Every object key of Velero's backup-store layout, relative to the location's prefix.
import type { DownloadTarget } from "../api/v1/download-request.js";

/** The only top-level directories Velero accepts in a backup storage location. */
export const VALID_TOP_LEVEL_DIRS = [
  "backups",
  "restores",
  "restic",
  "kopia",
  "metadata",
  "plugins",
] as const;

export const backupDir = (backup: string) => `backups/${checkName(backup, "backup")}/`;
export const backupMetadataKey = (b: string) => `${backupDir(b)}velero-backup.json`;
export const backupContentsKey = (b: string) => `${backupDir(b)}${b}.tar.gz`;
export const backupLogKey = (b: string) => `${backupDir(b)}${b}-logs.gz`;
export const backupResultsKey = (b: string) => `${backupDir(b)}${b}-results.gz`;
export const backupResourceListKey = (b: string) => `${backupDir(b)}${b}-resource-list.json.gz`;
export const backupVolumeSnapshotsKey = (b: string) => `${backupDir(b)}${b}-volumesnapshots.json.gz`;
export const backupPodVolumeBackupsKey = (b: string) => `${backupDir(b)}${b}-podvolumebackups.json.gz`;
export const backupItemOperationsKey = (b: string) => `${backupDir(b)}${b}-itemoperations.json.gz`;
export const backupVolumeInfoKey = (b: string) => `${backupDir(b)}${b}-volumeinfo.json.gz`;
export const backupCsiVolumeSnapshotsKey = (b: string) => `${backupDir(b)}${b}-csi-volumesnapshots.json.gz`;
export const backupCsiVolumeSnapshotContentsKey = (b: string) =>
  `${backupDir(b)}${b}-csi-volumesnapshotcontents.json.gz`;
export const backupCsiVolumeSnapshotClassesKey = (b: string) =>
  `${backupDir(b)}${b}-csi-volumesnapshotclasses.json.gz`;

export const restoreDir = (restore: string) => `restores/${checkName(restore, "restore")}/`;
export const restoreLogKey = (r: string) => `${restoreDir(r)}restore-${r}-logs.gz`;
export const restoreResultsKey = (r: string) => `${restoreDir(r)}restore-${r}-results.gz`;
export const restoreResourceListKey = (r: string) => `${restoreDir(r)}restore-${r}-resource-list.json.gz`;
export const restoreItemOperationsKey = (r: string) => `${restoreDir(r)}restore-${r}-itemoperations.json.gz`;
/** Velero writes the restore volume info without the "restore-" prefix. */
export const restoreVolumeInfoKey = (r: string) => `${restoreDir(r)}${r}-volumeinfo.json.gz`;

/** The key of the file a DownloadRequest names, as Velero's backup store maps each target kind. */
export function downloadTargetKey({ kind, name }: DownloadTarget): string {
  switch (kind) {
    case "BackupLog":
      return backupLogKey(name);
    case "BackupContents":
      return backupContentsKey(name);
    case "BackupVolumeSnapshots":
      return backupVolumeSnapshotsKey(name);
    case "BackupItemOperations":
      return backupItemOperationsKey(name);
    case "BackupResourceList":
      return backupResourceListKey(name);
    case "BackupResults":
      return backupResultsKey(name);
    case "BackupVolumeInfos":
      return backupVolumeInfoKey(name);
    case "CSIBackupVolumeSnapshots":
      return backupCsiVolumeSnapshotsKey(name);
    case "CSIBackupVolumeSnapshotContents":
      return backupCsiVolumeSnapshotContentsKey(name);
    case "RestoreLog":
      return restoreLogKey(name);
    case "RestoreResults":
      return restoreResultsKey(name);
    case "RestoreResourceList":
      return restoreResourceListKey(name);
    case "RestoreItemOperations":
      return restoreItemOperationsKey(name);
    case "RestoreVolumeInfo":
      return restoreVolumeInfoKey(name);
  }
}

/**
 * The folder of the kopia repository of one volume namespace (file-system backups and moved
 * snapshot data), as Velero lays it out: one repository per namespace and location.
 */
export const kopiaRepositoryDir = (namespace: string) => `kopia/${checkName(namespace, "namespace")}/`;

/** A name becomes one path segment: "", ".", ".." or a name with "/" would reach other objects. */
function checkName(name: string, what: string): string {
  if (name === "" || name === "." || name === ".." || name.includes("/"))
    throw new Error(`invalid ${what} name ${JSON.stringify(name)}`);
  return name;
}
