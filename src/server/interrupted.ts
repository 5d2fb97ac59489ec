import { BACKUP_NAME_LABEL, RESTORE_NAME_LABEL } from "../api/labels.js";
import { labelValue } from "../filters/label-value.js";
import type { VeleroClient } from "../kube/velero-client.js";

/** Phases a backup or restore runs through inside one server process: this server runs it to its end. */
const UNDER_WAY = ["InProgress", "WaitingForPluginOperations", "WaitingForPluginOperationsPartiallyFailed"];

/**
 * Backups or restores left under way by a server that stopped can never finish (the server
 * holds their archive and results until their end): they are marked Failed at start, with
 * Velero's reason, and the data movements they started are canceled, so node agents stop them.
 */
export async function failInterrupted(velero: VeleroClient, plural: "backups" | "restores"): Promise<void> {
  const kind = plural === "backups" ? "backup" : "restore";
  const objects = await velero.list<{ metadata: { name?: string }; status?: { phase?: string } }>(plural);
  for (const o of objects) {
    const phase = o.status?.phase ?? "New";
    if (!UNDER_WAY.includes(phase)) continue;
    await velero.patchStatus(plural, o.metadata.name!, {
      phase: "Failed",
      failureReason: `found a ${kind} with status "${phase}" during the server starting, mark it as "Failed"`,
      completionTimestamp: new Date().toISOString(),
    });
    const movements = plural === "backups" ? "datauploads" : "datadownloads";
    const label = plural === "backups" ? BACKUP_NAME_LABEL : RESTORE_NAME_LABEL;
    for (const m of await velero.list<{ metadata: { name?: string } }>(
      movements,
      `${label}=${labelValue(o.metadata.name!)}`,
    ))
      await velero.patch(movements, m.metadata.name!, { spec: { cancel: true } });
  }
}
