import type { Logger } from "pino";
import { STORAGE_LOCATION_LABEL } from "../api/labels.js";
import { parseDuration } from "../api/duration.js";
import type { Backup, BackupStorageLocation } from "../api/v1/index.js";
import { errorMessage, isAlreadyExists } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import { openBackupStore } from "../locations/open-location.js";

/**
 * Makes the cluster's Backup objects match the backups in each location: a backup in
 * a location with no Backup object gets one (so a backup made by another cluster can be
 * restored here); a finished Backup whose files are gone from its location is deleted.
 */
export class BackupSync {
  private readonly lastSynced = new Map<string, number>();

  constructor(
    private readonly velero: VeleroClient,
    private readonly log: Logger,
    private readonly defaultPeriodMs: number,
  ) {}

  async tick(): Promise<void> {
    const locations = await this.velero.list<BackupStorageLocation>("backupstoragelocations");
    for (const location of locations) {
      const name = location.metadata.name!;
      const period = location.spec.backupSyncPeriod
        ? parseDuration(location.spec.backupSyncPeriod)
        : this.defaultPeriodMs;
      if (period === 0 || Date.now() < (this.lastSynced.get(name) ?? 0) + period) continue;
      this.lastSynced.set(name, Date.now());
      try {
        await this.sync(location);
      } catch (err) {
        this.log.warn({ location: name, err: errorMessage(err) }, "backup sync failed");
      }
    }
  }

  async sync(location: BackupStorageLocation): Promise<void> {
    const locationName = location.metadata.name!;
    const store = await openBackupStore(this.velero, location);
    const inStore = new Set(await store.listBackups());
    const inCluster = await this.velero.list<Backup>("backups");
    const known = new Set(inCluster.map((b) => b.metadata.name!));

    for (const name of inStore) {
      if (known.has(name)) continue;
      const stored = await store.getBackupMetadata(name);
      if (!stored) continue;
      const body: Backup = {
        apiVersion: stored.apiVersion,
        kind: "Backup",
        metadata: {
          name,
          namespace: this.velero.namespace,
          labels: { ...stored.metadata.labels, [STORAGE_LOCATION_LABEL]: locationName },
          annotations: stored.metadata.annotations,
        },
        spec: { ...stored.spec, storageLocation: locationName },
        status: stored.status,
      };
      try {
        await this.velero.create("backups", body);
        this.log.info({ backup: name, location: locationName }, "synced backup from its storage location");
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }

    for (const backup of inCluster) {
      const name = backup.metadata.name!;
      const finished = ["Completed", "PartiallyFailed"].includes(backup.status?.phase ?? "");
      if (backup.spec.storageLocation !== locationName || !finished || inStore.has(name)) continue;
      await this.velero.delete("backups", name);
      this.log.info(
        { backup: name, location: locationName },
        "deleted a Backup whose files are gone from its storage location",
      );
    }
    await this.velero.patchStatus("backupstoragelocations", locationName, {
      lastSyncedTime: new Date().toISOString(),
    });
  }
}
