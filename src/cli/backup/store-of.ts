import type { Backup, BackupStorageLocation } from "../../api/v1/index.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import { findLocation, openBackupStore } from "../../locations/open-location.js";
import type { BackupStore } from "../../storage/backup-store.js";

/** The backup and the store holding its files, for commands that read them. */
export async function backupAndStore(
  velero: VeleroClient,
  name: string,
): Promise<{ backup: Backup; store: BackupStore }> {
  const { backup, store } = await backupWithStore(velero, name);
  return { backup, store: await store() };
}

/**
 * The backup, and its store opened only when asked for, so that what needs only the Backup object
 * (describe, delete) works when the backup's storage location is gone.
 */
export async function backupWithStore(
  velero: VeleroClient,
  name: string,
): Promise<{ backup: Backup; store: () => Promise<BackupStore> }> {
  const backup = await velero.get<Backup>("backups", name);
  if (!backup) throw new Error(`backup "${name}" does not exist in namespace ${velero.namespace}`);
  return { backup, store: backupStore(velero, backup) };
}

/** Opens, when called, the store of a backup's files; a location it names must exist. */
export function backupStore(velero: VeleroClient, backup: Backup): () => Promise<BackupStore> {
  return async () => {
    const named = backup.spec.storageLocation;
    if (named && !(await velero.get<BackupStorageLocation>("backupstoragelocations", named))) {
      throw new Error(missingLocationMessage(backup));
    }
    return openBackupStore(velero, await findLocation(velero, named));
  };
}

/** Why a backup's files cannot be reached when the location it names does not exist. */
export function missingLocationMessage(backup: Backup): string {
  return `backup storage location "${backup.spec.storageLocation}" of backup "${backup.metadata.name}" does not exist in namespace ${backup.metadata.namespace}, so the backup's files cannot be reached`;
}
