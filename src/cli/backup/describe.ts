import { Command } from "commander";
import type { Backup, DeleteBackupRequest } from "../../api/v1/index.js";
import { BACKUP_NAME_LABEL } from "../../api/labels.js";
import type { BackupVolumeInfo } from "../../backup/volume-info.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { errorMessage } from "../../kube/errors.js";
import type { ResultsFile } from "../../results/results.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { formatTimestamp } from "../output.js";
import {
  clusterScopedText,
  describeResults,
  list,
  metadataLines,
  resourceListLines,
} from "../describe-text.js";
import { downloadJson } from "../../kube/download-request.js";

export function backupDescribeCommand(): Command {
  return withClientFlags(new Command("describe"))
    .description("describe a backup")
    .argument("<name>", "name of the backup")
    .option("--details", "also show the resource list and the volumes")
    .action(async (name: string, flags: ClientFlags & { details?: boolean }) => {
      const velero = veleroClient(flags);
      const backup = await velero.get<Backup>("backups", name);
      if (!backup) throw new Error(`backup "${name}" does not exist in namespace ${velero.namespace}`);
      const requests = await velero.list<DeleteBackupRequest>(
        "deletebackuprequests",
        `${BACKUP_NAME_LABEL}=${name}`,
      );
      const lines = describeBackup(backup, requests);
      const finished = ["Completed", "PartiallyFailed", "Failed"].includes(backup.status?.phase ?? "");
      if (!finished) {
        console.log(lines.join("\n"));
        return;
      }
      // Asked for at once: with no server answering, describe waits one timeout, not three.
      const [results, resources, volumes] = await Promise.allSettled([
        downloadJson<ResultsFile>(velero, { kind: "BackupResults", name }),
        flags.details
          ? downloadJson<Record<string, string[]>>(velero, { kind: "BackupResourceList", name })
          : {},
        flags.details ? downloadJson<BackupVolumeInfo[]>(velero, { kind: "BackupVolumeInfos", name }) : [],
      ]);
      lines.push(
        "",
        ...(results.status === "fulfilled"
          ? describeResults(results.value)
          : [`Errors and warnings: <error getting results: ${errorMessage(results.reason)}>`]),
      );
      if (flags.details) {
        if (resources.status === "fulfilled") lines.push("", ...resourceListLines(resources.value));
        else
          lines.push(
            "",
            `Resource List: <error getting backup resource list: ${errorMessage(resources.reason)}>`,
          );
        lines.push("", "Backup Volumes:");
        if (volumes.status === "rejected")
          lines.push(`  <error getting backup volume info: ${errorMessage(volumes.reason)}>`);
        else if (!volumes.value.length) lines.push("  <none included>");
        else lines.push(...volumes.value.map(volumeLine));
      }
      console.log(lines.join("\n"));
    });
}

function volumeLine(v: BackupVolumeInfo): string {
  const what = v.skipped ? `skipped: ${v.skippedReason}` : v.backupMethod;
  return `  ${v.pvcNamespace ?? "<none>"}/${v.pvcName ?? "<none>"} (PV ${v.pvName ?? "<none>"}): ${what}`;
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
