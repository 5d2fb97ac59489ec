import type { Logger } from "pino";
import { STORAGE_LOCATION_LABEL } from "../api/labels.js";
import { parseDuration } from "../api/duration.js";
import { isDnsSubdomain } from "../api/names.js";
import {
  BACKUP_PHASES,
  VELERO_API_VERSION,
  type Backup,
  type BackupStorageLocation,
} from "../api/v1/index.js";
import { errorMessage, isAlreadyExists } from "../kube/errors.js";
import type { VeleroClient } from "../kube/velero-client.js";
import { recordWarning } from "../kube/events.js";
import { openBackupStore } from "../locations/open-location.js";
import type { BackupStore } from "../storage/backup-store.js";

/**
 * Makes the cluster's Backup objects match the backups in each location: a backup in
 * a location with no Backup object gets one (so a backup made by another cluster can be
 * restored here); a finished Backup whose files are gone from its location is deleted.
 * A location is shared, so each entry is taken on its own: one that is malformed or unfinished
 * is skipped with a log line and a Warning Event on the location that names it, and every other
 * backup still syncs.
 */
export class BackupSync {
  private readonly lastSynced = new Map<string, number>();
  /** Skips already reported, so a bad entry is told once per server, not every period. */
  private readonly reported = new Set<string>();

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
      try {
        const created = await this.syncOne(store, locationName, name);
        if (created)
          this.log.info({ backup: name, location: locationName }, "synced backup from its storage location");
      } catch (err) {
        await this.skip(location, name, errorMessage(err));
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

  /** Creates the Backup of one stored backup; false when another process made it first. Throws why it cannot. */
  private async syncOne(store: BackupStore, locationName: string, name: string): Promise<boolean> {
    if (!isDnsSubdomain(name)) {
      throw new Error(
        "its directory name is not a valid Backup name (a lower-case DNS subdomain of at most 253 characters)",
      );
    }
    const stored = await store.getBackupMetadata(name);
    if (!stored) return false;
    const phase = stored.status?.phase;
    if (!phase || !SYNCED_PHASES.includes(phase)) {
      throw new Error(
        phase
          ? `its velero-backup.json has phase ${JSON.stringify(phase)}: only a backup that has finished its run is synced`
          : "its velero-backup.json has no status phase: only a backup that has finished its run is synced",
      );
    }
    const body: Backup = {
      apiVersion: VELERO_API_VERSION,
      kind: "Backup",
      metadata: {
        name,
        namespace: this.velero.namespace,
        labels: { ...stored.metadata.labels, [STORAGE_LOCATION_LABEL]: locationName },
        ...(stored.metadata.annotations ? { annotations: stored.metadata.annotations } : {}),
      },
      spec: { ...stored.spec, storageLocation: locationName },
      status: stored.status,
    };
    try {
      await this.velero.create("backups", body);
      return true;
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      throw new Error(`the API server refused its Backup: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async skip(location: BackupStorageLocation, backup: string, reason: string): Promise<void> {
    const locationName = location.metadata.name!;
    const message = `backup sync skipped backup ${JSON.stringify(backup)} in location ${locationName}: ${reason}`;
    if (this.reported.has(message)) return;
    this.reported.add(message);
    this.log.warn({ location: locationName, backup, reason }, "backup sync skipped a backup");
    await recordWarning(
      this.velero.client,
      {
        apiVersion: VELERO_API_VERSION,
        kind: "BackupStorageLocation",
        name: locationName,
        namespace: this.velero.namespace,
        ...(location.metadata.uid ? { uid: location.metadata.uid } : {}),
      },
      "BackupSyncSkipped",
      message,
    );
  }
}

/**
 * The phases a synced Backup may have. Without a phase, or New, the backup controller would run it
 * again as a new backup; InProgress means the backup never finished, or is running elsewhere.
 */
const SYNCED_PHASES: readonly string[] = BACKUP_PHASES.filter(
  (p) => p !== "New" && p !== "InProgress" && p !== "Deleting",
);
