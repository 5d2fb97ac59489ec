import type { Backup } from "../../api/v1/index.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import { findLocation, openBackupStore } from "../../locations/open-location.js";
import type { BackupStore } from "../../storage/backup-store.js";

/** The backup and the store holding its files, for commands that read them. */
export async function backupAndStore(
  velero: VeleroClient,
  name: string,
): Promise<{ backup: Backup; store: BackupStore }> {
  const backup = await velero.get<Backup>("backups", name);
  if (!backup) throw new Error(`backup "${name}" does not exist in namespace ${velero.namespace}`);
  const location = await findLocation(velero, backup.spec.storageLocation);
  return { backup, store: await openBackupStore(velero, location) };
}
