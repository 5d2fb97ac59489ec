import { Command } from "commander";
import {
  FINISHED_RESTORE_PHASES,
  VELERO_API_VERSION,
  type DataOnlyMode,
  type ExistingResourcePolicy,
  type ExistingVolumeDataPolicy,
  type Restore,
} from "../../api/v1/index.js";
import { validateVolumeDataSpec } from "../../volumes/data-only-options.js";
import { timestampedName } from "../../api/names.js";
import { parseLabelSelector } from "../../filters/label-selector.js";
import { discover } from "../../kube/discovery.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import {
  INVALID_POLICY_MESSAGE,
  isExistingResourcePolicy,
  parsePolicyOverrides,
  validateExistingResourcePolicy,
} from "../../restore/existing-policy.js";
import { parseMappingList, parseNamespaceMappings } from "../../restore/namespace-mapping.js";
import { canonicalName } from "../../restore/planning.js";
import { readRestoreSettings, settingsFromData } from "../../restore/server-settings.js";
import { loadAndPlan } from "../../restore/restorer.js";
import { sourceBackup } from "../../restore/source-backup.js";
import { validateRestoreSpec } from "../../restore/validation.js";
import { backupAndStore } from "../backup/store-of.js";
import { commaList, veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { outputFormat, printObjects, type OutputFormat } from "../output.js";
import { labelsFromFlags, optionalBool, submitAndWait } from "../submit.js";
import { transfersSummary, volumeTransfers } from "../volume-transfers.js";
import { durationFlag } from "../duration-flag.js";
import { printPlan } from "./plan-output.js";

interface CreateFlags extends ClientFlags {
  fromBackup?: string;
  fromSchedule?: string;
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  includeClusterResources?: boolean;
  namespaceMappings?: string;
  selector?: string;
  orSelector?: string;
  restoreVolumes?: boolean;
  preserveNodeports?: boolean;
  statusIncludeResources?: string[];
  statusExcludeResources?: string[];
  existingResourcePolicy?: string;
  existingResourcePolicyOverride?: string[];
  prune?: boolean;
  itemOperationTimeout?: string;
  dataOnly?: boolean;
  dataOnlyMode?: string;
  existingVolumeDataPolicy?: string;
  deleteExtraFiles?: boolean;
  includePaths?: string[];
  stopWorkloads?: boolean;
  allowRunningPods?: boolean;
  storageClassMapping?: string;
  labels?: string[];
  wait?: boolean;
  dryRun?: boolean;
  output?: OutputFormat;
}

/** Velero's default restore name: the backup's name and the time, `b1-20261121153024`. */
export function defaultRestoreName(source: string, now = new Date()): string {
  return timestampedName(source, now);
}

/** The Restore a `restore create` asks for. Bad flag values end here, before anything is sent. */
export function restoreFromFlags(name: string | undefined, flags: CreateFlags, namespace: string): Restore {
  if (!flags.fromBackup === !flags.fromSchedule) {
    throw new Error("either --from-backup or --from-schedule must be given, but not both");
  }
  if (flags.selector && flags.orSelector) {
    throw new Error("--selector and --or-selector cannot be used together: pick one");
  }
  if (flags.existingResourcePolicy && !isExistingResourcePolicy(flags.existingResourcePolicy)) {
    throw new Error(INVALID_POLICY_MESSAGE);
  }
  const overrides = flags.existingResourcePolicyOverride?.length
    ? parsePolicyOverrides(flags.existingResourcePolicyOverride)
    : undefined;
  const twice = overrides
    ? validateExistingResourcePolicy({ existingResourcePolicyOverrides: overrides })
    : [];
  if (twice.length) throw new Error(twice.join("; "));
  const itemOperationTimeout = durationFlag("--item-operation-timeout", flags.itemOperationTimeout);
  const labels = labelsFromFlags(flags.labels);
  const mapping = flags.namespaceMappings ? parseNamespaceMappings(flags.namespaceMappings) : undefined;
  const status = flags.statusIncludeResources?.length || flags.statusExcludeResources?.length;
  if (flags.stopWorkloads && flags.allowRunningPods)
    throw new Error("--stop-workloads and --allow-running-pods cannot be used together: pick one");
  const runningPods = flags.stopWorkloads ? "stop-workloads" : flags.allowRunningPods ? "allow" : undefined;
  const restore: Restore = {
    apiVersion: VELERO_API_VERSION,
    kind: "Restore",
    metadata: {
      name: name ?? defaultRestoreName((flags.fromBackup ?? flags.fromSchedule)!),
      namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
    },
    spec: {
      ...(flags.fromBackup ? { backupName: flags.fromBackup } : { scheduleName: flags.fromSchedule }),
      includedNamespaces: flags.includeNamespaces?.length ? flags.includeNamespaces : ["*"],
      ...(flags.excludeNamespaces ? { excludedNamespaces: flags.excludeNamespaces } : {}),
      ...(flags.includeResources ? { includedResources: flags.includeResources } : {}),
      ...(flags.excludeResources ? { excludedResources: flags.excludeResources } : {}),
      ...(flags.includeClusterResources !== undefined
        ? { includeClusterResources: flags.includeClusterResources }
        : {}),
      ...(mapping ? { namespaceMapping: mapping } : {}),
      ...(flags.selector ? { labelSelector: parseLabelSelector(flags.selector) } : {}),
      ...(flags.orSelector
        ? { orLabelSelectors: flags.orSelector.split(" or ").map((s) => parseLabelSelector(s.trim())) }
        : {}),
      ...(flags.restoreVolumes !== undefined ? { restorePVs: flags.restoreVolumes } : {}),
      ...(flags.preserveNodeports !== undefined ? { preserveNodePorts: flags.preserveNodeports } : {}),
      ...(status
        ? {
            restoreStatus: {
              includedResources: flags.statusIncludeResources,
              excludedResources: flags.statusExcludeResources,
            },
          }
        : {}),
      ...(flags.existingResourcePolicy
        ? { existingResourcePolicy: flags.existingResourcePolicy as ExistingResourcePolicy }
        : {}),
      ...(overrides ? { existingResourcePolicyOverrides: overrides } : {}),
      ...(flags.prune ? { prune: true } : {}),
      ...(itemOperationTimeout ? { itemOperationTimeout } : {}),
      ...(flags.dataOnly ? { dataOnly: true } : {}),
      ...(flags.dataOnlyMode ? { dataOnlyMode: flags.dataOnlyMode as DataOnlyMode } : {}),
      ...(flags.includePaths?.length ? { dataOnlyIncludePaths: flags.includePaths } : {}),
      ...(runningPods ? { runningPods } : {}),
      ...(flags.existingVolumeDataPolicy
        ? { existingVolumeDataPolicy: flags.existingVolumeDataPolicy as ExistingVolumeDataPolicy }
        : {}),
      ...(flags.deleteExtraFiles ? { uploaderConfig: { deleteExtraFiles: true } } : {}),
      ...(flags.storageClassMapping
        ? {
            storageClassMapping: parseMappingList(
              flags.storageClassMapping,
              "storage class",
              "standard:fast,slow:standard",
            ),
          }
        : {}),
    },
  };
  const volumeData = validateVolumeDataSpec(restore.spec);
  if (volumeData.length) throw new Error(volumeData.join("; "));
  return restore;
}

export function restoreCreateCommand(): Command {
  return withClientFlags(new Command("create"))
    .description("create a restore, or with --dry-run show what it would do")
    .argument("[name]", "name of the restore (default: <backup>-<timestamp>)")
    .option("--from-backup <backup>", "backup to restore from")
    .option("--from-schedule <schedule>", "restore from the latest completed backup of this schedule")
    .option("--include-namespaces <list>", "namespaces to include (comma-separated, * for all)", commaList)
    .option("--exclude-namespaces <list>", "namespaces to exclude", commaList)
    .option("--include-resources <list>", "resources to include, e.g. deployments,configmaps", commaList)
    .option("--exclude-resources <list>", "resources to exclude", commaList)
    .option(
      "--include-cluster-resources [bool]",
      "include cluster-scoped resources (unset: only when restoring all namespaces)",
      optionalBool,
    )
    .option("--namespace-mappings <mappings>", "restore namespaces under other names: src1:dst1,src2:dst2")
    .option("-l, --selector <selector>", "only restore items matching this label selector")
    .option("--or-selector <selectors>", 'restore items matching any of these selectors: "a=b or c=d"')
    .option(
      "--restore-volumes [bool]",
      "restore volumes from snapshots (velero-ts takes none yet: PVs without snapshots are restored alike either way)",
      optionalBool,
    )
    .option("--preserve-nodeports [bool]", "keep the node ports of services", optionalBool)
    .option("--status-include-resources <list>", "resources whose status is restored too", commaList)
    .option("--status-exclude-resources <list>", "resources whose status is not restored", commaList)
    .option(
      "--existing-resource-policy <policy>",
      "what to do with objects that already exist: none (skip), update (patch) or recreate (delete, then create)",
    )
    .option(
      "--existing-resource-policy-override <resource=policy>",
      "a policy for one resource, overriding --existing-resource-policy (repeatable): secrets=none",
      (value: string, list: string[] = []) => [...list, value],
    )
    .option(
      "--prune",
      "delete the objects in scope that an earlier restore made and this backup no longer holds (with --dry-run: list them)",
    )
    .option(
      "--data-only",
      "restore volume data only, into the claims that exist (matched by namespace and name); create, update and delete nothing else",
    )
    .option(
      "--data-only-mode <mode>",
      "with --data-only: in-place (write into the existing volumes; default) or replace",
    )
    .option(
      "--existing-volume-data-policy <policy>",
      "Velero's: none (leave the data of existing claims), full (write all of the backup's files into them) or incremental (only files that differ or are missing)",
    )
    .option("--delete-extra-files", "in place: delete the files of a volume that the backup does not hold")
    .option(
      "--include-paths <list>",
      "in place: restore only these paths of each volume, e.g. reports/2026,config",
      commaList,
    )
    .option(
      "--stop-workloads",
      "in place: stop the Deployments, StatefulSets, DaemonSets and bare pods using a claim while its data is written, then start them again",
    )
    .option("--allow-running-pods", "in place: write into volumes that running pods use (at your own risk)")
    .option(
      "--storage-class-mapping <mappings>",
      "replace: make the new volumes of claims of one class in another, old:new,... (Velero's change-storage-class ConfigMap is read too; these win)",
    )
    .option("--labels <list>", "labels for the restore, key=value,...", commaList)
    .option(
      "--item-operation-timeout <duration>",
      "how long to wait for async plugin operations before timeout (default 4h0m0s)",
    )
    .option("--wait", "wait for the restore to finish")
    .option("--dry-run", "print the plan: what would be created, updated or skipped and why; change nothing")
    .option(
      "-o, --output <format>",
      "json or yaml: print the restore (with --dry-run: the plan) instead",
      outputFormat,
    )
    .action(async (name: string | undefined, flags: CreateFlags) => {
      const restore = restoreFromFlags(name, flags, flags.namespace);
      if (flags.dryRun) return dryRun(veleroClient(flags), restore, flags.output ?? "table");
      if (flags.output && flags.output !== "table") {
        printObjects([restore], flags.output, true);
        return;
      }
      const velero = veleroClient(flags);
      // As Velero's CLI: a missing backup, or a schedule with no completed backup, is refused here.
      const source = await sourceBackup(velero, restore.spec);
      if (source.error) throw new Error(source.error);
      await submitAndWait(
        velero,
        { kind: "restore", plural: "restores", object: restore },
        flags.wait,
        FINISHED_RESTORE_PHASES,
        async (name) => {
          const o = await velero.get<Restore>("restores", name);
          const detail =
            o?.status?.phase === "WaitingForPluginOperations"
              ? transfersSummary(await volumeTransfers(velero, { restore: name }))
              : undefined;
          return {
            phase: o?.status?.phase,
            pickedUp: o?.status?.startTimestamp !== undefined,
            done: o?.status?.progress?.itemsRestored,
            total: o?.status?.progress?.totalItems,
            ...(detail ? { detail } : {}),
          };
        },
      );
    });
}

/**
 * Plans the restore here, from the backup's files and a read of the cluster, and prints the plan.
 * Nothing is written to the cluster or the storage location.
 */
async function dryRun(velero: VeleroClient, restore: Restore, format: OutputFormat): Promise<void> {
  const { resources } = await discover(velero.client);
  const errors = validateRestoreSpec(restore.spec, canonicalName(resources));
  const source = errors.length ? undefined : await sourceBackup(velero, restore.spec);
  if (source?.error) errors.push(source.error);
  if (errors.length || !source?.backup) {
    throw new Error(`the restore would fail validation:\n  ${errors.join("\n  ")}`);
  }
  const backupName = source.backup.metadata.name!;
  const { store } = await backupAndStore(velero, backupName);
  const settings = await readRestoreSettings(velero.client, velero.namespace);
  if (!settings) {
    console.error(
      `no velero-ts server has published its restore settings in namespace ${velero.namespace}: planned with the default restore priorities and limits`,
    );
  }
  const { index, plan } = await loadAndPlan(
    { ...restore, spec: { ...restore.spec, backupName } },
    { client: velero.client, store, ...(settings ?? settingsFromData(undefined)) },
    { dryRun: true },
  );
  try {
    await printPlan(plan, format);
  } finally {
    await index.spool.remove();
  }
}
