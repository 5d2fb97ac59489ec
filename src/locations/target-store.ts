import type { Backup, BackupStorageLocation, DownloadTarget, Restore } from "../api/v1/index.js";
import { isRestoreTarget } from "../api/v1/index.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { BackupStore } from "../storage/backup-store.js";
import { openBackupStore } from "./open-location.js";

/** The store holding a DownloadRequest's file, or why there is none (object gone). */
export type TargetStore = { store: BackupStore } | { missing: string };

/**
 * The location of a target's file: the location of the backup, or of the restore's backup, as
 * Velero's DownloadRequest controller finds it.
 */
export async function locationOfTarget(
  velero: VeleroClient,
  target: DownloadTarget,
): Promise<{ location: BackupStorageLocation } | { missing: string }> {
  let backupName = target.name;
  if (isRestoreTarget(target.kind)) {
    const restore = await velero.get<Restore>("restores", target.name);
    if (!restore) return { missing: `restore ${target.name} not found` };
    if (!restore.spec.backupName) return { missing: `restore ${target.name} names no backup` };
    backupName = restore.spec.backupName;
  }
  const backup = await velero.get<Backup>("backups", backupName);
  if (!backup) return { missing: `backup ${backupName} not found` };
  const locationName = backup.spec.storageLocation ?? "default";
  const location = await velero.get<BackupStorageLocation>("backupstoragelocations", locationName);
  if (!location) return { missing: `backup storage location ${locationName} not found` };
  return { location };
}

/** The backup store of a target's file, opened with its location's credentials. */
export async function storeOfTarget(velero: VeleroClient, target: DownloadTarget): Promise<TargetStore> {
  const found = await locationOfTarget(velero, target);
  return "missing" in found ? found : { store: await openBackupStore(velero, found.location) };
}
