import type { Backup, Restore } from "../../api/v1/index.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import { findLocation, openBackupStore } from "../../locations/open-location.js";
import type { BackupStore } from "../../storage/backup-store.js";

/** The restore and the store holding its files: the storage location of its backup. */
export async function restoreAndStore(
  velero: VeleroClient,
  name: string,
): Promise<{ restore: Restore; store: () => Promise<BackupStore> }> {
  const restore = await velero.get<Restore>("restores", name);
  if (!restore) throw new Error(`restore "${name}" does not exist in namespace ${velero.namespace}`);
  return { restore, store: restoreStore(velero, restore) };
}

/** Opens, when called, the store of a restore's files: the storage location of its backup. */
export function restoreStore(velero: VeleroClient, restore: Restore): () => Promise<BackupStore> {
  return async () => {
    const backup = restore.spec.backupName
      ? await velero.get<Backup>("backups", restore.spec.backupName)
      : undefined;
    const location = await findLocation(velero, backup?.spec.storageLocation);
    return openBackupStore(velero, location);
  };
}
