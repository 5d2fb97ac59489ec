import type { Logger } from "pino";
import type {
  Backup,
  DeleteBackupRequest,
  DownloadRequest,
  Restore,
  ServerStatusRequest,
} from "../api/v1/index.js";
import { VELERO_GROUP, VELERO_V1 } from "../api/v1/index.js";
import { KubeClient } from "../kube/client.js";
import { loadKubeConfig } from "../kube/config.js";
import { errorMessage, isNotFound } from "../kube/errors.js";
import { feed, keyOf, startInformer } from "../kube/informer.js";
import { publishRestoreSettings } from "../restore/server-settings.js";
import { VeleroClient } from "../kube/velero-client.js";
import { WorkQueue } from "../kube/work-queue.js";
import { BackupController } from "./backup-controller.js";
import { BackupSync } from "./backup-sync.js";
import { DeletionController, GarbageCollector } from "./deletion.js";
import { DownloadRequestController } from "./download-request-controller.js";
import { startDownloadServer } from "./download-server.js";
import { failInterrupted } from "./interrupted.js";
import type { BackupServerDefaults } from "../api/backup-defaults.js";
import { LocationValidator } from "./location-validator.js";
import { RepositoryMaintainer } from "./repository-maintainer.js";
import { RestoreController, type RestoreControllerOptions } from "./restore-controller.js";
import { ServerStatusController } from "./server-status-controller.js";
import { veleroInformer } from "./velero-informers.js";
import { makeWorkDir, removeLeftWorkDirs } from "../workdirs/work-dirs.js";
import { BackupRepositories } from "../volumes/backup-repositories.js";
import { ensureKopia } from "../volumes/kopia/kopia-build.js";
import { RepositoryConnections } from "../volumes/kopia/repository-connections.js";
import { ensureRepositoryCredentials } from "../volumes/kopia/repository-credentials.js";

export interface ServerOptions {
  namespace: string;
  kubeconfig?: string;
  kubecontext?: string;
  backupSyncPeriodMs: number;
  storeValidationFrequencyMs: number;
  garbageCollectionFrequencyMs: number;
  defaultBackupTtl: string;
  /** What the server fills into the backups it accepts (Velero's server flags). */
  backupDefaults: BackupServerDefaults;
  restore: RestoreControllerOptions;
  /** host:port the download server listens on, for files of locations that cannot presign URLs. */
  downloadServerAddress: string;
  /** The base URL clients reach the download server at, when not http://<address>. */
  downloadServerUrl?: string;
  /** How long pod volume backups and restores may take (Velero's --fs-backup-timeout). */
  podVolumeTimeout: string;
  /** kopia's memory limit in repository maintenance, in bytes (none when undefined). */
  maintenanceMemoryLimitBytes?: number;
}

/** How often the server looks for repositories whose maintenance is due. */
const MAINTENANCE_CHECK_MS = 30_000;

/** A running server: its controllers until stop() is called. */
export interface RunningServer {
  stop(): void;
}

/**
 * `velero-ts server`: the controllers of backups, restores, storage locations, backup sync,
 * expiry and deletion, for the velero.io resources of one namespace.
 */
export async function startServer(options: ServerOptions, log: Logger): Promise<RunningServer> {
  // A server killed mid-restore (kill -9, OOM) left its spool and logs; nothing else will remove them.
  const removed = await removeLeftWorkDirs();
  if (removed.length) log.info({ removed }, "removed temporary directories that stopped servers left");
  const kc = loadKubeConfig(options.kubeconfig, options.kubecontext);
  const client = new KubeClient(kc);
  const velero = new VeleroClient(client, options.namespace);
  await requireCrds(client);
  // Only the preview reads them: a server that cannot publish them (no such namespace yet, no
  // right to write ConfigMaps) still runs, and the preview says it planned with the defaults.
  await publishRestoreSettings(client, options.namespace, options.restore).catch((err: unknown) =>
    log.warn({ err: errorMessage(err) }, "could not publish the restore settings for restore previews"),
  );

  const backups = veleroInformer<Backup>(kc, options.namespace, "backups");
  const requests = veleroInformer<DeleteBackupRequest>(kc, options.namespace, "deletebackuprequests");
  await ensureRepositoryCredentials(client, options.namespace).catch((err: unknown) =>
    log.warn(
      { err: errorMessage(err) },
      `could not make the repository password secret; file-system backups need it`,
    ),
  );
  // kopia is built (once per machine) only when the first file-system backup needs a repository.
  let kopiaDir: Promise<string> | undefined;
  const connections = new RepositoryConnections(
    velero,
    () => ensureKopia(),
    () => (kopiaDir ??= makeWorkDir("server-kopia")),
    true,
  );
  const repositories = new BackupRepositories(velero, connections);
  const backupController = new BackupController(
    velero,
    backups,
    log,
    options.defaultBackupTtl,
    options.backupDefaults,
    { repositories, timeout: options.podVolumeTimeout },
  );
  const deletion = new DeletionController(velero, requests, log, connections);
  await failInterrupted(velero, "backups");
  const restores = veleroInformer<Restore>(kc, options.namespace, "restores");
  const restoreController = new RestoreController(velero, restores, log, {
    ...options.restore,
    podVolumeTimeout: options.podVolumeTimeout,
  });
  await failInterrupted(velero, "restores");
  const downloads = await startDownloadServer(
    options.downloadServerAddress,
    options.downloadServerUrl,
    velero,
    log,
  );
  const downloadRequests = veleroInformer<DownloadRequest>(kc, options.namespace, "downloadrequests");
  const downloadController = new DownloadRequestController(velero, downloadRequests, log, downloads.base);
  const statusRequests = veleroInformer<ServerStatusRequest>(kc, options.namespace, "serverstatusrequests");
  const statusController = new ServerStatusController(velero, statusRequests, log);

  const backupQueue = new WorkQueue("backups", (k) => backupController.reconcile(k), log, 1);
  const deletionQueue = new WorkQueue("deletebackuprequests", (k) => deletion.reconcile(k), log, 1);
  // Restores have a queue of their own: they never wait behind a backup.
  const restoreQueue = new WorkQueue("restores", (k) => restoreController.reconcile(k), log, 1);
  const downloadQueue = new WorkQueue("downloadrequests", (k) => downloadController.reconcile(k), log);
  const statusQueue = new WorkQueue("serverstatusrequests", (k) => statusController.reconcile(k), log);
  feed(backups, (k) => backupQueue.add(k));
  feed(restores, (k) => restoreQueue.add(k));
  feed(requests, (k) => deletionQueue.add(k));
  feed(downloadRequests, (k) => downloadQueue.add(k));
  feed(statusRequests, (k) => statusQueue.add(k));
  await startInformer("backups", backups, log);
  await startInformer("deletebackuprequests", requests, log);
  await startInformer("restores", restores, log);
  await startInformer("downloadrequests", downloadRequests, log);
  await startInformer("serverstatusrequests", statusRequests, log);

  const validator = new LocationValidator(velero, log, options.storeValidationFrequencyMs);
  const sync = new BackupSync(velero, log, options.backupSyncPeriodMs);
  const gc = new GarbageCollector(velero, log);
  const maintainer = new RepositoryMaintainer(velero, connections, log, {
    safety: "full",
    ...(options.maintenanceMemoryLimitBytes ? { memoryLimitBytes: options.maintenanceMemoryLimitBytes } : {}),
  });
  const timers = [
    every(2000, () => validator.tick(), "validating storage locations", log),
    every(2000, () => sync.tick(), "syncing backups", log),
    every(options.garbageCollectionFrequencyMs, () => gc.tick(), "collecting expired backups", log),
    every(MAINTENANCE_CHECK_MS, () => maintainer.tick(), "maintaining backup repositories", log),
    // Events can be missed while a watch restarts: look at everything now and then.
    every(
      30_000,
      () => {
        backups.list().forEach((b) => backupQueue.add(keyOf(b)));
        restores.list().forEach((r) => restoreQueue.add(keyOf(r)));
        return Promise.resolve();
      },
      "resync",
      log,
    ),
  ];
  log.info({ namespace: options.namespace }, "server started");
  return {
    stop() {
      timers.forEach(clearInterval);
      void backups.stop();
      void requests.stop();
      void restores.stop();
      void downloadRequests.stop();
      void statusRequests.stop();
      downloads.close();
      client.close();
    },
  };
}

function every(ms: number, fn: () => Promise<void>, what: string, log: Logger): NodeJS.Timeout {
  let busy = false;
  let since = 0;
  const run = () => {
    if (busy) {
      if (Date.now() - since > 300_000)
        log.warn({ what, sinceMs: Date.now() - since }, "still busy with the last run");
      return;
    }
    busy = true;
    since = Date.now();
    fn()
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, `${what} failed`))
      .finally(() => (busy = false));
  };
  setImmediate(run);
  return setInterval(run, ms);
}

async function requireCrds(client: KubeClient): Promise<void> {
  try {
    await client.get(`/apis/${VELERO_GROUP}/${VELERO_V1}`);
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error("the velero.io CRDs are not installed in this cluster: run `velero-ts install` first");
    }
    throw err;
  }
}
