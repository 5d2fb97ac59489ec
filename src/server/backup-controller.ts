import type { Logger } from "pino";
import {
  backupAnnotations,
  VELERO_BACKUP_DEFAULTS,
  withBackupDefaults,
  type BackupServerDefaults,
} from "../api/backup-defaults.js";
import { STORAGE_LOCATION_LABEL } from "../api/labels.js";
import { parseDuration } from "../api/duration.js";
import type { Backup, BackupStatus } from "../api/v1/index.js";
import { DEFAULT_BACKUP_TTL, runBackup, type BackupProgressUpdate } from "../backup/backupper.js";
import { echoProblems, ProgressWriter } from "./operation-reporting.js";
import { validateBackupSpec } from "../backup/scope.js";
import { resolveSnapshotLocations } from "../volumes/native-snapshots.js";
import type { BackupRepositories } from "../volumes/backup-repositories.js";
import { errorMessage } from "../kube/errors.js";
import { getByKey, type Cache } from "../kube/informer.js";
import { serverVersion } from "../kube/server-version.js";
import { discover } from "../kube/discovery.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import { findLocation, openBackupStore } from "../locations/open-location.js";

/**
 * Runs new Backups one at a time: validates each (FailedValidation with every reason),
 * then InProgress with progress updates, then Completed, PartiallyFailed or Failed.
 */
export class BackupController {
  constructor(
    private readonly velero: VeleroClient,
    private readonly backups: Cache<Backup>,
    private readonly log: Logger,
    private readonly defaultTtl = DEFAULT_BACKUP_TTL,
    private readonly defaults: BackupServerDefaults = VELERO_BACKUP_DEFAULTS,
    private readonly podVolumes: { repositories?: BackupRepositories; timeout?: string } = {},
  ) {}

  /** One backup at a time: the server's queue for backups works one key at a time. */
  async reconcile(key: string): Promise<Outcome> {
    const cached = getByKey(this.backups, key);
    if (!cached || (cached.status?.phase && cached.status.phase !== "New")) return "done";
    // The cache may lag behind our own writes: read the backup itself before starting it. Its
    // location (as the cached spec names it), the cluster's version and discovery, which the
    // backup uses next, are read alongside, and used while it is validated and marked InProgress.
    const early = <T>(read: Promise<T>) => read.catch((err: unknown) => err as Error);
    const cachedLocation = cached.spec.storageLocation;
    const version = early(serverVersion(this.velero.client));
    const discovery = early(discover(this.velero.client));
    const [backup, foundLocation] = await Promise.all([
      this.velero.get<Backup>("backups", cached.metadata.name!),
      early(findLocation(this.velero, cachedLocation)),
    ]);
    if (!backup || (backup.status?.phase && backup.status.phase !== "New")) return "done";
    const name = backup.metadata.name!;

    const errors = validateBackupSpec(backup.spec);
    let location;
    try {
      const found =
        backup.spec.storageLocation === cachedLocation
          ? foundLocation
          : await early(findLocation(this.velero, backup.spec.storageLocation));
      if (found instanceof Error) throw found;
      location = found;
      if (location.spec.accessMode === "ReadOnly") {
        errors.push(
          `backup can't be created because backup storage location ${location.metadata.name} is currently in read-only mode`,
        );
      }
    } catch (err) {
      errors.push(errorMessage(err));
    }
    const snapshotLocations = await resolveSnapshotLocations(
      this.velero,
      backup.spec.volumeSnapshotLocations ?? [],
    );
    errors.push(...snapshotLocations.errors);
    if (errors.length || !location) {
      this.log.info({ backup: name, errors }, "backup failed validation");
      await this.setStatus(backup, { phase: "FailedValidation", validationErrors: errors });
      return "done";
    }

    const store = await openBackupStore(this.velero, location).catch((err: unknown) => err as Error);
    const taken = store instanceof Error ? undefined : await store.backupExists(name).catch(() => false);
    if (taken) {
      await this.setStatus(backup, {
        phase: "FailedValidation",
        validationErrors: [
          `a backup named ${name} already exists in backup storage location ${location.metadata.name}`,
        ],
      });
      return "done";
    }

    const started = new Date().toISOString();
    const ttl = backup.spec.ttl ?? this.defaultTtl;
    // What Velero's controller fills in when it accepts a backup, kept on the Backup and in velero-backup.json.
    // A location that cannot be reached fails the backup now rather than after all the work;
    // it is checked while the Backup is marked InProgress (the two patches go at once too).
    const reachable =
      store instanceof Error
        ? Promise.resolve(store)
        : store.validate().then(
            () => undefined,
            (err: unknown) => err as Error,
          );
    const locationName = location.metadata.name!;
    const clusterVersion = await version;
    if (clusterVersion instanceof Error) throw clusterVersion;
    const changes = {
      metadata: {
        labels: { [STORAGE_LOCATION_LABEL]: locationName },
        annotations: backupAnnotations(clusterVersion, this.defaults),
      },
      spec: withBackupDefaults({ ...backup.spec, storageLocation: locationName, ttl }, this.defaults),
    };
    const inProgressStatus: BackupStatus = {
      phase: "InProgress",
      startTimestamp: started,
      expiration: new Date(Date.parse(started) + parseDuration(ttl)).toISOString(),
      version: 1,
    };
    // The backup reads the cluster while the two patches are sent; what may write (its item
    // actions) and every later status wait for them.
    const marked = Promise.all([
      this.velero.patch<Backup>("backups", name, changes),
      this.setStatus(backup, inProgressStatus),
    ]);
    marked.catch(() => undefined); // awaited before the backup's next status
    // The backup as the patches leave it.
    const inProgress: Backup = {
      ...backup,
      metadata: {
        ...backup.metadata,
        labels: { ...backup.metadata.labels, ...changes.metadata.labels },
        annotations: { ...backup.metadata.annotations, ...changes.metadata.annotations },
      },
      spec: changes.spec,
      status: { ...backup.status, ...inProgressStatus },
    };
    this.log.info({ backup: name, location: location.metadata.name }, "backup started");
    const unreachable = await reachable;
    if (store instanceof Error || unreachable) {
      await marked;
      await this.setStatus(inProgress, {
        phase: "Failed",
        failureReason: `backup storage location ${location.metadata.name} is unavailable: ${errorMessage(unreachable)}`,
        completionTimestamp: new Date().toISOString(),
      });
      return "done";
    }

    const progress = new ProgressWriter(
      (p: BackupProgressUpdate) => this.setStatus(inProgress, { progress: p }),
      this.log,
      { backup: name },
    );
    const finished = await runBackup(
      {
        ...inProgress,
        spec: { ...inProgress.spec, ttl },
        status: { ...inProgress.status, startTimestamp: started },
      },
      {
        client: this.velero.client,
        store,
        echo: echoProblems(this.log),
        onProgress: progress.report,
        onPhase: (phase) => this.setStatus(inProgress, { phase }),
        snapshotLocations: snapshotLocations.locations,
        discovery: await discovery,
        writable: marked,
        ...(this.podVolumes.repositories ? { repositories: this.podVolumes.repositories } : {}),
        ...(this.podVolumes.timeout ? { podVolumeTimeout: this.podVolumes.timeout } : {}),
      },
    );
    await progress.settled();
    await marked;
    await this.setStatus(inProgress, finished.status!);
    this.log.info(
      { backup: name, phase: finished.status?.phase, failureReason: finished.status?.failureReason },
      "backup finished",
    );
    return "done";
  }

  private async setStatus(backup: Backup, status: BackupStatus): Promise<void> {
    await this.velero.patchStatus("backups", backup.metadata.name!, status);
  }
}
