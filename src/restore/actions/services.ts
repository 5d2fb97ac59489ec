import { LAST_APPLIED_ANNOTATION } from "../../api/labels.js";
import type { Item } from "../../items/item.js";
import type { RestoreItemAction } from "../../items/restore-item-action.js";

interface ServicePort {
  port?: number;
  protocol?: string;
  nodePort?: number;
}

/**
 * Services: the cluster IPs belong to the old cluster and are cleared (a headless service keeps
 * `None`); node ports the API server picked are cleared too, unless `--preserve-nodeports`.
 */
export const serviceRestoreAction: RestoreItemAction = {
  name: "velero.io/service",
  appliesTo: ["services"],
  execute({ item, restore }) {
    const spec = item.spec ?? {};
    if (spec.clusterIP !== "None") {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (restore.preserveNodePorts) return undefined;
    const explicit = explicitNodePorts(item);
    for (const port of (spec.ports as ServicePort[] | undefined) ?? []) {
      if (port.nodePort !== undefined && !explicit.has(port.nodePort)) delete port.nodePort;
    }
    return undefined;
  },
};

/**
 * NodePorts the user set, not the ones the API server picked: those in the last-applied
 * configuration, or owned by a field manager in managedFields.
 */
function explicitNodePorts(item: Item): Set<number> {
  const explicit = new Set<number>();
  const lastApplied = item.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (lastApplied) {
    try {
      const applied = JSON.parse(lastApplied) as { spec?: { ports?: ServicePort[] } };
      for (const p of applied.spec?.ports ?? []) if (p.nodePort) explicit.add(p.nodePort);
    } catch {
      // A damaged annotation says nothing about which ports were explicit.
    }
  }
  const ports = (item.spec?.ports as ServicePort[] | undefined) ?? [];
  for (const entry of item.metadata?.managedFields ?? []) {
    const fields = entry.fieldsV1 as { "f:spec"?: { "f:ports"?: Record<string, unknown> } } | undefined;
    for (const [key, owned] of Object.entries(fields?.["f:spec"]?.["f:ports"] ?? {})) {
      if (!key.startsWith("k:") || !(owned as Record<string, unknown>)["f:nodePort"]) continue;
      try {
        const id = JSON.parse(key.slice(2)) as { port?: number; protocol?: string };
        const port = ports.find(
          (p) => p.port === id.port && (p.protocol ?? "TCP") === (id.protocol ?? "TCP"),
        );
        if (port?.nodePort) explicit.add(port.nodePort);
      } catch {
        // Not a key of the form k:{"port":80,"protocol":"TCP"}.
      }
    }
  }
  return explicit;
}
