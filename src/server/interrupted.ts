import type { VeleroClient } from "../kube/velero-client.js";

/**
 * Backups or restores left InProgress by a server that stopped can never finish: they are marked
 * Failed at start, with Velero's reason.
 */
export async function failInterrupted(velero: VeleroClient, plural: "backups" | "restores"): Promise<void> {
  const kind = plural === "backups" ? "backup" : "restore";
  const objects = await velero.list<{ metadata: { name?: string }; status?: { phase?: string } }>(plural);
  for (const o of objects) {
    if (o.status?.phase !== "InProgress") continue;
    await velero.patchStatus(plural, o.metadata.name!, {
      phase: "Failed",
      failureReason: `found a ${kind} with status "InProgress" during the server starting, mark it as "Failed"`,
      completionTimestamp: new Date().toISOString(),
    });
  }
}
