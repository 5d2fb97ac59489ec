import { Command } from "commander";
import type { Restore } from "../../api/v1/index.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { errorMessage } from "../../kube/errors.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import type { RestoreVolumeInfo } from "../../restore/volume-info.js";
import type { ResultsFile } from "../../results/results.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { downloadJson } from "../../kube/download-request.js";
import {
  clusterScopedText,
  describeResults,
  list,
  metadataLines,
  resourceListLines,
} from "../describe-text.js";
import { formatTimestamp } from "../output.js";
import { namedOrSelected } from "../select.js";
import {
  describeRestoreVolumes,
  restoreVolumeError,
  unlessNotFound,
  type RollbackState,
} from "../volume-describe.js";
import { replacedVolumes, rolledBackVolumes } from "../../volumes/replace-rollback.js";

const OUTCOMES = ["created", "updated", "recreated", "skipped", "pruned", "failed"] as const;

export function restoreDescribeCommand(): Command {
  return withClientFlags(new Command("describe"))
    .description("describe restores")
    .argument("[names...]", "names of the restores (default: all, or those matching --selector)")
    .option("-l, --selector <selector>", "only describe restores matching this label selector")
    .option("--details", "also show every item and what became of it")
    .action(async (names: string[], flags: ClientFlags & { selector?: string; details?: boolean }) => {
      const velero = veleroClient(flags);
      const texts: string[] = [];
      for (const restore of await namedOrSelected<Restore>(velero, "restores", names, flags.selector)) {
        texts.push(await describeText(velero, restore, flags.details === true));
      }
      if (texts.length) console.log(texts.join("\n\n"));
    });
}

async function describeText(velero: VeleroClient, restore: Restore, details: boolean): Promise<string> {
  const name = restore.metadata.name!;
  if (!["Completed", "PartiallyFailed", "Failed"].includes(restore.status?.phase ?? ""))
    return describeRestore(restore).join("\n");
  // Asked for at once: with no server answering, describe waits one timeout, not three.
  const [files, volumes, rollback] = await Promise.allSettled([
    Promise.all([
      downloadJson<ResultsFile>(velero, { kind: "RestoreResults", name }),
      downloadJson<Record<string, string[]>>(velero, { kind: "RestoreResourceList", name }),
    ]),
    details
      ? unlessNotFound(downloadJson<RestoreVolumeInfo[]>(velero, { kind: "RestoreVolumeInfo", name }))
      : undefined,
    details ? rollbackState(velero, name) : undefined,
  ]);
  const volumeLines = !details
    ? []
    : volumes.status === "rejected"
      ? restoreVolumeError(errorMessage(volumes.reason))
      : describeRestoreVolumes(volumes.value, rollback.status === "fulfilled" ? rollback.value : undefined);
  const lines = describeRestore(restore, volumeLines);
  if (files.status === "fulfilled") {
    const [results, resources] = files.value;
    lines.push("", ...describeResults(results), "", ...describeResourceList(resources, details));
  } else {
    lines.push("", `Errors and warnings: <error getting restore results: ${errorMessage(files.reason)}>`);
  }
  return lines.join("\n");
}

/**
 * Velero's `restore describe` layout, from the Restore object alone; volumeLines (the volume
 * sections, see volume-describe.ts) follow "Restore PVs:" as in Velero.
 */
export function describeRestore(restore: Restore, volumeLines: string[] = []): string[] {
  const s = restore.spec;
  const st = restore.status ?? {};
  const name = restore.metadata.name!;
  const phase = st.phase || "New";
  const hint = ["Failed", "PartiallyFailed"].includes(phase)
    ? ` (run 'velero-ts restore logs ${name}' for more information)`
    : "";
  const lines = [
    ...metadataLines(restore.metadata),
    "",
    `Phase:                       ${phase}${hint}`,
    `Total items to be restored:  ${st.progress?.totalItems ?? "<unknown>"}`,
    `Items restored:              ${st.progress?.itemsRestored ?? 0}`,
    "",
    `Started:    ${formatTimestamp(st.startTimestamp)}`,
    `Completed:  ${formatTimestamp(st.completionTimestamp)}`,
  ];
  if (st.failureReason) lines.push("", `Failure reason:  ${st.failureReason}`);
  if (st.validationErrors?.length)
    lines.push("", "Validation errors:", ...st.validationErrors.map((e) => `  ${e}`));
  const mapping = Object.entries(s.namespaceMapping ?? {});
  lines.push(
    "",
    `Backup:  ${s.backupName ?? "<none>"}`,
    ...(s.scheduleName ? [`Schedule:  ${s.scheduleName}`] : []),
    "",
    "Namespaces:",
    `  Included:  ${list(s.includedNamespaces, "all namespaces found in the backup")}`,
    `  Excluded:  ${list(s.excludedNamespaces)}`,
    "",
    "Resources:",
    `  Included:        ${list(s.includedResources, "*")}`,
    `  Excluded:        ${list(s.excludedResources, "nodes, events, events.events.k8s.io, backups.velero.io, restores.velero.io, resticrepositories.velero.io, csinodes.storage.k8s.io, volumeattachments.storage.k8s.io, backuprepositories.velero.io")}`,
    `  Cluster-scoped:  ${clusterScopedText(s.includeClusterResources)}`,
    "",
    `Namespace mappings:  ${mapping.length ? mapping.map(([a, b]) => `${a}=${b}`).join(", ") : "<none>"}`,
    "",
    `Label selector:  ${formatLabelSelector(s.labelSelector)}`,
    "",
    `Or label selector:  ${s.orLabelSelectors?.length ? s.orLabelSelectors.map(formatLabelSelector).join(" or ") : "<none>"}`,
    "",
    `Restore PVs:  ${s.restorePVs === undefined || s.restorePVs === null ? "auto" : String(s.restorePVs)}`,
    ...volumeLines,
    "",
    `Existing Resource Policy:   ${s.existingResourcePolicy ?? "<none>"}`,
    ...existingPolicyOverrides(s),
    `ItemOperationTimeout:       ${s.itemOperationTimeout ?? "0s"}`,
    ...(s.prune
      ? ["Prune:  true (objects from an earlier restore that this backup no longer holds are deleted)"]
      : []),
    "",
    `Preserve Service NodePorts:  ${s.preserveNodePorts === undefined || s.preserveNodePorts === null ? "auto" : String(s.preserveNodePorts)}`,
  );
  return lines;
}

/** The counts of what became of the items; with details, every item under its kind. */
export function describeResourceList(resources: Record<string, string[]>, details: boolean): string[] {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<(typeof OUTCOMES)[number], number>;
  for (const items of Object.values(resources)) {
    for (const item of items) {
      const outcome = /\((\w+)\)$/.exec(item)?.[1] as (typeof OUTCOMES)[number] | undefined;
      if (outcome && outcome in counts) counts[outcome]++;
    }
  }
  const lines = [`Items: ${OUTCOMES.map((o) => `${counts[o]} ${o}`).join(", ")}`];
  if (details) lines.push("", ...resourceListLines(resources));
  return lines;
}

/** The per-resource overrides of the existing resource policy, one line per policy. */
function existingPolicyOverrides(spec: Restore["spec"]): string[] {
  const overrides = Object.entries(spec.existingResourcePolicyOverrides ?? {});
  if (!overrides.length) return [];
  return [
    "Existing Resource Policy Overrides:",
    ...overrides.map(([policy, list]) => `  ${policy}:  ${(list?.includedResources ?? []).join(", ")}`),
  ];
}

/** Which old volumes of a replace are still kept for a rollback, and which were rolled back to, from the cluster. */
async function rollbackState(velero: VeleroClient, name: string): Promise<RollbackState> {
  const [kept, rolledBack] = await Promise.all([
    replacedVolumes(velero.client, name),
    rolledBackVolumes(velero.client, name),
  ]);
  return {
    kept: new Set(kept.map((pv) => pv.metadata?.name ?? "")),
    rolledBack: new Set(rolledBack.map((pv) => pv.metadata?.name ?? "")),
  };
}
