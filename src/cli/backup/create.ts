import { Command } from "commander";
import { STORAGE_LOCATION_LABEL } from "../../api/labels.js";
import { parseDuration } from "../../api/duration.js";
import { FINISHED_BACKUP_PHASES, VELERO_API_VERSION, type Backup } from "../../api/v1/index.js";
import { parseLabelSelector } from "../../filters/label-selector.js";
import { findLocation } from "../../locations/open-location.js";
import { commaList, veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { outputFormat, printObjects, type OutputFormat } from "../output.js";
import { labelsFromFlags, optionalBool, submitAndWait } from "../submit.js";

interface CreateFlags extends ClientFlags {
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  includeClusterResources?: boolean;
  selector?: string;
  orSelector?: string;
  ttl?: string;
  storageLocation?: string;
  snapshotVolumes?: boolean;
  labels?: string[];
  wait?: boolean;
  output?: OutputFormat;
}

/** The Backup a `backup create` asks for. Bad flag values end here, before anything is sent. */
export function backupFromFlags(name: string, flags: CreateFlags, namespace: string): Backup {
  if (flags.selector && flags.orSelector) {
    throw new Error("--selector and --or-selector cannot be used together: pick one");
  }
  if (flags.ttl) parseDuration(flags.ttl);
  const labels = labelsFromFlags(flags.labels);
  if (flags.storageLocation) labels[STORAGE_LOCATION_LABEL] = flags.storageLocation;
  return {
    apiVersion: VELERO_API_VERSION,
    kind: "Backup",
    metadata: { name, namespace, ...(Object.keys(labels).length ? { labels } : {}) },
    spec: {
      includedNamespaces: flags.includeNamespaces?.length ? flags.includeNamespaces : ["*"],
      excludedNamespaces: flags.excludeNamespaces,
      includedResources: flags.includeResources,
      excludedResources: flags.excludeResources,
      ...(flags.includeClusterResources !== undefined
        ? { includeClusterResources: flags.includeClusterResources }
        : {}),
      ...(flags.selector ? { labelSelector: parseLabelSelector(flags.selector) } : {}),
      ...(flags.orSelector
        ? { orLabelSelectors: flags.orSelector.split(" or ").map((s) => parseLabelSelector(s.trim())) }
        : {}),
      ...(flags.ttl ? { ttl: flags.ttl } : {}),
      ...(flags.storageLocation ? { storageLocation: flags.storageLocation } : {}),
      ...(flags.snapshotVolumes !== undefined ? { snapshotVolumes: flags.snapshotVolumes } : {}),
    },
  };
}

export function backupCreateCommand(): Command {
  return withClientFlags(new Command("create"))
    .description("create a backup")
    .argument("<name>", "name of the backup")
    .option("--include-namespaces <list>", "namespaces to include (comma-separated, * for all)", commaList)
    .option(
      "--exclude-namespaces <list>",
      "namespaces to exclude (comma-separated, globs allowed)",
      commaList,
    )
    .option(
      "--include-resources <list>",
      "resources to include, e.g. deployments,configmaps (* for all)",
      commaList,
    )
    .option("--exclude-resources <list>", "resources to exclude", commaList)
    .option(
      "--include-cluster-resources [bool]",
      "include cluster-scoped resources (unset: only when backing up all namespaces)",
      optionalBool,
    )
    .option("-l, --selector <selector>", "only back up items matching this label selector")
    .option("--or-selector <selectors>", 'back up items matching any of these selectors: "a=b or c=d"')
    .option("--ttl <duration>", "how long before the backup can be garbage collected (default 720h0m0s)")
    .option("--storage-location <name>", "backup storage location (default: the default location)")
    .option("--snapshot-volumes [bool]", "take snapshots of PersistentVolumes", optionalBool)
    .option("--labels <list>", "labels for the backup, key=value,...", commaList)
    .option("--wait", "wait for the backup to finish")
    .option("-o, --output <format>", "print the backup as json or yaml instead of creating it", outputFormat)
    .action(async (name: string, flags: CreateFlags) => {
      const backup = backupFromFlags(name, flags, flags.namespace);
      if (flags.output && flags.output !== "table") {
        printObjects([backup], flags.output, true);
        return;
      }
      const velero = veleroClient(flags);
      // As Velero's CLI: a location that does not exist is refused before anything is created.
      if (flags.storageLocation) await findLocation(velero, flags.storageLocation);
      await submitAndWait(
        velero,
        { kind: "backup", plural: "backups", object: backup },
        flags.wait,
        FINISHED_BACKUP_PHASES,
        async (name) => {
          const o = await velero.get<Backup>("backups", name);
          return {
            phase: o?.status?.phase,
            done: o?.status?.progress?.itemsBackedUp,
            total: o?.status?.progress?.totalItems,
          };
        },
      );
    });
}
