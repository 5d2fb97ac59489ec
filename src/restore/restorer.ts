import { createReadStream } from "node:fs";
import type { Restore, RestorePhase, RestoreStatus } from "../api/v1/index.js";
import { ArchiveLimitError, UnsafeArchiveEntryError } from "../archive/backup-archive-reader.js";
import { gzipJson } from "../encoding/gzip-json.js";
import type { KubeClient } from "../kube/client.js";
import type { Discovery } from "../kube/discovery.js";
import { errorMessage } from "../kube/errors.js";
import { OperationLog, type LogFields, type LogLevel } from "../logs/operation-log.js";
import { Results } from "../results/results.js";
import type { BackupStore } from "../storage/backup-store.js";
import { indexBackup, type BackupIndex } from "./backup-index.js";
import { objectKey } from "../items/item.js";
import { executePlan, type ItemOutcome } from "./execute.js";
import type { RestoreActionsFactory } from "./actions/index.js";
import { RestoreOperations } from "./restore-operations.js";
import { unfinishedMessage } from "../items/item-operation.js";
import { parseDuration } from "../api/duration.js";
import { planRestore, type RestorePlan } from "./planning.js";
import { ResourceListFile } from "./resource-list.js";
import { limitMessage, type RestoreLimits } from "./limits.js";
import { RestoreValidationError } from "./validation.js";
import type { RestoreVolumeInfo } from "./volume-info.js";
import type { ResourcePriorities } from "./priorities.js";

export interface RestoreProgress {
  totalItems: number;
  itemsRestored: number;
}

export interface RestoreDependencies {
  client: KubeClient;
  /** The store of the backup's location; the restore's files go there too. */
  store: BackupStore;
  priorities: ResourcePriorities;
  limits: RestoreLimits;
  concurrency: number;
  terminatingTimeoutMs: number;
  /** How long a restored CRD may take to be established (the server's `--resource-timeout`). */
  resourceTimeoutMs?: number;
  /** How long each pod volume restore may take (the backup's annotation, else the server's setting). */
  podVolumeTimeoutMs?: number;
  /** The cluster's discovery, read just before (the restore's validation reads it too). */
  discovery?: Discovery;
  echo?: (level: LogLevel, msg: string, fields: LogFields) => void;
  onProgress?: (progress: RestoreProgress) => void;
  /** Told when the restore moves on to waiting for its item operations. */
  onPhase?: (phase: RestorePhase) => Promise<void>;
  /** The restore item actions (the built-in ones unless told otherwise). */
  actions?: RestoreActionsFactory;
  /** How often item operations are polled. */
  operationPollMs?: number;
  /** Resolves once the restore is marked InProgress: nothing is written to the cluster before. */
  started?: Promise<void>;
}

/**
 * Reads the backup's archive into a local index, then plans. An unsafe archive is a validation
 * error. The caller removes the index's spool when done with the plan.
 */
export async function loadAndPlan(
  restore: Restore,
  deps: Pick<
    RestoreDependencies,
    "client" | "store" | "priorities" | "limits" | "actions" | "podVolumeTimeoutMs" | "discovery"
  >,
  options: { dryRun?: boolean } = {},
): Promise<{ index: BackupIndex; plan: RestorePlan }> {
  const backupName = restore.spec.backupName!;
  let index: BackupIndex;
  // Read with the archive; its failure is reported once the archive has been read.
  const volumeFiles = Promise.all([
    deps.store.getBackupVolumeSnapshots(backupName),
    deps.store.getBackupPodVolumeBackups(backupName),
  ]).then(([volumeSnapshots, podVolumeBackups]) => ({ volumeSnapshots, podVolumeBackups }));
  volumeFiles.catch(() => undefined);
  try {
    index = await indexBackup(await deps.store.getBackupContents(backupName), deps.limits);
  } catch (err) {
    if (err instanceof UnsafeArchiveEntryError) {
      throw new RestoreValidationError(`backup ${backupName} cannot be restored: ${err.message}`);
    }
    if (err instanceof ArchiveLimitError) {
      throw new RestoreValidationError(`backup ${backupName} cannot be restored: ${limitMessage(err)}`);
    }
    throw new Error(`could not read backup ${backupName}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    const planOptions = {
      ...options,
      ...(deps.actions ? { actions: deps.actions } : {}),
      ...(deps.podVolumeTimeoutMs ? { podVolumeTimeoutMs: deps.podVolumeTimeoutMs } : {}),
      ...(deps.discovery ? { discovery: deps.discovery } : {}),
      volumeFiles: await volumeFiles,
    };
    return { index, plan: await planRestore(restore, index, deps.client, deps.priorities, planOptions) };
  } catch (err) {
    await index.spool.remove();
    throw err;
  }
}

/** The restore's volume info, best effort: what cannot be read is logged and left out. */
async function volumeInfo(
  plan: RestorePlan,
  deps: RestoreDependencies,
  log: OperationLog,
): Promise<RestoreVolumeInfo[]> {
  try {
    return await plan.volumes.entries(deps.client);
  } catch (err) {
    log.warn(`could not collect the restore's volume info: ${errorMessage(err)}`);
    return [];
  }
}

/**
 * Runs one validated restore: executes its plan (made here unless `loaded` holds it), and uploads
 * its log, results, resource list, item operations and volume info to the location. Returns the
 * final status; a failure of the restore itself ends as phase Failed with the reason. Throws
 * RestoreValidationError when the backup's archive is unsafe, before anything is written.
 */
export async function runRestore(
  restore: Restore,
  deps: RestoreDependencies,
  loaded?: { index: BackupIndex; plan: RestorePlan },
): Promise<RestoreStatus> {
  const name = restore.metadata.name!;
  const { index, plan } = loaded ?? (await loadAndPlan(restore, deps));
  const log = await OperationLog.create(
    name,
    { restore: `${restore.metadata.namespace}/${name}` },
    deps.echo,
  );
  const results = new Results();
  const resourceList = await ResourceListFile.create();
  const progress: RestoreProgress = { totalItems: plan.unplanned, itemsRestored: 0 };
  let chunkLeft = 0;
  const counts: Record<ItemOutcome, number> = {
    created: 0,
    updated: 0,
    recreated: 0,
    skipped: 0,
    pruned: 0,
    failed: 0,
  };
  let failure: string | undefined;
  const operations = new RestoreOperations(restore, plan.actions, deps.client);

  try {
    await deps.started;
    log.info(`Starting restore of backup ${restore.metadata.namespace}/${restore.spec.backupName}`);
    for (const failed of plan.discovery.failedGroups) {
      results.warning("velero", `could not discover ${failed.groupVersion}: ${failed.error}`);
    }
    deps.onProgress?.({ ...progress });
    await executePlan(plan, {
      client: deps.client,
      concurrency: deps.concurrency,
      terminatingTimeoutMs: deps.terminatingTimeoutMs,
      ...(deps.resourceTimeoutMs ? { crdTimeoutMs: deps.resourceTimeoutMs } : {}),
      onChunk: (steps) => (chunkLeft += steps),
      beforeCreate: (step, body) => operations.beforeCreate(step, body),
      startOperations: (step, item) =>
        operations.start(step, item).catch((err: unknown) => {
          const message = `error starting an operation for ${step.entry.groupResource} ${objectKey(step.entry.namespace, step.entry.name)}: ${errorMessage(err)}`;
          results.error(step.entry.namespace ? { namespace: step.entry.namespace } : "cluster", message);
          log.error(message);
        }),
      onOutcome: (entry, outcome, messages) => {
        const bucket = entry.namespace ? { namespace: entry.namespace } : ("cluster" as const);
        for (const w of messages.warnings) results.warning(bucket, w);
        if (messages.error) {
          results.error(bucket, messages.error);
          log.error(messages.error);
        }
        const where = objectKey(entry.namespace, entry.name);
        if (outcome === "pruned") results.warning(bucket, `pruned ${entry.kind} "${where}": ${entry.reason}`);
        const kind = `${entry.apiVersion || entry.groupResource}/${entry.kind}`.replace(/\/$/, "");
        resourceList.add(kind, `${where}(${outcome})`);
        log.info(`${outcome} ${entry.groupResource} ${where}`, { reason: entry.reason });
        counts[outcome]++;
        progress.itemsRestored++;
        chunkLeft--;
        // What is done, what the chunks started still hold, and what is not planned yet.
        progress.totalItems = progress.itemsRestored + chunkLeft + plan.unplanned;
        deps.onProgress?.({ ...progress });
      },
    });
    if (operations.list.length) {
      await deps.onPhase?.("WaitingForPluginOperations");
      log.info(`Waiting for ${operations.list.length} item operations`);
      await operations.waitAll(
        parseDuration(restore.spec.itemOperationTimeout ?? "4h"),
        deps.operationPollMs,
      );
      for (const op of operations.list.filter((o) => o.status.phase !== "Completed")) {
        const message = unfinishedMessage(op, op.spec.restoreItemAction);
        const ns = op.spec.ResourceIdentifier.Namespace;
        results.error(ns ? { namespace: ns } : "cluster", message);
        log.error(message);
      }
    }
  } catch (err) {
    failure = errorMessage(err);
    log.error(`Restore failed: ${failure}`);
  } finally {
    await index.spool.remove();
  }

  if (!failure) progress.totalItems = progress.itemsRestored;
  const phase: RestorePhase = failure ? "Failed" : results.errorCount ? "PartiallyFailed" : "Completed";
  log.info(`Restore ${phase === "Completed" ? "completed" : `ended ${phase}`}`, { ...counts });
  const status: RestoreStatus = {
    phase,
    progress,
    warnings: results.warningCount,
    errors: results.errorCount,
    completionTimestamp: new Date().toISOString(),
    ...(failure ? { failureReason: failure } : {}),
    ...operations.counts(),
  };
  // At once, each on its own (the files they read are removed only once all have ended). Those
  // that are final go while the volume info waits for the restored claims to be bound.
  const uploads = [
    gzipJson(results.file).then((gz) => deps.store.putRestoreResults(name, gz)),
    resourceList
      .gzippedFile()
      .then((file) => deps.store.putRestoreResourceList(name, createReadStream(file))),
    // Velero writes both even when empty.
    deps.store.putRestoreItemOperations(name, operations.list),
  ];
  for (const u of uploads) u.catch(() => undefined); // awaited below
  const volumes = await volumeInfo(plan, deps, log);
  try {
    uploads.push(
      gzipJson(volumes).then((gz) => deps.store.putRestoreVolumeInfo(name, gz)),
      log.close().then((logFile) => deps.store.putRestoreLog(name, createReadStream(logFile))),
    );
    const failed = (await Promise.allSettled(uploads)).find((u) => u.status === "rejected");
    if (failed) throw failed.reason;
  } catch (err) {
    const reason = `could not upload the restore's files to the storage location: ${errorMessage(err)}`;
    status.phase = "Failed";
    status.failureReason = failure ? `${failure}; ${reason}` : reason;
  } finally {
    await log.remove();
    await resourceList.remove();
  }
  return status;
}
