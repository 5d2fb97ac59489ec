import type { Logger } from "pino";
import type { Backup, Restore, RestoreStatus } from "../api/v1/index.js";
import { discover, type Discovery } from "../kube/discovery.js";
import { errorMessage } from "../kube/errors.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import { findLocation, openBackupStore } from "../locations/open-location.js";
import { canonicalName } from "../restore/planning.js";
import type { RestoreLimits } from "../restore/limits.js";
import type { ResourcePriorities } from "../restore/priorities.js";
import { loadAndPlan, runRestore, type RestoreProgress } from "../restore/restorer.js";
import { sourceBackup } from "../restore/source-backup.js";
import { echoProblems, ProgressWriter } from "./operation-reporting.js";
import { RestoreValidationError, validateRestoreSpec } from "../restore/validation.js";
import { DEFAULT_POD_VOLUME_TIMEOUT, podVolumeTimeoutMs } from "../volumes/pod-volume-backup-actions.js";

export interface RestoreControllerOptions {
  priorities: ResourcePriorities;
  limits: RestoreLimits;
  concurrency: number;
  terminatingTimeoutMs: number;
  /** The server's `--resource-timeout`: how long a restored CRD may take to be established. */
  resourceTimeoutMs?: number;
  /** The server's `--pod-volume-operation-timeout`; a backup's annotation wins. */
  podVolumeTimeout?: string;
}

/**
 * Runs new Restores, on a queue of their own so they never wait behind backups: validates each
 * and reads its backup and plans it while it is still New (FailedValidation with every reason,
 * before anything is written), then InProgress with progress, then Completed, PartiallyFailed
 * or Failed.
 */
export class RestoreController {
  constructor(
    private readonly velero: VeleroClient,
    private readonly restores: Cache<Restore>,
    private readonly log: Logger,
    private readonly options: RestoreControllerOptions,
  ) {}

  async reconcile(key: string): Promise<Outcome> {
    const cached = getByKey(this.restores, key);
    if (!cached || (cached.status?.phase && cached.status.phase !== "New")) return "done";
    const restore = await this.velero.get<Restore>("restores", cached.metadata.name!);
    if (!restore || (restore.status?.phase && restore.status.phase !== "New")) return "done";
    const name = restore.metadata.name!;
    const pickedUpAt = Date.now();

    const { errors, backup, discovery } = await this.validate(restore);
    const validatedAt = Date.now();
    if (errors.length || !backup) {
      this.log.info({ restore: name, errors }, "restore failed validation");
      await this.setStatus(restore, { phase: "FailedValidation", validationErrors: errors });
      return "done";
    }
    let store;
    try {
      store = await openBackupStore(
        this.velero,
        await findLocation(this.velero, backup.spec.storageLocation),
      );
    } catch (err) {
      await this.setStatus(restore, {
        phase: "FailedValidation",
        validationErrors: [
          `the storage location of backup ${backup.metadata.name} cannot be used: ${errorMessage(err)}`,
        ],
      });
      return "done";
    }

    const started = new Date().toISOString();
    const resolved: Restore = { ...restore, spec: { ...restore.spec, backupName: backup.metadata.name } };
    if (!restore.spec.backupName)
      await this.velero.patch("restores", name, { spec: { backupName: backup.metadata.name } });
    // Picked up, still New: the archive is read and the plan's own checks run before InProgress,
    // so a restore that cannot run ends FailedValidation without ever having started. The start
    // time is written while the plan is made; every later status waits for it.
    const pickedUp = this.setStatus(restore, { startTimestamp: started });
    pickedUp.catch(() => undefined); // awaited below
    const deps = {
      client: this.velero.client,
      store,
      ...this.options,
      discovery,
      podVolumeTimeoutMs: podVolumeTimeoutMs(
        backup,
        this.options.podVolumeTimeout ?? DEFAULT_POD_VOLUME_TIMEOUT,
      ),
    };
    let loaded;
    try {
      loaded = await loadAndPlan(resolved, deps);
    } catch (err) {
      const status: RestoreStatus =
        err instanceof RestoreValidationError
          ? { phase: "FailedValidation", validationErrors: err.errors }
          : {
              phase: "Failed",
              failureReason: errorMessage(err),
              completionTimestamp: new Date().toISOString(),
            };
      this.log.info(
        { restore: name, phase: status.phase, errors: status.validationErrors },
        "restore not started",
      );
      await pickedUp;
      await this.setStatus(restore, status);
      return "done";
    }
    // The restore sets itself up meanwhile, and writes nothing before.
    const inProgress = pickedUp.then(() => this.setStatus(restore, { phase: "InProgress" }));
    inProgress.catch(() => undefined); // a failure fails the restore, which awaits it
    // How long the restore took to start, for whoever looks into a slow one.
    this.log.info(
      {
        restore: name,
        backup: backup.metadata.name,
        validateMs: validatedAt - pickedUpAt,
        planMs: Date.now() - validatedAt,
      },
      "restore started",
    );

    const progress = new ProgressWriter(
      (p: RestoreProgress) => this.setStatus(restore, { progress: p }),
      this.log,
      { restore: name },
    );
    let status: RestoreStatus;
    try {
      status = await runRestore(
        resolved,
        {
          ...deps,
          echo: echoProblems(this.log),
          onProgress: progress.report,
          onPhase: (phase) => this.setStatus(restore, { phase }),
          started: inProgress,
        },
        loaded,
      );
    } catch (err) {
      await progress.settled();
      status = {
        phase: "Failed",
        failureReason: errorMessage(err),
        completionTimestamp: new Date().toISOString(),
      };
    }
    await progress.settled();
    await this.setStatus(restore, { startTimestamp: started, ...status });
    this.log.info(
      { restore: name, phase: status.phase, failureReason: status.failureReason },
      "restore finished",
    );
    return "done";
  }

  /**
   * Every problem with the spec and its backup, and the backup to restore when there is none. The
   * cluster's discovery read for it serves the plan too; both are read at once.
   */
  private async validate(
    restore: Restore,
  ): Promise<{ errors: string[]; backup?: Backup; discovery?: Discovery }> {
    const spec = restore.spec;
    const [discovery, source] = await Promise.all([
      discover(this.velero.client),
      sourceBackup(this.velero, spec),
    ]);
    const errors = validateRestoreSpec(spec, canonicalName(discovery.resources));
    if (errors.length) return { errors };
    return source.error ? { errors: [source.error] } : { errors, backup: source.backup, discovery };
  }

  private async setStatus(restore: Restore, status: RestoreStatus): Promise<void> {
    await this.velero.patchStatus("restores", restore.metadata.name!, status);
  }
}
