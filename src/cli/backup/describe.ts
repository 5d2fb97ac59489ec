import { Command } from "commander";
import type { Backup, DeleteBackupRequest } from "../../api/v1/index.js";
import { BACKUP_NAME_LABEL } from "../../api/labels.js";
import type { BackupVolumeInfo } from "../../backup/volume-info.js";
import { gunzipJson } from "../../encoding/gzip-json.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { errorMessage } from "../../kube/errors.js";
import type { ResultsFile } from "../../results/results.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { formatTimestamp } from "../output.js";
import { clusterScopedText, describeResults, list, metadataLines } from "../describe-text.js";
import { backupAndStore } from "./store-of.js";

export function backupDescribeCommand(): Command {
  return withClientFlags(new Command("describe"))
    .description("describe a backup")
    .argument("<name>", "name of the backup")
    .option("--details", "also show the resource list and the volumes")
    .action(async (name: string, flags: ClientFlags & { details?: boolean }) => {
      const velero = veleroClient(flags);
      const { backup, store } = await backupAndStore(velero, name);
      const requests = await velero.list<DeleteBackupRequest>(
        "deletebackuprequests",
        `${BACKUP_NAME_LABEL}=${name}`,
      );
      const lines = describeBackup(backup, requests);
      const finished = ["Completed", "PartiallyFailed", "Failed"].includes(backup.status?.phase ?? "");
      if (finished) {
        try {
          lines.push(
            "",
            ...describeResults(await gunzipJson<ResultsFile>(await store.getBackupResults(name))),
          );
        } catch (err) {
          lines.push("", `Errors and warnings: <error getting results: ${errorMessage(err)}>`);
        }
      }
      if (flags.details && finished) {
        try {
          const resources = await gunzipJson<Record<string, string[]>>(
            await store.getBackupResourceList(name),
          );
          lines.push("", "Resource List:");
          for (const kind of Object.keys(resources).sort()) {
            lines.push(`  ${kind}:`, ...resources[kind]!.map((item) => `    - ${item}`));
          }
          const volumes = await gunzipJson<BackupVolumeInfo[]>(await store.getBackupVolumeInfo(name));
          lines.push("", "Backup Volumes:");
          if (!volumes.length) lines.push("  <none included>");
          for (const v of volumes) {
            lines.push(
              `  ${v.pvcNamespace ?? "<none>"}/${v.pvcName ?? "<none>"} (PV ${v.pvName ?? "<none>"}): ${v.skipped ? `skipped: ${v.skippedReason}` : v.backupMethod}`,
            );
          }
        } catch (err) {
          lines.push("", `Resource List: <error getting backup resource list: ${errorMessage(err)}>`);
        }
      }
      console.log(lines.join("\n"));
    });
}

/** Velero's `backup describe` layout, from the Backup object alone. */
export function describeBackup(backup: Backup, requests: DeleteBackupRequest[] = []): string[] {
  const s = backup.spec;
  const st = backup.status ?? {};
  const name = backup.metadata.name!;
  const phase = st.phase || "New";
  const hint = ["Failed", "PartiallyFailed"].includes(phase)
    ? ` (run \`velero-ts backup logs ${name}\` for more information)`
    : "";
  const lines = [...metadataLines(backup.metadata), "", `Phase:  ${phase}${hint}`];
  if (st.failureReason) lines.push("", `Failure reason:  ${st.failureReason}`);
  if (st.validationErrors?.length) {
    lines.push("", "Validation errors:", ...st.validationErrors.map((e) => `  ${e}`));
  }
  lines.push(
    "",
    "Namespaces:",
    `  Included:  ${list(s.includedNamespaces, "*")}`,
    `  Excluded:  ${list(s.excludedNamespaces)}`,
    "",
    "Resources:",
    `  Included:        ${list(s.includedResources, "*")}`,
    `  Excluded:        ${list(s.excludedResources)}`,
    `  Cluster-scoped:  ${clusterScopedText(s.includeClusterResources)}`,
    "",
    `Label selector:  ${formatLabelSelector(s.labelSelector)}`,
    "",
    `Or label selector:  ${s.orLabelSelectors?.length ? s.orLabelSelectors.map(formatLabelSelector).join(" or ") : "<none>"}`,
    "",
    `Storage Location:  ${s.storageLocation ?? "<default>"}`,
    "",
    `Velero-Native Snapshot PVs:  ${s.snapshotVolumes === undefined || s.snapshotVolumes === null ? "auto" : String(s.snapshotVolumes)}`,
    "",
    `TTL:  ${s.ttl ?? "<default>"}`,
    "",
    `Started:    ${formatTimestamp(st.startTimestamp)}`,
    `Completed:  ${formatTimestamp(st.completionTimestamp)}`,
    "",
    `Expiration:  ${formatTimestamp(st.expiration)}`,
  );
  if (st.progress) {
    lines.push(
      "",
      `Total items to be backed up:  ${st.progress.totalItems ?? "<unknown>"}`,
      `Items backed up:              ${st.progress.itemsBackedUp ?? 0}`,
    );
  }
  for (const request of requests.filter((r) => r.status?.errors?.length)) {
    lines.push(
      "",
      "Deletion Attempts:",
      `  ${formatTimestamp(request.metadata.creationTimestamp as unknown as string)}: ${request.status?.phase}`,
    );
    lines.push("  Errors:", ...request.status!.errors!.map((e) => `    ${e}`));
  }
  return lines;
}
