import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import type { Backup, BackupPhase, BackupStatus } from "../api/v1/index.js";
import { parseDuration } from "../api/duration.js";
import { BackupArchiveWriter } from "../archive/backup-archive-writer.js";
import { ARCHIVE_FORMAT_VERSION } from "../archive/paths.js";
import { gzipJson } from "../encoding/gzip-json.js";
import type { KubeClient } from "../kube/client.js";
import { discover, type Discovery } from "../kube/discovery.js";
import { errorMessage } from "../kube/errors.js";
import { OperationLog, type LogFields, type LogLevel } from "../logs/operation-log.js";
import { Results } from "../results/results.js";
import type { BackupStore, CsiSideFiles } from "../storage/backup-store.js";
import { makeWorkDir } from "../workdirs/work-dirs.js";
import { ItemActionRegistry } from "../items/registry.js";
import { unfinishedMessage, type BackupOperation } from "../items/item-operation.js";
import { operationCounts, pollOperations, watchedCollections } from "../items/operation-poller.js";
import { backupItemActions } from "./actions/index.js";
import { BackupVolumeRecords } from "../volumes/backup-volume-records.js";
import type { NativeLocation } from "../volumes/native-snapshots.js";
import { releaseSnapshots } from "../volumes/csi-snapshot-backup-actions.js";
import type { BackupRepositories } from "../volumes/backup-repositories.js";
import {
  DEFAULT_POD_VOLUME_TIMEOUT,
  finishPodVolumeBackups,
  podVolumeTimeoutMs,
} from "../volumes/pod-volume-backup-actions.js";
import { ItemCollector, type CollectedItem } from "./item-collector.js";
import { itemKey, writeOrderedItems } from "./ordered-items.js";
import { BackupScope } from "./scope.js";
import { VolumeInfoCollector } from "./volume-info.js";

export const DEFAULT_BACKUP_TTL = "720h0m0s";

export interface BackupProgressUpdate {
  totalItems?: number;
  itemsBackedUp: number;
}

export interface BackupDependencies {
  client: KubeClient;
  store: BackupStore;
  /** Echoes the backup's log lines into the server's own log. */
  echo?: (level: LogLevel, msg: string, fields: LogFields) => void;
  onProgress?: (progress: BackupProgressUpdate) => void;
  /** Told when the backup moves on to waiting for its item operations. */
  onPhase?: (phase: BackupPhase) => Promise<void>;
  /** How often item operations are polled. */
  operationPollMs?: number;
  /** The backup's VolumeSnapshotLocations (`spec.volumeSnapshotLocations`), resolved. */
  snapshotLocations?: readonly NativeLocation[];
  /** The server's backup repositories, for file-system backups; none means none can be taken. */
  repositories?: BackupRepositories;
  /** How long pod volume backups may take unless the backup's annotation says otherwise (a Go duration). */
  podVolumeTimeout?: string;
  /** The cluster's discovery, read as the backup was picked up (or the error reading it); read here when absent. */
  discovery?: Discovery | Error;
  /** Resolves once the backup is marked InProgress: until then it only reads (item actions may write, so they wait). */
  writable?: Promise<unknown>;
}

/**
 * Runs one backup: walks the cluster, streams every item into `<b>.tar.gz` on local disk,
 * then uploads the archive and its side files (log, results, resource list, volume info, pod
 * volume backups, volume snapshots, item operations),
 * `velero-backup.json` last. Returns the backup with its final status; never throws for
 * a failure of the backup itself, which ends as phase Failed with the reason.
 */
export async function runBackup(backup: Backup, deps: BackupDependencies): Promise<Backup> {
  const name = backup.metadata.name!;
  const log = await OperationLog.create(name, { backup: `${backup.metadata.namespace}/${name}` }, deps.echo);
  const results = new Results();
  const workDir = await makeWorkDir("backup");
  const archivePath = path.join(workDir, `${name}.tar.gz`);
  const resourceList: Record<string, string[]> = {};
  const volumes = new VolumeInfoCollector();
  const volumeRecords = new BackupVolumeRecords();
  const started = backup.status?.startTimestamp ?? new Date().toISOString();
  const progress: BackupProgressUpdate = { itemsBackedUp: 0 };
  let failure: string | undefined;

  let operations: BackupOperation[] = [];
  try {
    log.info("Setting up backup", { ttl: backup.spec.ttl ?? DEFAULT_BACKUP_TTL });
    if (deps.discovery instanceof Error) throw deps.discovery;
    const discovery = deps.discovery ?? (await discover(deps.client));
    for (const failed of discovery.failedGroups) {
      results.warning(
        "velero",
        `could not discover ${failed.groupVersion}, its resources are not backed up: ${failed.error}`,
      );
    }
    const scope = new BackupScope(backup.spec, discovery.resources);
    for (const name of scope.unresolved) {
      results.warning(
        "velero",
        `resource "${name}" is not served by this cluster: it was left out of the filter`,
      );
      log.warn("Unable to resolve resource", { resource: name });
    }
    for (const name of scope.misplaced) {
      results.warning(
        "velero",
        `resource "${name}" is not of the scope of the filter that names it: it was left out of the filter`,
      );
    }
    const actions = new ItemActionRegistry(
      backupItemActions({
        client: deps.client,
        backup,
        volumes: volumeRecords,
        snapshotLocations: deps.snapshotLocations ?? [],
        ...(deps.repositories ? { repositories: deps.repositories } : {}),
      }),
    );
    const collector = new ItemCollector(
      deps.client,
      discovery.resources,
      scope,
      log,
      backup,
      actions,
      deps.writable,
    );
    const namespaces = await collector.namespacesInScope();
    const writer = new BackupArchiveWriter(createWriteStream(archivePath));
    const write = async ({ resource, object }: CollectedItem) => {
      await writer.addItem({
        group: resource.group,
        version: resource.version,
        resource: resource.resource,
        namespace: object.metadata?.namespace,
        name: object.metadata!.name!,
        object,
      });
      const ns = object.metadata?.namespace;
      (resourceList[`${object.apiVersion}/${object.kind}`] ??= []).push(
        ns ? `${ns}/${object.metadata!.name}` : object.metadata!.name!,
      );
      volumes.add(object);
      progress.itemsBackedUp++;
    };
    const writtenFirst = await writeOrderedItems(
      backup.spec,
      { client: deps.client, resources: discovery.resources, scope, namespaces: new Set(namespaces) },
      log,
      write,
      recordError,
    );
    for await (const page of collector.collect(namespaces, recordError)) {
      for (const item of page) {
        const { metadata } = item.object;
        if (!writtenFirst.has(itemKey(item.resource, metadata?.namespace, metadata!.name!)))
          await write(item);
      }
      progress.totalItems = progress.itemsBackedUp + collector.remainingEstimate;
      deps.onProgress?.({ ...progress });
    }
    for (const { namespace, message } of collector.itemErrors) {
      results.error(namespace ? { namespace } : "cluster", message);
      log.error(message);
    }
    // Every item is collected, so every snapshot the backup took is ready and in it: they are let
    // go of while the archive is finished (or before the wait for item operations).
    const released = releaseSnapshots(deps.client, volumeRecords).then((warnings) => {
      for (const warning of warnings) {
        results.warning("velero", warning);
        log.warn(warning);
      }
    });
    operations = collector.operations;
    if (operations.length) {
      await released;
      await deps.onPhase?.("WaitingForPluginOperations");
      log.info(`Waiting for ${operations.length} item operations`);
      const actionOf = (op: BackupOperation) => actions.named(op.spec.backupItemAction)!;
      await pollOperations(operations, (op) => actionOf(op).progress!(op.spec.OperationID, backup), {
        timeoutMs: parseDuration(backup.spec.itemOperationTimeout ?? "4h"),
        intervalMs: deps.operationPollMs ?? 5000,
        watch: {
          kubeConfig: deps.client.kubeConfig,
          collections: watchedCollections(
            operations,
            (op) => op.spec.backupItemAction,
            (name, ids) => actions.named(name)?.operationWatches?.(ids, backup),
          ),
        },
        onTimeout: (op) => actionOf(op).cancel?.(op.spec.OperationID, backup) ?? Promise.resolve(undefined),
      });
      for (const op of operations.filter((o) => o.status.phase !== "Completed")) {
        const message = unfinishedMessage(op, op.spec.backupItemAction);
        const ns = op.spec.ResourceIdentifier.Namespace;
        results.error(ns ? { namespace: ns } : "cluster", message);
        log.error(message);
      }
      // What the operations made that the backup must hold as they ended (a DataUpload, say).
      for (const item of await collector.postOperationItems(recordError)) await write(item);
    }
    await Promise.all([writer.finish(), released]);
    const podVolumeTimeout = podVolumeTimeoutMs(backup, deps.podVolumeTimeout ?? DEFAULT_POD_VOLUME_TIMEOUT);
    if (volumeRecords.podVolumeBackups.length)
      log.info(`Waiting for ${volumeRecords.podVolumeBackups.length} pod volume backups`);
    for (const { namespace, message } of await finishPodVolumeBackups(
      deps.client,
      backup,
      volumeRecords,
      podVolumeTimeout,
    )) {
      results.error({ namespace }, message);
      log.error(message);
    }
  } catch (err) {
    failure = errorMessage(err);
    log.error(`Backup failed: ${failure}`);
  }

  const phase: BackupPhase = failure ? "Failed" : results.errorCount ? "PartiallyFailed" : "Completed";
  progress.totalItems = failure ? progress.totalItems : progress.itemsBackedUp;
  const status: BackupStatus = {
    ...backup.status,
    version: 1,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    phase,
    startTimestamp: started,
    completionTimestamp: new Date().toISOString(),
    expiration: new Date(
      Date.parse(started) + parseDuration(backup.spec.ttl ?? DEFAULT_BACKUP_TTL),
    ).toISOString(),
    progress,
    // Left out when zero, as Velero's omitempty does.
    ...(results.warningCount ? { warnings: results.warningCount } : {}),
    ...(results.errorCount ? { errors: results.errorCount } : {}),
    // Velero counts the hooks it ran here; no hook runs yet, and zero counts are left out.
    hookStatus: {},
    ...(failure ? { failureReason: failure } : {}),
    ...operationStatus(operations),
  };
  const finished: Backup = { ...backup, status };
  log.info(`Backup ${phase === "Completed" ? "completed" : `ended ${phase}`}`, {
    itemsBackedUp: progress.itemsBackedUp,
    warnings: results.warningCount,
    errors: results.errorCount,
  });

  try {
    const logFile = await log.close();
    await deps.store.putBackup(name, {
      metadata: finished,
      contents: failure ? Buffer.alloc(0) : createReadStream(archivePath),
      log: createReadStream(logFile),
      results: await gzipJson(results.file),
      resourceList: await gzipJson(sortedLists(resourceList)),
      volumeInfo: await gzipJson(volumes.entries(volumeRecords)),
      csiSnapshots: csiSideFiles(volumeRecords),
      podVolumeBackups: volumeRecords.podVolumeBackups.length
        ? volumeRecords.podVolumeBackups.map((r) => r.podVolumeBackup)
        : null,
      volumeSnapshots: volumeRecords.nativeSnapshots.length
        ? volumeRecords.nativeSnapshots.map((r) => r.snapshot)
        : null,
      itemOperations: operations,
    });
  } catch (err) {
    const reason = `could not upload the backup to its storage location: ${errorMessage(err)}`;
    finished.status = {
      ...status,
      phase: "Failed",
      failureReason: failure ? `${failure}; ${reason}` : reason,
    };
  } finally {
    await log.remove();
    await fs.rm(workDir, { recursive: true, force: true });
  }
  return finished;

  function recordError(where: { resource: string; namespace?: string }, err: unknown): void {
    const message = `error listing ${where.resource}${where.namespace ? ` in ${where.namespace}` : ""}: ${errorMessage(err)}`;
    log.error(message);
    results.error(where.namespace ? { namespace: where.namespace } : "cluster", message);
  }
}

/** Kinds and each kind's items in order, as Velero's resource list has them (Go sorts map keys). */
export function sortedLists(lists: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(lists)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([kind, items]) => [kind, items.sort()]),
  );
}

/** The CSI side files: the snapshots that became ready, their contents and classes (null when none). */
function csiSideFiles(records: BackupVolumeRecords): CsiSideFiles {
  const taken = records.csiSnapshots.filter((r) => r.succeeded);
  if (!taken.length) return { snapshots: null, contents: null, classes: null };
  const classes = new Map(
    taken.flatMap((r) => (r.snapshotClass ? [[r.snapshotClass.metadata?.name, r.snapshotClass]] : [])),
  );
  return {
    snapshots: taken.map((r) => r.snapshot),
    contents: taken.flatMap((r) => (r.content ? [r.content] : [])),
    classes: [...classes.values()],
  };
}

/** The item operation counters of a backup's status, left out when it started none. */
function operationStatus(operations: BackupOperation[]): Partial<BackupStatus> {
  if (!operations.length) return {};
  const { attempted, completed, failed } = operationCounts(operations);
  return {
    backupItemOperationsAttempted: attempted,
    backupItemOperationsCompleted: completed,
    backupItemOperationsFailed: failed,
  };
}
