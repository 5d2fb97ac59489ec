import type { Logger } from "pino";
import type { Backup, BackupStorageLocation, DeleteBackupRequest } from "../api/v1/index.js";
import { deleteBackupRequestFor } from "../backup/delete-request.js";
import { errorMessage } from "../kube/errors.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import { openBackupStore } from "../locations/open-location.js";

/**
 * Works DeleteBackupRequests: deletes every file of the backup from its location, then
 * the Backup object. A request that succeeded is removed; one that failed stays, Processed,
 * with its errors, so `backup describe` can tell why the backup is still there.
 */
export class DeletionController {
  constructor(
    private readonly velero: VeleroClient,
    private readonly requests: Cache<DeleteBackupRequest>,
    private readonly log: Logger,
  ) {}

  async reconcile(key: string): Promise<Outcome> {
    const request = getByKey(this.requests, key);
    if (!request || (request.status?.phase && request.status.phase !== "New")) return "done";
    const requestName = request.metadata.name!;
    const backupName = request.spec.backupName;
    await this.velero.patchStatus("deletebackuprequests", requestName, { phase: "InProgress" });

    const errors: string[] = [];
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
          errors.push(
            `backup storage location ${backup.spec.storageLocation} not found: the backup's files were not deleted`,
          );
        } else if (location.spec.accessMode === "ReadOnly") {
          errors.push(
            `cannot delete backup because backup storage location ${location.metadata.name} is currently in read-only mode`,
          );
        } else {
          await (await openBackupStore(this.velero, location)).deleteBackup(backupName);
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
      errors.length ? "backup deletion failed" : "backup deleted",
    );
    if (errors.length === 0) await this.velero.delete("deletebackuprequests", requestName);
    else await this.velero.patchStatus("deletebackuprequests", requestName, { phase: "Processed", errors });
    return "done";
  }
}

/** Deletes backups past their expiration, through DeleteBackupRequests as Velero's GC does. */
export class GarbageCollector {
  constructor(
    private readonly velero: VeleroClient,
    private readonly log: Logger,
  ) {}

  async tick(): Promise<void> {
    const now = Date.now();
    const pending = new Set(
      (await this.velero.list<DeleteBackupRequest>("deletebackuprequests")).map((r) => r.spec.backupName),
    );
    for (const backup of await this.velero.list<Backup>("backups")) {
      const expiration = backup.status?.expiration;
      const phase = backup.status?.phase;
      if (!expiration || Date.parse(expiration) > now || pending.has(backup.metadata.name!)) continue;
      if (!phase || phase === "New" || phase === "InProgress" || phase === "Deleting") continue;
      this.log.info({ backup: backup.metadata.name, expiration }, "backup has expired, deleting it");
      await this.velero.create("deletebackuprequests", deleteBackupRequestFor(backup));
    }
  }
}
