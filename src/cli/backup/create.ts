import { Command } from "commander";
import { SCHEDULE_NAME_LABEL, STORAGE_LOCATION_LABEL } from "../../api/labels.js";
import { durationFlag } from "../duration-flag.js";
import { timestampedName } from "../../api/names.js";
import {
  FINISHED_BACKUP_PHASES,
  VELERO_API_VERSION,
  type Backup,
  type Schedule,
} from "../../api/v1/index.js";
import { parseOrderedResources } from "../../backup/ordered-items.js";
import { MIXED_RESOURCE_FILTERS_MESSAGE, validateBackupSpec } from "../../backup/scope.js";
import { parseLabelSelector } from "../../filters/label-selector.js";
import { findLocation } from "../../locations/open-location.js";
import { commaList, veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { parseKeyValuePairs } from "../install.js";
import { outputFormat, printObjects, type OutputFormat } from "../output.js";
import { labelsFromFlags, optionalBool, submitAndWait } from "../submit.js";
import { transfersSummary, volumeTransfers } from "../volume-transfers.js";

interface CreateFlags extends ClientFlags {
  fromSchedule?: string;
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  includeClusterResources?: boolean;
  includeClusterScopedResources?: string[];
  excludeClusterScopedResources?: string[];
  includeNamespaceScopedResources?: string[];
  excludeNamespaceScopedResources?: string[];
  selector?: string;
  orSelector?: string;
  orderedResources?: string;
  ttl?: string;
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  storageLocation?: string;
  snapshotVolumes?: boolean;
  snapshotMoveData?: boolean;
  preserveLocalSnapshot?: boolean;
  dataMover?: string;
  defaultVolumesToFsBackup?: boolean;
  volumeSnapshotLocations?: string[];
  labels?: string[];
  annotations?: Record<string, string>;
  wait?: boolean;
  output?: OutputFormat;
}

/** The flags that shape a backup's spec: with --from-schedule the schedule's template does. */
const SPEC_FLAGS: [keyof CreateFlags, string][] = [
  ["includeNamespaces", "--include-namespaces"],
  ["excludeNamespaces", "--exclude-namespaces"],
  ["includeResources", "--include-resources"],
  ["excludeResources", "--exclude-resources"],
  ["includeClusterResources", "--include-cluster-resources"],
  ["includeClusterScopedResources", "--include-cluster-scoped-resources"],
  ["excludeClusterScopedResources", "--exclude-cluster-scoped-resources"],
  ["includeNamespaceScopedResources", "--include-namespace-scoped-resources"],
  ["excludeNamespaceScopedResources", "--exclude-namespace-scoped-resources"],
  ["selector", "--selector"],
  ["orSelector", "--or-selector"],
  ["orderedResources", "--ordered-resources"],
  ["ttl", "--ttl"],
  ["csiSnapshotTimeout", "--csi-snapshot-timeout"],
  ["itemOperationTimeout", "--item-operation-timeout"],
  ["storageLocation", "--storage-location"],
  ["snapshotVolumes", "--snapshot-volumes"],
  ["snapshotMoveData", "--snapshot-move-data"],
  ["preserveLocalSnapshot", "--preserve-local-snapshot"],
  ["dataMover", "--data-mover"],
  ["defaultVolumesToFsBackup", "--default-volumes-to-fs-backup"],
  ["volumeSnapshotLocations", "--volume-snapshot-locations"],
];

/** Refuses a spec the server would refuse, before anything is sent. */
function refuseInvalid(backup: Backup): Backup {
  const errors = validateBackupSpec(backup.spec);
  if (errors.length) throw new Error(`the backup would fail validation:\n  ${errors.join("\n  ")}`);
  return backup;
}

function metadataFromFlags(flags: CreateFlags): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  return { labels: labelsFromFlags(flags.labels), annotations: flags.annotations ?? {} };
}

/** The Backup a `backup create` asks for. Bad flag values end here, before anything is sent. */
export function backupFromFlags(name: string, flags: CreateFlags, namespace: string): Backup {
  if (flags.selector && flags.orSelector) {
    throw new Error("--selector and --or-selector cannot be used together: pick one");
  }
  const old = Boolean(
    flags.includeResources?.length ||
    flags.excludeResources?.length ||
    flags.includeClusterResources !== undefined,
  );
  const scoped = Boolean(
    flags.includeClusterScopedResources?.length ||
    flags.excludeClusterScopedResources?.length ||
    flags.includeNamespaceScopedResources?.length ||
    flags.excludeNamespaceScopedResources?.length,
  );
  if (old && scoped) throw new Error(MIXED_RESOURCE_FILTERS_MESSAGE);
  if (flags.preserveLocalSnapshot && !flags.snapshotMoveData)
    throw new Error(
      "--preserve-local-snapshot keeps the CSI snapshot of data the backup moves: add --snapshot-move-data (a backup without it keeps its CSI snapshots anyway)",
    );
  durationFlag("--ttl", flags.ttl);
  const csiSnapshotTimeout = durationFlag("--csi-snapshot-timeout", flags.csiSnapshotTimeout);
  const itemOperationTimeout = durationFlag("--item-operation-timeout", flags.itemOperationTimeout);
  const orderedResources =
    flags.orderedResources !== undefined ? parseOrderedResources(flags.orderedResources) : undefined;
  const { labels, annotations } = metadataFromFlags(flags);
  if (flags.storageLocation) labels[STORAGE_LOCATION_LABEL] = flags.storageLocation;
  const lists: Record<string, string[] | undefined> = {
    excludedNamespaces: flags.excludeNamespaces,
    includedResources: flags.includeResources,
    excludedResources: flags.excludeResources,
    includedClusterScopedResources: flags.includeClusterScopedResources,
    excludedClusterScopedResources: flags.excludeClusterScopedResources,
    includedNamespaceScopedResources: flags.includeNamespaceScopedResources,
    excludedNamespaceScopedResources: flags.excludeNamespaceScopedResources,
    volumeSnapshotLocations: flags.volumeSnapshotLocations,
  };
  return refuseInvalid({
    apiVersion: VELERO_API_VERSION,
    kind: "Backup",
    metadata: {
      name,
      namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      includedNamespaces: flags.includeNamespaces?.length ? flags.includeNamespaces : ["*"],
      ...Object.fromEntries(Object.entries(lists).filter(([, list]) => list?.length)),
      ...(flags.includeClusterResources !== undefined
        ? { includeClusterResources: flags.includeClusterResources }
        : {}),
      ...(flags.selector ? { labelSelector: parseLabelSelector(flags.selector) } : {}),
      ...(flags.orSelector
        ? { orLabelSelectors: flags.orSelector.split(" or ").map((s) => parseLabelSelector(s.trim())) }
        : {}),
      ...(orderedResources ? { orderedResources } : {}),
      ...(flags.ttl ? { ttl: flags.ttl } : {}),
      ...(csiSnapshotTimeout ? { csiSnapshotTimeout } : {}),
      ...(itemOperationTimeout ? { itemOperationTimeout } : {}),
      ...(flags.storageLocation ? { storageLocation: flags.storageLocation } : {}),
      ...(flags.snapshotVolumes !== undefined ? { snapshotVolumes: flags.snapshotVolumes } : {}),
      ...(flags.snapshotMoveData !== undefined ? { snapshotMoveData: flags.snapshotMoveData } : {}),
      ...(flags.preserveLocalSnapshot !== undefined
        ? { preserveLocalSnapshot: flags.preserveLocalSnapshot }
        : {}),
      ...(flags.dataMover ? { datamover: flags.dataMover } : {}),
      ...(flags.defaultVolumesToFsBackup !== undefined
        ? { defaultVolumesToFsBackup: flags.defaultVolumesToFsBackup }
        : {}),
    },
  });
}

/**
 * The Backup `backup create --from-schedule` asks for, as Velero makes it: the schedule's
 * template as the spec, the template's labels (or else the schedule's) plus
 * velero.io/schedule-name, the schedule's annotations, and `<schedule>-<timestamp>` unless named.
 * --labels and --annotations are added; any other spec flag is refused.
 */
export function backupFromSchedule(
  schedule: Schedule,
  name: string | undefined,
  flags: CreateFlags,
  now = new Date(),
): Backup {
  const given = SPEC_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
  if (given.length) {
    throw new Error(
      `--from-schedule takes the whole spec from the schedule's template: it cannot be used with ${given.join(", ")}`,
    );
  }
  const scheduleName = schedule.metadata.name!;
  const extra = metadataFromFlags(flags);
  const labels = {
    ...(schedule.spec.template.metadata?.labels ?? schedule.metadata.labels),
    [SCHEDULE_NAME_LABEL]: scheduleName,
    ...extra.labels,
  };
  const annotations = { ...schedule.metadata.annotations, ...extra.annotations };
  return refuseInvalid({
    apiVersion: VELERO_API_VERSION,
    kind: "Backup",
    metadata: {
      name: name ?? timestampedName(scheduleName, now),
      namespace: schedule.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ...(schedule.spec.useOwnerReferencesInBackup === true
        ? {
            ownerReferences: [
              {
                apiVersion: VELERO_API_VERSION,
                kind: "Schedule",
                name: scheduleName,
                uid: schedule.metadata.uid!,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: schedule.spec.template,
  });
}

async function buildBackup(name: string | undefined, flags: CreateFlags): Promise<Backup> {
  if (flags.fromSchedule === undefined) {
    if (!name) throw new Error("a backup name is required, unless you are creating based on a schedule");
    return backupFromFlags(name, flags, flags.namespace);
  }
  const scheduleName = flags.fromSchedule.trim();
  if (!scheduleName) throw new Error("flag must have a non-empty value: --from-schedule");
  const schedule = await veleroClient(flags).get<Schedule>("schedules", scheduleName);
  if (!schedule) {
    throw new Error(
      `schedule "${scheduleName}" does not exist in namespace ${flags.namespace}: check the name with \`kubectl get schedules -n ${flags.namespace}\``,
    );
  }
  return backupFromSchedule(schedule, name, flags);
}

const SCOPED_FILTER_NOTE =
  "Cannot work with --include-resources, --exclude-resources and --include-cluster-resources.";

export function backupCreateCommand(): Command {
  return withClientFlags(new Command("create"))
    .description("create a backup")
    .argument("[name]", "name of the backup (with --from-schedule, default: <schedule>-<timestamp>)")
    .option(
      "--from-schedule <schedule>",
      "create a backup from the template of an existing schedule. Cannot be used with any other filters. Backup name is optional if used.",
    )
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
    .option(
      "--include-cluster-scoped-resources <list>",
      `cluster-scoped resources to include, as resource.group, e.g. storageclasses.storage.k8s.io (* for all). ${SCOPED_FILTER_NOTE}`,
      commaList,
    )
    .option(
      "--exclude-cluster-scoped-resources <list>",
      `cluster-scoped resources to exclude (* for all). ${SCOPED_FILTER_NOTE}`,
      commaList,
    )
    .option(
      "--include-namespace-scoped-resources <list>",
      `namespaced resources to include, as resource.group, e.g. deployments.apps (* for all). ${SCOPED_FILTER_NOTE}`,
      commaList,
    )
    .option(
      "--exclude-namespace-scoped-resources <list>",
      `namespaced resources to exclude (* for all). ${SCOPED_FILTER_NOTE}`,
      commaList,
    )
    .option("-l, --selector <selector>", "only back up items matching this label selector")
    .option("--or-selector <selectors>", 'back up items matching any of these selectors: "a=b or c=d"')
    .option(
      "--ordered-resources <mapping>",
      "items backed up first, in order, per resource: 'pods=ns1/pod1,ns1/pod2;persistentvolumes=pv4,pv8' (cluster-scoped items by name alone)",
    )
    .option("--ttl <duration>", "how long before the backup can be garbage collected (default 720h0m0s)")
    .option("--csi-snapshot-timeout <duration>", "how long to wait for CSI snapshot creation before timeout")
    .option(
      "--item-operation-timeout <duration>",
      "how long to wait for async plugin operations before timeout",
    )
    .option("--storage-location <name>", "backup storage location (default: the default location)")
    .option(
      "--snapshot-volumes [bool]",
      "take snapshots of PersistentVolumes (CSI, or native with --volume-snapshot-locations); false takes none",
      optionalBool,
    )
    .option(
      "--snapshot-move-data [bool]",
      "move the data of CSI snapshots into the storage location (the data mover: the node agent and kopia), so the backup outlives the cluster's storage",
      optionalBool,
    )
    .option(
      "--preserve-local-snapshot [bool]",
      "with --snapshot-move-data, keep each CSI snapshot too (deleted with the backup), for faster restores in this cluster",
      optionalBool,
    )
    .option(
      "--data-mover <name>",
      'the data mover that moves snapshot data ("velero", the default, is the built-in one)',
    )
    .option(
      "--default-volumes-to-fs-backup [bool]",
      "back up every pod volume with file-system backup (the node agent and kopia), but those a pod excludes with backup.velero.io/backup-volumes-excludes",
      optionalBool,
    )
    .option(
      "--volume-snapshot-locations <list>",
      "volume snapshot locations to take native snapshots of PersistentVolumes with, at most one per provider (comma-separated)",
      commaList,
    )
    .option("--labels <list>", "labels for the backup, key=value,...", commaList)
    .option("--annotations <k=v,...>", "annotations for the backup", parseKeyValuePairs)
    .option("--wait", "wait for the backup to finish")
    .option("-o, --output <format>", "print the backup as json or yaml instead of creating it", outputFormat)
    .action(async (name: string | undefined, flags: CreateFlags) => {
      const backup = await buildBackup(name, flags);
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
          const detail =
            o?.status?.phase === "InProgress" || o?.status?.phase === "WaitingForPluginOperations"
              ? transfersSummary(await volumeTransfers(velero, { backup: name }))
              : undefined;
          return {
            phase: o?.status?.phase,
            done: o?.status?.progress?.itemsBackedUp,
            total: o?.status?.progress?.totalItems,
            ...(detail ? { detail } : {}),
          };
        },
      );
    });
}
