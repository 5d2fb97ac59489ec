import type { Backup } from "../../api/v1/index.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import type { ResultsFile } from "../../results/results.js";
import { clusterScopedText, list } from "../describe-text.js";
import { formatTimestamp } from "../output.js";

/**
 * `backup describe -o json`: the keys of Velero's structured describer, so what reads Velero's
 * output reads ours.
 */
export function describeBackupJson(backup: Backup, results?: ResultsFile): string {
  const s = backup.spec;
  const st = backup.status ?? {};
  const { name, namespace, labels, annotations } = backup.metadata;
  const bool = (v: boolean | null | undefined) => (v === true ? "true" : v === false ? "false" : "auto");
  const described = {
    metadata: { name, namespace, labels, annotations },
    phase: st.phase ?? "",
    ...(st.validationErrors?.length ? { validationErrors: st.validationErrors } : {}),
    ...(results ? { errors: results.errors, warnings: results.warnings } : {}),
    spec: {
      namespaces: { included: list(s.includedNamespaces, "*"), excluded: list(s.excludedNamespaces) },
      resources: {
        included: list(s.includedResources, "*"),
        excluded: list(s.excludedResources),
        clusterScoped: clusterScopedText(s.includeClusterResources),
      },
      labelSelector: formatLabelSelector(s.labelSelector),
      storageLocation: s.storageLocation ?? "",
      veleroNativeSnapshotPVs: bool(s.snapshotVolumes),
      veleroSnapshotMoveData: bool(s.snapshotMoveData),
      TTL: s.ttl ?? "0s",
      CSISnapshotTimeout: s.csiSnapshotTimeout ?? "0s",
    },
    status: {
      backupFormatVersion: st.formatVersion ?? "",
      started: formatTimestamp(st.startTimestamp),
      completed: formatTimestamp(st.completionTimestamp),
      expiration: formatTimestamp(st.expiration),
      ...(st.progress
        ? {
            totalItemsToBeBackedUp: st.progress.totalItems ?? 0,
            itemsBackedUp: st.progress.itemsBackedUp ?? 0,
          }
        : {}),
    },
  };
  return JSON.stringify(described, null, 4) + "\n";
}
