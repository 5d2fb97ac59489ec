import { SCHEDULE_NAME_LABEL } from "../api/labels.js";
import type { Backup, RestoreSpec } from "../api/v1/index.js";
import type { VeleroClient } from "../kube/velero-client.js";

/**
 * The backup a restore takes its items from: the one it names, or the latest Completed backup of
 * the schedule it names; or why there is none it can restore. The server and `--dry-run` both ask
 * here, so a preview and the real restore use the same backup.
 */
export async function sourceBackup(
  velero: VeleroClient,
  spec: RestoreSpec,
): Promise<{ backup: Backup; error?: undefined } | { backup?: undefined; error: string }> {
  let backup: Backup | undefined;
  if (spec.backupName) {
    backup = await velero.get<Backup>("backups", spec.backupName);
    if (!backup) {
      return {
        error: `backup "${spec.backupName}" does not exist in namespace ${velero.namespace}: check the name with \`velero-ts backup get\``,
      };
    }
  } else {
    const made = await velero.list<Backup>("backups", `${SCHEDULE_NAME_LABEL}=${spec.scheduleName}`);
    backup = made
      .filter((b) => b.status?.phase === "Completed")
      .sort((a, b) => (b.status?.startTimestamp ?? "").localeCompare(a.status?.startTimestamp ?? ""))[0];
    if (!backup) return { error: `no completed backups found for schedule ${spec.scheduleName}` };
  }
  const phase = backup.status?.phase;
  if (phase !== "Completed" && phase !== "PartiallyFailed") {
    return {
      error: `backup "${backup.metadata.name}" is ${phase ?? "New"}: only a Completed or PartiallyFailed backup can be restored`,
    };
  }
  return { backup };
}
