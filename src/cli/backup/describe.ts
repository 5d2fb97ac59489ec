import { Command, InvalidArgumentError } from "commander";
import type { Backup, DeleteBackupRequest } from "../../api/v1/index.js";
import { BACKUP_NAME_LABEL } from "../../api/labels.js";
import type { BackupVolumeInfo } from "../../backup/volume-info.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { errorMessage } from "../../kube/errors.js";
import type { VeleroClient } from "../../kube/velero-client.js";
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
import { namedOrSelected } from "../select.js";
import { backupVolumeError, describeBackupVolumes, unlessNotFound } from "../volume-describe.js";
import { describeBackupJson } from "./describe-json.js";
import { transferLines, volumeTransfers } from "../volume-transfers.js";

export function backupDescribeCommand(): Command {
  return withClientFlags(new Command("describe"))
    .description("describe backups")
    .argument("[names...]", "names of the backups (default: all, or those matching --selector)")
    .option("-l, --selector <selector>", "only describe backups matching this label selector")
    .option("--details", "also show the resource list and the volumes")
    .option("-o, --output <format>", "plaintext, or json (for one backup)", describeFormat, "plaintext")
    .action(async (names: string[], flags: DescribeFlags) => {
      const velero = veleroClient(flags);
      const backups = await namedOrSelected<Backup>(velero, "backups", names, flags.selector);
      if (flags.output === "json") {
        if (backups.length !== 1) throw new Error("-o json describes one backup: name exactly one");
        const backup = backups[0]!;
        const results = await finishedResults(velero, backup);
        process.stdout.write(describeBackupJson(backup, typeof results === "string" ? undefined : results));
        return;
      }
      const texts: string[] = [];
      for (const backup of backups) texts.push(await describeText(velero, backup, flags.details === true));
      if (texts.length) console.log(texts.join("\n\n"));
    });
}

interface DescribeFlags extends ClientFlags {
  selector?: string;
  details?: boolean;
  output: "plaintext" | "json";
}

function describeFormat(value: string): "plaintext" | "json" {
  if (value === "plaintext" || value === "json") return value;
  throw new InvalidArgumentError("must be plaintext or json");
}

function isFinished(backup: Backup): boolean {
  return ["Completed", "PartiallyFailed", "Failed"].includes(backup.status?.phase ?? "");
}

/** A finished backup's results, or why they cannot be read; undefined before it finishes. */
async function finishedResults(
  velero: VeleroClient,
  backup: Backup,
): Promise<ResultsFile | string | undefined> {
  if (!isFinished(backup)) return undefined;
  try {
    return await downloadJson<ResultsFile>(velero, { kind: "BackupResults", name: backup.metadata.name! });
  } catch (err) {
    return errorMessage(err);
  }
}

async function describeText(velero: VeleroClient, backup: Backup, details: boolean): Promise<string> {
  const name = backup.metadata.name!;
  const requests = await velero.list<DeleteBackupRequest>(
    "deletebackuprequests",
    `${BACKUP_NAME_LABEL}=${name}`,
  );
  const lines = describeBackup(backup, requests);
  if (!isFinished(backup)) {
    const moving = transferLines(await volumeTransfers(velero, { backup: name }));
    return [...lines, ...(moving.length ? ["", ...moving] : [])].join("\n");
  }
  // Asked for at once: with no server answering, describe waits one timeout, not three.
  const [results, resources, volumes] = await Promise.allSettled([
    finishedResults(velero, backup),
    details ? downloadJson<Record<string, string[]>>(velero, { kind: "BackupResourceList", name }) : {},
    details
      ? unlessNotFound(downloadJson<BackupVolumeInfo[]>(velero, { kind: "BackupVolumeInfos", name }))
      : undefined,
  ]);
  const read = results.status === "fulfilled" ? results.value : errorMessage(results.reason);
  if (typeof read === "string") lines.push("", `Errors and warnings: <error getting results: ${read}>`);
  else if (read) lines.push("", ...describeResults(read));
  if (details) {
    if (resources.status === "fulfilled") lines.push("", ...resourceListLines(resources.value));
    else
      lines.push(
        "",
        `Resource List: <error getting backup resource list: ${errorMessage(resources.reason)}>`,
      );
    lines.push(
      "",
      ...(volumes.status === "rejected"
        ? backupVolumeError(errorMessage(volumes.reason))
        : describeBackupVolumes(volumes.value)),
    );
  }
  return lines.join("\n");
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
    `CSISnapshotTimeout:    ${s.csiSnapshotTimeout ?? "0s"}`,
    `ItemOperationTimeout:  ${s.itemOperationTimeout ?? "0s"}`,
    "",
    `Backup Format Version:  ${st.formatVersion ?? "<n/a>"}`,
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
