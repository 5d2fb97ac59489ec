import type { Logger } from "pino";
import type { Backup, BackupStorageLocation, DeleteBackupRequest } from "../api/v1/index.js";
import { deleteBackupRequestFor } from "../backup/delete-request.js";
import { errorMessage } from "../kube/errors.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import { openBackupStore } from "../locations/open-location.js";
import { deleteCsiSnapshots } from "../volumes/csi-snapshot-deletion.js";
import { deleteNativeSnapshots } from "../volumes/native-snapshots.js";
import type { RepositoryConnections } from "../volumes/kopia/repository-connections.js";
import {
  deleteRepositorySnapshots,
  movedDataSnapshots,
  podVolumeSnapshots,
} from "../volumes/repository-snapshot-deletion.js";

/**
 * Works DeleteBackupRequests: deletes the CSI, native and kopia snapshots the backup took, then every file of the
 * backup from its location, then the Backup object (only the object when the location no longer
 * exists). A request that succeeded is removed; one that failed stays, Processed,
 * with its errors, so `backup describe` can tell why the backup is still there.
 */
export class DeletionController {
  constructor(
    private readonly velero: VeleroClient,
    private readonly requests: Cache<DeleteBackupRequest>,
    private readonly log: Logger,
    /** The server's kopia connections, to delete the backup's pod volume snapshots with. */
    private readonly repositories?: RepositoryConnections,
  ) {}

  async reconcile(key: string): Promise<Outcome> {
    const request = getByKey(this.requests, key);
    if (!request || (request.status?.phase && request.status.phase !== "New")) return "done";
    const requestName = request.metadata.name!;
    const backupName = request.spec.backupName;
    await this.velero.patchStatus("deletebackuprequests", requestName, { phase: "InProgress" });

    const errors: string[] = [];
    let unreachable: string | undefined;
    const backup = await this.velero.get<Backup>("backups", backupName);
    if (!backup) {
      errors.push(`backup ${backupName} not found`);
    } else {
      await this.velero.patchStatus("backups", backupName, { phase: "Deleting" });
      try {
        const location = await this.velero.get<BackupStorageLocation>(
          "backupstoragelocations",
          backup.spec.storageLocation ?? "default",
        );
        if (!location) {
          // Nothing can reach the files any more; keeping the object would only block its deletion.
          unreachable = `backup storage location ${backup.spec.storageLocation ?? "default"} does not exist: the backup's files could not be reached and were not deleted`;
        } else if (location.spec.accessMode === "ReadOnly") {
          errors.push(
            `cannot delete backup because backup storage location ${location.metadata.name} is currently in read-only mode`,
          );
        } else {
          const store = await openBackupStore(this.velero, location);
          const { snapshots, contents } = await store.getBackupCsiSnapshots(backupName);
          errors.push(...(await deleteCsiSnapshots(this.velero.client, snapshots, contents)));
          const natives = await store.getBackupVolumeSnapshots(backupName);
          errors.push(...(await deleteNativeSnapshots(this.velero, natives)));
          const kopiaSnapshots = [
            ...podVolumeSnapshots(await store.getBackupPodVolumeBackups(backupName)),
            ...movedDataSnapshots(
              await store.getBackupVolumeInfos(backupName),
              backup.spec.storageLocation ?? location.metadata.name!,
            ),
          ];
          errors.push(...(await deleteRepositorySnapshots(this.repositories, kopiaSnapshots)));
          // A snapshot left behind keeps the backup, so a new request can try again.
          if (errors.length === 0) await store.deleteBackup(backupName);
        }
      } catch (err) {
        errors.push(`error deleting backup from backup storage: ${errorMessage(err)}`);
      }
      if (errors.length === 0) await this.velero.delete("backups", backupName);
      else
        await this.velero.patchStatus("backups", backupName, { phase: backup.status?.phase ?? "Completed" });
    }

    this.log.info(
      { backup: backupName, errors },
      errors.length
        ? "backup deletion failed"
        : unreachable
          ? `Backup object deleted; ${unreachable}`
          : "backup deleted",
    );
    if (errors.length === 0) await this.velero.delete("deletebackuprequests", requestName);
    else await this.velero.patchStatus("deletebackuprequests", requestName, { phase: "Processed", errors });
    return "done";
  }
}

/**
 * Deletes backups past their expiration, through DeleteBackupRequests as Velero's GC does. A
 * backup whose location is read-only, or gone, is left until that changes. A request that ended
 * Processed with errors (the location was read-only then, say) does not hold the backup forever:
 * it is removed and a new one made.
 */
export class GarbageCollector {
  /** Backups already logged as waiting for their location, so each is told once, not every tick. */
  private readonly told = new Set<string>();

  constructor(
    private readonly velero: VeleroClient,
    private readonly log: Logger,
  ) {}

  async tick(): Promise<void> {
    const now = Date.now();
    const requests = await this.velero.list<DeleteBackupRequest>("deletebackuprequests");
    const locations = new Map(
      (await this.velero.list<BackupStorageLocation>("backupstoragelocations")).map((l) => [
        l.metadata.name!,
        l,
      ]),
    );
    for (const backup of await this.velero.list<Backup>("backups")) {
      const name = backup.metadata.name!;
      const expiration = backup.status?.expiration;
      const phase = backup.status?.phase;
      if (!expiration || Date.parse(expiration) > now) continue;
      if (!phase || phase === "New" || phase === "InProgress" || phase === "Deleting") continue;
      const locationName = backup.spec.storageLocation ?? "default";
      const location = locations.get(locationName);
      const waiting = !location
        ? `backup storage location ${locationName} does not exist`
        : location.spec.accessMode === "ReadOnly"
          ? `backup storage location ${locationName} is currently in read-only mode`
          : undefined;
      if (waiting) {
        if (!this.told.has(`${name} ${waiting}`))
          this.log.info(
            { backup: name, expiration },
            `backup has expired but cannot be garbage-collected: ${waiting}`,
          );
        this.told.add(`${name} ${waiting}`);
        continue;
      }
      const own = requests.filter((r) => r.spec.backupName === name);
      if (own.some((r) => r.status?.phase !== "Processed")) continue;
      for (const done of own) await this.velero.delete("deletebackuprequests", done.metadata.name!);
      this.log.info({ backup: name, expiration }, "backup has expired, deleting it");
      await this.velero.create("deletebackuprequests", deleteBackupRequestFor(backup));
    }
  }
}
