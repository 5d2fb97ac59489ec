/**
 * Deleting a backup deletes the kopia snapshots it made in the backup repositories, as Velero's
 * backup deletion does: its pod volume backups' and its moved snapshot data (snapshotMoveData);
 * the repository's maintenance later reclaims their space. Returns an error for each snapshot it
 * could not delete, naming it: those keep the backup, so deleting it again can try again.
 */
import type { PodVolumeBackup } from "../api/v1/index.js";
import type { BackupVolumeInfo } from "../backup/volume-info.js";
import { errorMessage } from "../kube/errors.js";
import type { RepositoryConnections } from "./kopia/repository-connections.js";

/** A kopia snapshot in the repository of a namespace in a storage location, and what it holds. */
export interface RepositorySnapshot {
  id: string;
  location: string;
  namespace: string;
  what: string;
}

export function podVolumeSnapshots(pvbs: readonly PodVolumeBackup[]): RepositorySnapshot[] {
  return pvbs.flatMap((pvb) =>
    pvb.status?.snapshotID
      ? [
          {
            id: pvb.status.snapshotID,
            location: pvb.spec.backupStorageLocation,
            namespace: pvb.spec.pod.namespace!,
            what: `volume ${pvb.spec.volume} of pod ${pvb.spec.pod.namespace}/${pvb.spec.pod.name}`,
          },
        ]
      : [],
  );
}

/** The moved snapshot data of a backup, from its volume info (the data went into the backup's location). */
export function movedDataSnapshots(
  infos: readonly BackupVolumeInfo[],
  location: string,
): RepositorySnapshot[] {
  return infos.flatMap((info) => {
    const id = info.snapshotDataMoved ? info.snapshotDataMovementInfo?.snapshotHandle : undefined;
    return id && info.pvcNamespace
      ? [
          {
            id,
            location,
            namespace: info.pvcNamespace,
            what: `the moved data of claim ${info.pvcNamespace}/${info.pvcName}`,
          },
        ]
      : [];
  });
}

export async function deleteRepositorySnapshots(
  connections: RepositoryConnections | undefined,
  snapshots: readonly RepositorySnapshot[],
): Promise<string[]> {
  const errors: string[] = [];
  for (const s of snapshots) {
    try {
      if (!connections) throw new Error("the server has no kopia to reach the repository with");
      const { kopia } = await connections.connect(s.location, s.namespace);
      await kopia.deleteSnapshot(s.id);
    } catch (err) {
      errors.push(`error deleting kopia snapshot ${s.id} of ${s.what}: ${errorMessage(err)}`);
    }
  }
  return errors;
}
