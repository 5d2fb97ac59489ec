import { Command } from "commander";
import { VELERO_BACKUP_DEFAULTS } from "../api/backup-defaults.js";
import { parseDuration } from "../api/duration.js";
import { DEFAULT_BACKUP_TTL } from "../backup/backupper.js";
import { bytesToQuantity } from "../api/quantity.js";
import { ARCHIVE_LIMIT_FLAG, DEFAULT_RESTORE_LIMITS, ITEM_LIMIT_FLAG } from "../restore/limits.js";
import { DEFAULT_RESTORE_PRIORITIES, parseRestorePriorities } from "../restore/priorities.js";
import { DEFAULT_DOWNLOAD_SERVER_ADDRESS } from "../server/download-server.js";
import { startServer } from "../server/server.js";
import { controllerLogger, withControllerOptions } from "./controller-options.js";
import { byteSize, positiveInteger } from "./number-flag.js";
import { DEFAULT_POD_VOLUME_TIMEOUT } from "../volumes/pod-volume-backup-actions.js";
import { DEFAULT_MAINTENANCE_MEMORY_LIMIT } from "../volumes/repository-maintenance.js";

export function serverCommand(): Command {
  return withControllerOptions(
    new Command("server").description(
      "run the velero-ts server: the controllers of backups, storage locations, sync and expiry",
    ),
  )
    .option("--backup-sync-period <duration>", "how often to sync backups from storage locations", "1m")
    .option("--store-validation-frequency <duration>", "how often to check each storage location", "1m")
    .option("--garbage-collection-frequency <duration>", "how often to delete expired backups", "1h")
    .option(
      "--default-backup-ttl <duration>",
      "how long backups are kept when they say nothing",
      DEFAULT_BACKUP_TTL,
    )
    .option(
      "--restore-resource-priorities <list>",
      "the order restores create resources in: a comma list, a lone '-' splitting high from low priority (default: Velero's)",
    )
    .option("--restore-concurrency <n>", "requests a restore sends at once inside a tier", "64")
    .option(
      "--resource-terminating-timeout <duration>",
      "how long a restore waits for a terminating namespace to go",
      "10m",
    )
    .option(
      `${ITEM_LIMIT_FLAG} <quantity>`,
      "the largest item a restore takes from a backup; a backup holding a bigger one is refused",
      bytesToQuantity(DEFAULT_RESTORE_LIMITS.itemMaxBytes),
    )
    .option(
      `${ARCHIVE_LIMIT_FLAG} <quantity>`,
      "the most a backup's archive may decompress to for a restore (its temporary disk holds each item once)",
      bytesToQuantity(DEFAULT_RESTORE_LIMITS.archiveMaxBytes),
    )
    .option(
      "--download-server-address <host:port>",
      "where the server serves the files of DownloadRequests for filesystem locations",
      DEFAULT_DOWNLOAD_SERVER_ADDRESS,
    )
    .option(
      "--download-server-url <url>",
      "the URL clients reach that address at, when not http://<host:port> (a Service or an Ingress)",
    )
    .option(
      "--resource-timeout <duration>",
      "how long to wait for what no other timeout covers (a restored CRD to be established); recorded on each backup",
      VELERO_BACKUP_DEFAULTS.resourceTimeout,
    )
    .option(
      "--default-item-operation-timeout <duration>",
      "how long backups wait for their item operations when they say nothing",
      VELERO_BACKUP_DEFAULTS.itemOperationTimeout,
    )
    .option(
      "--fs-backup-timeout <duration>",
      "how long each pod volume backup or restore may take (a backup's velero.io/pod-volume-timeout annotation wins)",
      DEFAULT_POD_VOLUME_TIMEOUT,
    )
    .option("--pod-volume-operation-timeout <duration>", "the same as --fs-backup-timeout (its older name)")
    .option(
      "--maintenance-job-mem-limit <size>",
      "the memory kopia may use in the maintenance of a backup repository (its GOMEMLIMIT), such as 1Gi",
      DEFAULT_MAINTENANCE_MEMORY_LIMIT,
    )
    .action(async (opts: Record<string, string>) => {
      const log = controllerLogger(opts.logLevel!, { component: "server" });
      const server = await startServer(
        {
          namespace: opts.namespace!,
          kubeconfig: opts.kubeconfig,
          kubecontext: opts.kubecontext,
          backupSyncPeriodMs: parseDuration(opts.backupSyncPeriod!),
          storeValidationFrequencyMs: parseDuration(opts.storeValidationFrequency!),
          garbageCollectionFrequencyMs: parseDuration(opts.garbageCollectionFrequency!),
          defaultBackupTtl: opts.defaultBackupTtl!,
          backupDefaults: {
            ...VELERO_BACKUP_DEFAULTS,
            resourceTimeout: duration(opts.resourceTimeout!, "--resource-timeout"),
            itemOperationTimeout: duration(
              opts.defaultItemOperationTimeout!,
              "--default-item-operation-timeout",
            ),
          },
          downloadServerAddress: opts.downloadServerAddress!,
          downloadServerUrl: opts.downloadServerUrl,
          podVolumeTimeout: opts.podVolumeOperationTimeout
            ? duration(opts.podVolumeOperationTimeout, "--pod-volume-operation-timeout")
            : duration(opts.fsBackupTimeout!, "--fs-backup-timeout"),
          maintenanceMemoryLimitBytes: byteSize(opts.maintenanceJobMemLimit!, "--maintenance-job-mem-limit"),
          restore: {
            priorities: opts.restoreResourcePriorities
              ? parseRestorePriorities(opts.restoreResourcePriorities)
              : DEFAULT_RESTORE_PRIORITIES,
            concurrency: positiveInteger(opts.restoreConcurrency!, "--restore-concurrency"),
            terminatingTimeoutMs: parseDuration(opts.resourceTerminatingTimeout!),
            resourceTimeoutMs: parseDuration(opts.resourceTimeout!),
            limits: {
              itemMaxBytes: byteSize(opts.restoreItemSizeLimit!, ITEM_LIMIT_FLAG),
              archiveMaxBytes: byteSize(opts.restoreArchiveSizeLimit!, ARCHIVE_LIMIT_FLAG),
            },
          },
        },
        log,
      );
      const stop = () => {
        log.info("server stopping");
        server.stop();
        // Watches and keep-alive sockets close in their own time: end now.
        process.exit(0);
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
}

/** A duration flag's value, refused with the flag's name when it is not one. */
function duration(text: string, flag: string): string {
  try {
    parseDuration(text);
  } catch (err) {
    throw new Error(`${flag}: ${(err as Error).message}`);
  }
  return text;
}
