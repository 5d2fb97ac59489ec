/**
 * Deleting a backup deletes the kopia snapshots of its pod volume backups, as Velero's backup
 * deletion does; the repository's maintenance later reclaims their space. Returns an error for
 * each snapshot it could not delete, naming it: those keep the backup, so deleting it again can
 * try again.
 */
import type { PodVolumeBackup } from "../api/v1/index.js";
import { errorMessage } from "../kube/errors.js";
import type { RepositoryConnections } from "./kopia/repository-connections.js";

export async function deletePodVolumeSnapshots(
  connections: RepositoryConnections | undefined,
  pvbs: readonly PodVolumeBackup[],
): Promise<string[]> {
  const errors: string[] = [];
  for (const pvb of pvbs) {
    const id = pvb.status?.snapshotID;
    if (!id) continue;
    const where = `kopia snapshot ${id} of volume ${pvb.spec.volume} of pod ${pvb.spec.pod.namespace}/${pvb.spec.pod.name}`;
    try {
      if (!connections) throw new Error("the server has no kopia to reach the repository with");
      const { kopia } = await connections.connect(pvb.spec.backupStorageLocation, pvb.spec.pod.namespace!);
      await kopia.deleteSnapshot(id);
    } catch (err) {
      errors.push(`error deleting ${where}: ${errorMessage(err)}`);
    }
  }
  return errors;
}
